import Foundation

extension SIFT {
    /// The 4×4×8 descriptor of a keypoint on its Gaussian image: samples within a rotated grid
    /// of 4×4 cells each 3σ wide, gradient orientations relative to the keypoint's, Gaussian
    /// weight over the grid (σ = 2 cells), trilinear distribution into (row, column,
    /// orientation) bins, then normalize, clip at 0.2, normalize (or RootSIFT).
    static func describe(_ c: Candidate, image: GrayImage, rootSIFT: Bool) -> [Float] {
        let d = 4, n = 8
        let angle = Float(c.angle)  // radians, counter-clockwise on screen (y up)
        let binsPerRadian = Float(n) / (2 * .pi)
        let expScale = -1 / (Double(d * d) * 0.5)
        let histogramWidth = 3 * c.sigma
        var radius = Int((histogramWidth * 2.0.squareRoot() * Double(d + 1) * 0.5).rounded())
        radius = min(radius, Int(Double(image.width * image.width + image.height * image.height).squareRoot()))
        let cosT = Float(cos(c.angle) / histogramWidth), sinT = Float(sin(c.angle) / histogramWidth)
        let px = Int(c.x.rounded()), py = Int(c.y.rounded())
        var histogram = [Float](repeating: 0, count: (d + 2) * (d + 2) * (n + 2))
        // The Gaussian weight depends on |rotated offset|² = (i² + j²)/w², so it separates:
        // exp(s·i²)·exp(s·j²) from one table.
        let weightScale = expScale / (histogramWidth * histogramWidth)
        // Indexed by offset −radius...radius (through a pointer at the middle).
        let axisWeights = (-radius...radius).map { Float(exp(Double($0 * $0) * weightScale)) }
        let rowStride = (d + 2) * (n + 2), columnStride = n + 2
        let half = Float(d) / 2 - 0.5
        // Pass 1: the samples inside the rotated grid, with their bin coordinates.
        var samples = GradientSamples(capacity: (2 * radius + 1) * (2 * radius + 1))
        defer { samples.deallocate() }
        // Rotate the offset into the keypoint frame, in cell units.
        @inline(__always) func bins(_ i: Int, _ j: Int) -> (rbin: Float, cbin: Float) {
            (Float(j) * sinT + Float(i) * cosT + half, Float(j) * cosT - Float(i) * sinT + half)
        }
        @inline(__always) func inside(_ i: Int, _ j: Int) -> Bool {
            let (rbin, cbin) = bins(i, j)
            return rbin > -1 && rbin < Float(d) && cbin > -1 && cbin < Float(d)
        }
        // In row i both bin coordinates are monotonic in j, so the grid's pixels form one
        // interval: bound it from the two strips −1 < bin < d (in double, widened by 2), then
        // shrink it with the exact float test used for every pixel.
        func span(_ i: Int) -> (lower: Int, upper: Int) {
            var lower = Double(-radius), upper = Double(radius)
            // Narrows [lower, upper] to the j with −1 < slope·j + offset < d (widened by 2);
            // false when no j qualifies.
            func narrow(slope: Double, offset: Double) -> Bool {
                if slope == 0 { return offset > -1 && offset < Double(d) }
                let a = (-1 - offset) / slope, b = (Double(d) - offset) / slope
                lower = max(lower, min(a, b).rounded(.down) - 2)
                upper = min(upper, max(a, b).rounded(.up) + 2)
                return true
            }
            guard narrow(slope: Double(sinT), offset: Double(Float(i) * cosT + half)),
                  narrow(slope: Double(cosT), offset: Double(half - Float(i) * sinT)),
                  lower <= upper else { return (1, 0) }
            var lo = Int(lower), hi = Int(upper)
            while lo <= hi, !inside(i, lo) { lo += 1 }
            while hi >= lo, !inside(i, hi) { hi -= 1 }
            return (lo, hi)
        }
        let lanes = SIMD8<Float>(0, 1, 2, 3, 4, 5, 6, 7), halves = SIMD8<Float>(repeating: half)
        axisWeights.withUnsafeBufferPointer { table in
            let axisWeight = table.baseAddress! + radius
            samples.gather(image, x: px, y: py, radius: radius, columns: span, sample: { i, j in
                let (rbin, cbin) = bins(i, j)
                return (axisWeight[i] * axisWeight[j], rbin, cbin)
            }, sample8: { i, j in
                // The same operations in the same order as `bins` and the weight above, per lane.
                let column = SIMD8<Float>(repeating: Float(j)) + lanes
                let rbin: SIMD8<Float> = column * SIMD8<Float>(repeating: sinT) + SIMD8<Float>(repeating: Float(i) * cosT) + halves
                let cbin: SIMD8<Float> = column * SIMD8<Float>(repeating: cosT) - SIMD8<Float>(repeating: Float(i) * sinT) + halves
                let weight = SIMD8<Float>(repeating: axisWeight[i]) * UnsafeRawPointer(axisWeight + j).loadUnaligned(as: SIMD8<Float>.self)
                return (weight, rbin, cbin)
            })
        }
        // Pass 2: magnitudes and angles, eight at a time.
        samples.finish()
        // Pass 3: trilinear distribution into (row, column, orientation) bins: the bins and
        // weights eight samples at a time, then the adds one sample after the other.
        let distribution = samples.histogramParts(angle: angle, binsPerRadian: binsPerRadian)
        histogram.withUnsafeMutableBufferPointer { bins in
            for k in 0..<samples.count {
                let base = distribution.base(k), obin = distribution.orientation[k]
                @inline(__always) func add(_ index: Int, _ v: Float) {
                    let v1 = v * obin
                    bins[index] += v - v1
                    bins[index + 1] += v1
                }
                add(base, distribution.v00[k])
                add(base + columnStride, distribution.v01[k])
                add(base + rowStride, distribution.v10[k])
                add(base + rowStride + columnStride, distribution.v11[k])
            }
        }
        return descriptor(from: &histogram, d: d, n: n, rootSIFT: rootSIFT)
    }

