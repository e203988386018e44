import Foundation

/// ALIKED's keypoint selection (DKD, "differentiable keypoint detection"), as the published code.
public struct ALIKEDDetection: Sendable {
    /// NMS radius r (windows of 2r + 1) and the width of the border without keypoints.
    public var radius = 2
    /// Score threshold; ≤ 0: keypoints above the score map's mean.
    public var threshold: Float = 0.2
    /// At most this many keypoints: the highest scores when more pass the threshold.
    public var maxKeypoints = 2048
    /// When positive, the top k of the suppressed map instead of a threshold (`top_k` mode).
    public var topK = 0

    public init() {}
}

extension ALIKEDNet {
    /// Keypoints of a score map (1 × H × W): pixel coordinates (x, y), top-left pixel's centre at
    /// (0, 0), sub-pixel; their scores; and the same points normalized to −1…1 by (W − 1, H − 1)
    /// (what the descriptor head reads).
    ///
    /// - `simple_nms` with radius r; the outer r rows and columns zeroed;
    /// - top-k mode: the k largest suppressed scores, largest first; threshold mode: the pixels of
    ///   the suppressed map above the threshold (none: above the raw map's mean) in row-major order,
    ///   or when more than `maxKeypoints`, the highest scores first;
    /// - sub-pixel: over the (2r + 1)² window (zeros outside the map), softmax of
    ///   (s − max)/0.1 weights the window's (dx, dy) offsets; the score is the map sampled there
    ///   (bilinear, align_corners).
    public static func detect(_ scores: Tensor, options: ALIKEDDetection = ALIKEDDetection())
        -> (points: [SIMD2<Float>], scores: [Float], normalized: [SIMD2<Float>]) {
        let h = scores.height, w = scores.width, r = options.radius
        let s = scores.data
        let isMax = SimpleNMS.maxima(s, height: h, width: w, radius: r)
        var suppressed = (0..<s.count).map { isMax[$0] ? s[$0] : 0 }
        for y in 0..<h {
            for x in 0..<w where y < r || x < r || y >= h - r || x >= w - r { suppressed[y * w + x] = 0 }
        }
        var indices: [Int]
        if options.topK > 0 {
            indices = Array(suppressed.indices.sorted { (suppressed[$0], -$0) > (suppressed[$1], -$1) }.prefix(options.topK))
        } else {
            var threshold = options.threshold
            if threshold <= 0 || !suppressed.contains(where: { $0 > threshold }) {
                threshold = s.reduce(0, +) / Float(s.count)
            }
            indices = suppressed.indices.filter { suppressed[$0] > threshold }
            if indices.count > options.maxKeypoints {
                indices = Array(indices.sorted { (s[$0], -$0) > (s[$1], -$1) }.prefix(options.maxKeypoints))
            }
        }
        let temperature: Float = 0.1
        let size = (Float(w - 1), Float(h - 1))
        var points: [SIMD2<Float>] = [], normalized: [SIMD2<Float>] = []
        points.reserveCapacity(indices.count)
        for index in indices {
            let (x, y) = (index % w, index / w)
            var window: [(dx: Float, dy: Float, value: Float)] = []
            for dy in -r...r {
                for dx in -r...r {
                    let (sx, sy) = (x + dx, y + dy)
                    window.append((Float(dx), Float(dy), sx >= 0 && sx < w && sy >= 0 && sy < h ? s[sy * w + sx] : 0))
                }
            }
            let top = window.map(\.value).max()!
            let weights = window.map { exp(($0.value - top) / temperature) }
            let total = weights.reduce(0, +)
            var residual = SIMD2<Float>(0, 0)
            for (item, weight) in zip(window, weights) { residual += SIMD2(item.dx, item.dy) * weight }
            residual /= total
            let point = SIMD2(Float(x), Float(y)) + residual
            let unit = SIMD2(point.x / size.0 * 2 - 1, point.y / size.1 * 2 - 1)
            normalized.append(unit)
            // The published output: (W − 1, H − 1) · (n + 1) / 2.
            points.append(SIMD2(size.0 * (unit.x + 1) / 2, size.1 * (unit.y + 1) / 2))
        }
        let sampled = TensorOps.gridSample(scores, points: normalized, alignCorners: true)
        return (points, sampled, normalized)
    }
}
