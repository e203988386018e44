import Dispatch
import Foundation

extension SIFT {
    /// DoG extrema of one octave, refined and filtered (contrast at least `contrastThreshold`,
    /// edges), without orientations (angle 0).
    static func findExtrema(dog: [GrayImage], octave: Int, contrastThreshold: Double, options: SIFTOptions) -> [Candidate] {
        let layers = options.octaveLayers
        let w = dog[0].width, h = dog[0].height
        // OpenCV's pre-filter: |D| > 0.5 · threshold / layers (on [0, 1] intensities).
        let threshold = Float(0.5 * contrastThreshold / Double(layers))
        let found = CandidateCollector()
        // Row by row, all layers of a row together: the DoG rows around y are then read from
        // memory once for the three layers instead of once per layer.
        DispatchQueue.concurrentPerform(iterations: h - 2 * border) { index in
            let y = index + border
            var local: [Candidate] = []
            for layer in 1...layers {
                let below = dog[layer - 1].pixels, current = dog[layer].pixels, above = dog[layer + 1].pixels
                func keep(_ x: Int) {
                    if let refined = refine(dog: dog, x: x, y: y, layer: layer, octave: octave, contrastThreshold: contrastThreshold,
                                            options: options) {
                        local.append(refined)
                    }
                }
                below.withUnsafeBufferPointer { b in
                current.withUnsafeBufferPointer { c in
                above.withUnsafeBufferPointer { a in
                    let (b, c, a) = (b.baseAddress!, c.baseAddress!, a.baseAddress!)
                    // Eight columns at a time, without a branch per pixel; the rest one by one.
                    var x = border
                    while x + 8 <= w - border {
                        let extrema = extremumMask(b, c, a, y * w + x, w, threshold)
                        if any(extrema) { for k in 0..<8 where extrema[k] { keep(x + k) } }
                        x += 8
                    }
                    while x < w - border {
                        let v = c[y * w + x]
                        if abs(v) > threshold && isExtremum(v, b, c, a, x, y, w) { keep(x) }
                        x += 1
                    }
                }
                }
                }
            }
            if !local.isEmpty { found.append(local) }
        }
        return found.all()
    }

    /// The located extrema to describe: those passing `contrastThreshold`, or, when fewer than
    /// `minimumKeypoints` do (and `found` was detected down to `lowestContrastThreshold`), the
    /// strongest `minimumKeypoints` of all — the threshold lowered for this image only.
    /// Also returns how many passed the nominal threshold.
    static func selectLocations(_ found: [Candidate], options: SIFTOptions) -> (selected: [Candidate], aboveThreshold: Int) {
        let layers = Double(options.octaveLayers)
        // The same test as `refine`'s contrast check at the nominal threshold.
        let strong = found.filter { $0.response * layers >= options.contrastThreshold }
        guard strong.count < options.minimumKeypoints, found.count > strong.count else { return (strong, strong.count) }
        return (Array(found.sorted(by: isStronger).prefix(options.minimumKeypoints)), strong.count)
    }

    /// Each located extremum with its orientations (one keypoint per dominant direction; angle 0
    /// for upright SIFT), computed in parallel, in the order of `located`.
    static func orient(_ located: [Candidate], pyramid: [[GrayImage]], options: SIFTOptions) -> [Candidate] {
        if options.upright || located.isEmpty { return located }
        let angles = UnsafeMutableBufferPointer<[Double]>.allocate(capacity: located.count)
        angles.initialize(repeating: [])
        defer { angles.deinitialize(); angles.deallocate() }
        let slots = SharedPointer(angles.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: located.count) { k in
            let c = located[k]
            slots.base[k] = orientations(pyramid[c.octave][c.layer], c)
        }
        var keypoints: [Candidate] = []
        keypoints.reserveCapacity(located.count + located.count / 4)
        for (k, c) in located.enumerated() {
            for angle in angles[k] {
                var keypoint = c
                keypoint.angle = angle
                keypoints.append(keypoint)
            }
        }
        return keypoints
    }

    /// Strongest first; ties broken by octave, position, angle and scale, so that the order never
    /// depends on the threads that found them.
    static func isStronger(_ a: Candidate, _ b: Candidate) -> Bool {
        if a.response != b.response { return a.response > b.response }
        if a.octave != b.octave { return a.octave < b.octave }
        if a.y != b.y { return a.y < b.y }
        if a.x != b.x { return a.x < b.x }
        if a.angle != b.angle { return a.angle < b.angle }
        return a.sigma < b.sigma
    }