    /// The descriptor from the (d + 2)² × (n + 2) histogram: the wrapped orientation bin folded,
    /// the border cells dropped, normalized, clipped at 0.2, normalized again (RootSIFT: then
    /// L1-normalized and square-rooted).
    @inline(__always)
    static func descriptor(from histogram: inout [Float], d: Int, n: Int, rootSIFT: Bool) -> [Float] {
        var descriptor = [Float](repeating: 0, count: d * d * n)
        for i in 0..<d {
            for j in 0..<d {
                let index = ((i + 1) * (d + 2) + (j + 1)) * (n + 2)
                histogram[index] += histogram[index + n]
                for k in 0..<n { descriptor[(i * d + j) * n + k] = histogram[index + k] }
            }
        }
        normalize(&descriptor)
        for k in descriptor.indices { descriptor[k] = min(descriptor[k], 0.2) }
        normalize(&descriptor)
        if rootSIFT {
            let l1 = descriptor.reduce(0, +)
            if l1 > 0 { for k in descriptor.indices { descriptor[k] = (descriptor[k] / l1).squareRoot() } }
        }
        return descriptor
    }

    static func normalize(_ v: inout [Float]) {
        let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 1e-12 else { return }
        for k in v.indices { v[k] /= length }
    }
}

/// Where each descriptor sample goes in the (row, column, orientation) histogram: the flat index
/// of its lower corner bin, its fractional orientation bin, and its magnitude split over the four
/// spatial neighbours (row r0/r0+1 × column c0/c0+1). Views into the samples' storage.
struct DescriptorBins {
    /// Int32 indices, stored over the samples' floats (read them with `base(_:)`).
    let bases: UnsafeMutableRawPointer
    let orientation, v00, v01, v10, v11: UnsafeMutablePointer<Float>

    @inline(__always) func base(_ k: Int) -> Int { Int(bases.load(fromByteOffset: 4 * k, as: Int32.self)) }
}

extension GradientSamples {
    /// The histogram parts of the first `count` samples (after `finish()`; `extra0`/`extra1` are
    /// the rotated row/column bin coordinates in (−1, 4)), eight at a time, overwriting the
    /// samples' storage. Exactly the per-sample arithmetic of the scalar loop it replaced:
    /// o = (angle − keypoint angle)·bins per radian, +8 while negative; ⌊·⌋ of the three bin
    /// coordinates; fractions; magnitude·fr, the rest, and each times fc, the rest.
    func histogramParts(angle: Float, binsPerRadian: Float) -> DescriptorBins {
        let d: Int32 = 4, n: Int32 = 8
        let parts = DescriptorBins(bases: UnsafeMutableRawPointer(dx),
                                   orientation: dy, v00: weight, v01: magnitude, v10: self.angle, v11: extra0)
        let zero = SIMD8<Float>(repeating: 0), eight = SIMD8<Float>(repeating: Float(n))
        let keypointAngle = SIMD8<Float>(repeating: angle), scale = SIMD8<Float>(repeating: binsPerRadian)
        // Every vector constant typed: an untyped `SIMD8(repeating:)` operand makes Swift pick the
        // generic operator, which loops over the lanes.
        let nInt = SIMD8<Int32>(repeating: n), oneInt = SIMD8<Int32>(repeating: 1)
        let rowBins = SIMD8<Int32>(repeating: d + 2), orientationBins = SIMD8<Int32>(repeating: n + 2)
        var k = 0
        while k < count {
            let rbin = load8(extra0 + k), cbin = load8(extra1 + k), magnitude = load8(self.magnitude + k)
            var obin = (load8(self.angle + k) - keypointAngle) * scale  // in (−3n/2, n/2]
            obin = obin.replacing(with: obin + eight, where: obin .< zero)
            obin = obin.replacing(with: obin + eight, where: obin .< zero)
            let (r0, r0Int) = floorParts(rbin), (c0, c0Int) = floorParts(cbin), (o0, o0Int) = floorParts(obin)
            let fr = rbin - r0, fc = cbin - c0
            let wrapped = o0Int.replacing(with: o0Int &- nInt, where: o0Int .>= nInt)
            let vR1 = magnitude * fr, vR0 = magnitude - vR1
            let vRC11 = vR1 * fc, vRC10 = vR1 - vRC11
            let vRC01 = vR0 * fc, vRC00 = vR0 - vRC01
            let base = ((r0Int &+ oneInt) &* rowBins &+ c0Int &+ oneInt) &* orientationBins &+ wrapped
            parts.bases.storeBytes(of: base, toByteOffset: 4 * k, as: SIMD8<Int32>.self)
            store8(parts.orientation + k, obin - o0)
            store8(parts.v00 + k, vRC00)
            store8(parts.v01 + k, vRC01)
            store8(parts.v10 + k, vRC10)
            store8(parts.v11 + k, vRC11)
            k += 8
        }
        return parts
    }
}
