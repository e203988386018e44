import Foundation

extension SIFT {
    /// The 4×4×8 descriptor of a keypoint on its Gaussian image: samples within a rotated grid
    /// of 4×4 cells each 3σ wide, gradient orientations relative to the keypoint's, Gaussian
    /// weight over the grid (σ = 2 cells), trilinear distribution into (row, column,
    /// orientation) bins, then normalize, clip at 0.2, normalize (or RootSIFT).
    static func describe(_ c: Candidate, image: GrayImage, rootSIFT: Bool) -> [Float] {
        let d = 4, n = 8
        let angle = c.angle  // radians, counter-clockwise on screen (y up)
        let cosine = cos(angle), sine = sin(angle)
        let binsPerRadian = Double(n) / (2 * .pi)
        let expScale = -1 / (Double(d * d) * 0.5)
        let histogramWidth = 3 * c.sigma
        var radius = Int((histogramWidth * 2.0.squareRoot() * Double(d + 1) * 0.5).rounded())
        radius = min(radius, Int(Double(image.width * image.width + image.height * image.height).squareRoot()))
        let cosT = cosine / histogramWidth, sinT = sine / histogramWidth
        let px = Int(c.x.rounded()), py = Int(c.y.rounded())
        var histogram = [Double](repeating: 0, count: (d + 2) * (d + 2) * (n + 2))
        // The Gaussian weight depends on |rotated offset|² = (i² + j²)/w², so it separates:
        // exp(s·i²)·exp(s·j²) from one table.
        let weightScale = expScale / (histogramWidth * histogramWidth)
        let axisWeights = (0...radius).map { exp(Double($0 * $0) * weightScale) }
        let rowStride = (d + 2) * (n + 2), columnStride = n + 2
        let width = image.width
        histogram.withUnsafeMutableBufferPointer { bins in
        image.pixels.withUnsafeBufferPointer { pixels in
        axisWeights.withUnsafeBufferPointer { axisWeights in
            for i in -radius...radius {
                let r = py + i
                guard r > 0, r < image.height - 1 else { continue }
                let row = r * width
                for j in -radius...radius {
                    let col = px + j
                    guard col > 0, col < width - 1 else { continue }
                    // Rotate the offset into the keypoint frame, in cell units.
                    let cRot = Double(j) * cosT - Double(i) * sinT
                    let rRot = Double(j) * sinT + Double(i) * cosT
                    let rbin = rRot + Double(d) / 2 - 0.5, cbin = cRot + Double(d) / 2 - 0.5
                    guard rbin > -1, rbin < Double(d), cbin > -1, cbin < Double(d) else { continue }
                    let dx = Double(pixels[row + col + 1] - pixels[row + col - 1])
                    let dy = Double(pixels[row - width + col] - pixels[row + width + col])
                    let weight = axisWeights[abs(i)] * axisWeights[abs(j)]
                    let magnitude = (dx * dx + dy * dy).squareRoot() * weight
                    var theta = fastAtan2(dy, dx) - angle
                    while theta < 0 { theta += 2 * .pi }
                    while theta >= 2 * .pi { theta -= 2 * .pi }
                    var obin = theta * binsPerRadian
                    let r0 = floorInt(rbin), c0 = floorInt(cbin)
                    var o0 = floorInt(obin)
                    let fr = rbin - Double(r0), fc = cbin - Double(c0)
                    obin -= Double(o0)
                    if o0 < 0 { o0 += n }
                    if o0 >= n { o0 -= n }
                    // Trilinear distribution into the 8 neighbouring bins.
                    let vR1 = magnitude * fr, vR0 = magnitude - vR1
                    let vRC11 = vR1 * fc, vRC10 = vR1 - vRC11
                    let vRC01 = vR0 * fc, vRC00 = vR0 - vRC01
                    let base = ((r0 + 1) * (d + 2) + c0 + 1) * (n + 2) + o0
                    @inline(__always) func add(_ index: Int, _ v: Double) {
                        let v1 = v * obin
                        bins[index] += v - v1
                        bins[index + 1] += v1
                    }
                    add(base, vRC00)
                    add(base + columnStride, vRC01)
                    add(base + rowStride, vRC10)
                    add(base + rowStride + columnStride, vRC11)
                }
            }
        }
        }
        }
        // Fold the wrapped orientation bin and drop the border cells.
        var descriptor = [Float](repeating: 0, count: d * d * n)
        for i in 0..<d {
            for j in 0..<d {
                let index = ((i + 1) * (d + 2) + (j + 1)) * (n + 2)
                histogram[index] += histogram[index + n]
                for k in 0..<n { descriptor[(i * d + j) * n + k] = Float(histogram[index + k]) }
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

    /// ⌊x⌋ for the finite, moderate values of the descriptor loop, without a call to `floor`
    /// (the baseline x86-64 target has no rounding instruction): truncate, then step down for
    /// negative non-integers.
    @inline(__always)
    static func floorInt(_ x: Double) -> Int {
        let t = Int(x)
        return Double(t) > x ? t - 1 : t
    }

    static func normalize(_ v: inout [Float]) {
        let length = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard length > 1e-12 else { return }
        for k in v.indices { v[k] /= length }
    }
}