    /// The lanes of the eight values at `c + o` that pass OpenCV's pre-threshold (|v| > threshold)
    /// and are ≥ (v > 0: maximum) or ≤ (minimum) all 26 neighbours in scale space, as
    /// `isExtremum` decides pixel by pixel, without a branch per lane: the only data-dependent
    /// branches are the block's "any lane left" tests (after the pre-threshold, after v's layer).
    @inline(__always)
    static func extremumMask(_ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
                             _ o: Int, _ w: Int, _ threshold: Float) -> SIMDMask<SIMD8<Int32>> {
        let v = load8(c + o)
        // Explicitly typed bounds: `v .> SIMD8(repeating: threshold)` picks the generic comparison,
        // which compiles to a loop over the lanes.
        let upper = SIMD8<Float>(repeating: threshold), lower = SIMD8<Float>(repeating: -threshold)
        let maximum = v .> upper, minimum = v .< lower
        guard any(maximum .| minimum) else { return maximum }
        // Some neighbour above v / below v (the centre itself is neither). The eight in v's own
        // layer first: most lanes fail there, and a block where all do skips the other 18.
        var exceeded = SIMDMask<SIMD8<Int32>>(repeating: false), undercut = exceeded
        // The offsets written out: as a loop the masks were kept in memory between steps.
        compare(c, o - w - 1, v, &exceeded, &undercut)
        compare(c, o - w, v, &exceeded, &undercut)
        compare(c, o - w + 1, v, &exceeded, &undercut)
        compare(c, o - 1, v, &exceeded, &undercut)
        compare(c, o + 1, v, &exceeded, &undercut)
        compare(c, o + w - 1, v, &exceeded, &undercut)
        compare(c, o + w, v, &exceeded, &undercut)
        compare(c, o + w + 1, v, &exceeded, &undercut)
        let inLayer = (maximum .& .!exceeded) .| (minimum .& .!undercut)
        guard any(inLayer) else { return inLayer }
        compare(b, a, o - w - 1, v, &exceeded, &undercut)
        compare(b, a, o - w, v, &exceeded, &undercut)
        compare(b, a, o - w + 1, v, &exceeded, &undercut)
        compare(b, a, o - 1, v, &exceeded, &undercut)
        compare(b, a, o, v, &exceeded, &undercut)
        compare(b, a, o + 1, v, &exceeded, &undercut)
        compare(b, a, o + w - 1, v, &exceeded, &undercut)
        compare(b, a, o + w, v, &exceeded, &undercut)
        compare(b, a, o + w + 1, v, &exceeded, &undercut)
        return (maximum .& .!exceeded) .| (minimum .& .!undercut)
    }

    /// Marks the lanes where the layer at offset k holds a value above / below v.
    @inline(__always)
    private static func compare(_ p: UnsafePointer<Float>, _ k: Int, _ v: SIMD8<Float>,
                                _ exceeded: inout SIMDMask<SIMD8<Int32>>, _ undercut: inout SIMDMask<SIMD8<Int32>>) {
        let n = load8(p + k)
        exceeded .|= n .> v
        undercut .|= n .< v
    }

    /// `compare` on the layers below and above at offset k.
    @inline(__always)
    private static func compare(_ b: UnsafePointer<Float>, _ a: UnsafePointer<Float>, _ k: Int, _ v: SIMD8<Float>,
                                _ exceeded: inout SIMDMask<SIMD8<Int32>>, _ undercut: inout SIMDMask<SIMD8<Int32>>) {
        let nb = load8(b + k), na = load8(a + k)
        exceeded .|= (nb .> v) .| (na .> v)
        undercut .|= (nb .< v) .| (na .< v)
    }

    /// Whether v = c[y][x] is ≥ (maximum) or ≤ (minimum) all 26 neighbours in scale space
    /// (layers below, current and above).
    @inline(__always)
    static func isExtremum(_ v: Float, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>, _ a: UnsafePointer<Float>,
                           _ x: Int, _ y: Int, _ w: Int) -> Bool {
        for row in (y - 1)...(y + 1) {
            let o = row * w + x
            for k in (o - 1)...(o + 1) {
                if v > 0 {
                    if b[k] > v || c[k] > v || a[k] > v { return false }
                } else {
                    if b[k] < v || c[k] < v || a[k] < v { return false }
                }
            }
        }
        return true
    }

    /// Sub-pixel / sub-scale refinement by a quadratic fit (Brown & Lowe), then the contrast
    /// and edge tests. Returns nil for rejected extrema.
    static func refine(dog: [GrayImage], x x0: Int, y y0: Int, layer l0: Int, octave: Int, contrastThreshold: Double,
                       options: SIFTOptions) -> Candidate? {
        let layers = options.octaveLayers
        let w = dog[0].width, h = dog[0].height
        var x = x0, y = y0, layer = l0
        var offset = SIMD3<Double>.zero  // (x, y, scale)
        var converged = false
        for _ in 0..<5 {
            let (gradient, hessian) = derivatives(dog, x, y, layer)
            guard let step = solveSymmetric3(hessian, gradient) else { return nil }
            offset = -step
            if abs(offset.x) < 0.5 && abs(offset.y) < 0.5 && abs(offset.z) < 0.5 { converged = true; break }
            guard abs(offset.x) < 1e6, abs(offset.y) < 1e6, abs(offset.z) < 1e6 else { return nil }
            x += Int(offset.x.rounded()); y += Int(offset.y.rounded()); layer += Int(offset.z.rounded())
            guard layer >= 1, layer <= layers, x >= border, x < w - border, y >= border, y < h - border else { return nil }
        }
        guard converged else { return nil }
        let (gradient, hessian) = derivatives(dog, x, y, layer)
        let contrast = Double(dog[layer][x, y]) + 0.5 * (gradient * offset).sum()
        guard abs(contrast) * Double(layers) >= contrastThreshold else { return nil }
        // Edge test on the 2×2 spatial Hessian.
        let dxx = hessian.0.x, dyy = hessian.1.y, dxy = hessian.0.y
        let trace = dxx + dyy, determinant = dxx * dyy - dxy * dxy
        let r = options.edgeThreshold
        guard determinant > 0, trace * trace * r < (r + 1) * (r + 1) * determinant else { return nil }
        let sigma = options.sigma * pow(2, (Double(layer) + offset.z) / Double(layers))
        return Candidate(octave: octave, layer: layer, x: Double(x) + offset.x, y: Double(y) + offset.y,
                         sigma: sigma, response: abs(contrast), angle: 0)
    }

    /// Gradient and Hessian of the DoG by central differences at (x, y, layer).
    static func derivatives(_ dog: [GrayImage], _ x: Int, _ y: Int, _ l: Int)
        -> (SIMD3<Double>, (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)) {
        func d(_ layer: Int, _ dx: Int, _ dy: Int) -> Double { Double(dog[layer][x + dx, y + dy]) }
        let v2 = 2 * d(l, 0, 0)
        let gradient = SIMD3((d(l, 1, 0) - d(l, -1, 0)) / 2, (d(l, 0, 1) - d(l, 0, -1)) / 2, (d(l + 1, 0, 0) - d(l - 1, 0, 0)) / 2)
        let dxx = d(l, 1, 0) + d(l, -1, 0) - v2
        let dyy = d(l, 0, 1) + d(l, 0, -1) - v2
        let dss = d(l + 1, 0, 0) + d(l - 1, 0, 0) - v2
        let dxy = (d(l, 1, 1) - d(l, -1, 1) - d(l, 1, -1) + d(l, -1, -1)) / 4
        let dxs = (d(l + 1, 1, 0) - d(l + 1, -1, 0) - d(l - 1, 1, 0) + d(l - 1, -1, 0)) / 4
        let dys = (d(l + 1, 0, 1) - d(l + 1, 0, -1) - d(l - 1, 0, 1) + d(l - 1, 0, -1)) / 4
        return (gradient, (SIMD3(dxx, dxy, dxs), SIMD3(dxy, dyy, dys), SIMD3(dxs, dys, dss)))
    }

    /// Solves a symmetric 3×3 system by Cramer's rule; nil when singular.
    static func solveSymmetric3(_ m: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>), _ b: SIMD3<Double>) -> SIMD3<Double>? {
        func cross(_ a: SIMD3<Double>, _ c: SIMD3<Double>) -> SIMD3<Double> {
            SIMD3(a.y * c.z - a.z * c.y, a.z * c.x - a.x * c.z, a.x * c.y - a.y * c.x)
        }
        let c0 = cross(m.1, m.2), c1 = cross(m.2, m.0), c2 = cross(m.0, m.1)
        let det = (m.0 * c0).sum()
        guard det != 0, det.isFinite else { return nil }
        // Rows of the inverse are c0, c1, c2 (symmetric matrix) divided by det.
        return SIMD3((c0 * b).sum(), (c1 * b).sum(), (c2 * b).sum()) / det
    }

    /// Dominant gradient orientations (radians) around a keypoint: a 36-bin histogram over a
    /// radius of 4.5σ with Gaussian weight σ_w = 1.5σ, smoothed, peaks ≥ 0.8 of the maximum,
    /// interpolated by a parabola.
    static func orientations(_ image: GrayImage, _ c: Candidate) -> [Double] {
        let bins = 36
        let weightSigma = 1.5 * c.sigma
        let radius = Int((4.5 * c.sigma).rounded())
        let px = Int(c.x.rounded()), py = Int(c.y.rounded())
        let factor = -1 / (2 * weightSigma * weightSigma)
        // Indexed by offset −radius...radius (through a pointer at the middle).
        let axisWeights = (-radius...radius).map { Float(exp(Double($0 * $0) * factor)) }
        var samples = GradientSamples(capacity: (2 * radius + 1) * (2 * radius + 1))
        defer { samples.deallocate() }
        axisWeights.withUnsafeBufferPointer { table in
            let axisWeight = table.baseAddress! + radius
            samples.gather(image, x: px, y: py, radius: radius, columns: { _ in (-radius, radius) }, sample: { i, j in
                (axisWeight[i] * axisWeight[j], 0, 0)
            }, sample8: { i, j in
                let weight = SIMD8<Float>(repeating: axisWeight[i]) * UnsafeRawPointer(axisWeight + j).loadUnaligned(as: SIMD8<Float>.self)
                return (weight, .zero, .zero)
            })
        }
        samples.finish()
        var raw = [Double](repeating: 0, count: bins)
        let binOf = samples.orientationBins(bins: Int32(bins))
        for k in 0..<samples.count {
            raw[Int(binOf.load(fromByteOffset: 4 * k, as: Int32.self))] += Double(samples.magnitude[k])
        }
        var histogram = [Double](repeating: 0, count: bins)
        for b in 0..<bins {
            func at(_ k: Int) -> Double { raw[(k + bins) % bins] }
            histogram[b] = (at(b - 2) + at(b + 2)) / 16 + (at(b - 1) + at(b + 1)) * 4 / 16 + at(b) * 6 / 16
        }
        let peak = histogram.max() ?? 0
        guard peak > 0 else { return [0] }
        var result: [Double] = []
        for b in 0..<bins {
            let left = histogram[(b + bins - 1) % bins], right = histogram[(b + 1) % bins]
            guard histogram[b] > left, histogram[b] > right, histogram[b] >= 0.8 * peak else { continue }
            var bin = Double(b) + 0.5 * (left - right) / (left - 2 * histogram[b] + right)
            if bin < 0 { bin += Double(bins) } else if bin >= Double(bins) { bin -= Double(bins) }
            // OpenCV stores 360 − angle (its y axis points up in the descriptor frame); we keep the
            // gradient direction in image coordinates.
            result.append(bin * 2 * .pi / Double(bins))
        }
        return result
    }
}

/// Collects candidates from concurrent rows.
final class CandidateCollector: @unchecked Sendable {
    private var candidates: [SIFT.Candidate] = []
    private let lock = NSLock()

    func append(_ more: [SIFT.Candidate]) {
        lock.lock()
        candidates += more
        lock.unlock()
    }

    func all() -> [SIFT.Candidate] { candidates }
}

extension GradientSamples {
    /// The orientation-histogram bin of each of the first `count` samples (after `finish()`),
    /// eight at a time, as Int32 over the `dx` storage: the angle moved into [0, 2π), times
    /// bins/2π, rounded half up (as OpenCV's cvRound on these non-negative values), `bins`
    /// wrapped to 0. The same float operations the per-sample loop did.
    func orientationBins(bins: Int32) -> UnsafeMutableRawPointer {
        let target = UnsafeMutableRawPointer(dx)
        let zero = SIMD8<Float>(repeating: 0), fullTurn = SIMD8<Float>(repeating: 2 * .pi)
        let scale = SIMD8<Float>(repeating: Float(bins) / (2 * .pi)), half = SIMD8<Float>(repeating: 0.5)
        let one = SIMD8<Int32>(repeating: 1), count = SIMD8<Int32>(repeating: bins)
        var k = 0
        while k < self.count {
            var angle = load8(self.angle + k)
            angle = angle.replacing(with: angle + fullTurn, where: angle .< zero)
            let x = scale * angle
            let (lower, lowerInt) = floorParts(x)
            var bin = lowerInt.replacing(with: lowerInt &+ one, where: x - lower .>= half)
            bin = bin.replacing(with: bin &- count, where: bin .>= count)
            target.storeBytes(of: bin, toByteOffset: 4 * k, as: SIMD8<Int32>.self)
            k += 8
        }
        return target
    }
}
