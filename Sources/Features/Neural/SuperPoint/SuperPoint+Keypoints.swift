/// Options of SuperPoint's keypoint selection (defaults: hloc's `superpoint_aachen`, as the
/// issue specifies them).
public struct SuperPointOptions: Equatable, Sendable {
    /// Non-maximum suppression radius r: windows of 2r + 1 pixels.
    public var nmsRadius = 3
    /// Keypoints need a score above this.
    public var threshold: Float = 0.005
    /// Keypoints closer than this to the border (in pixels) are dropped.
    public var border = 4
    /// The highest-scoring keypoints kept.
    public var maxKeypoints = 4096

    public init() {}
}

/// Keypoints of a SuperPoint score map: pixel indices (x, y) with the top-left pixel's centre at
/// (0, 0), and their scores, best first.
public struct ScoredKeypoints: Equatable, Sendable {
    public var points: [SIMD2<Float>]
    public var scores: [Float]
}

extension SuperPointNet {
    /// SuperGlue's `simple_nms` (`SimpleNMS`), then the threshold, the border and the top k,
    /// exactly as the published PyTorch code does them:
    /// - `torch.nonzero(s > threshold)` lists candidates in row-major order; a candidate is kept
    ///   when border ≤ row < H − border and border ≤ column < W − border;
    /// - the k highest scores (ties: earlier in row-major order first).
    public static func keypoints(_ scores: Tensor, options: SuperPointOptions = SuperPointOptions()) -> ScoredKeypoints {
        let h = scores.height, w = scores.width, r = options.nmsRadius
        let s = scores.data
        let isMax = SimpleNMS.maxima(s, height: h, width: w, radius: r)
        var candidates: [(index: Int, score: Float)] = []
        for y in options.border..<max(options.border, h - options.border) {
            for x in options.border..<max(options.border, w - options.border) {
                let i = y * w + x
                let value = isMax[i] ? s[i] : 0
                if value > options.threshold { candidates.append((i, value)) }
            }
        }
        if candidates.count > options.maxKeypoints {
            candidates = candidates.enumerated().sorted { ($0.element.score, -$0.offset) > ($1.element.score, -$1.offset) }
                .prefix(options.maxKeypoints).map(\.element)
        } else {
            // torch.topk is not called when k ≥ the count: candidates stay in row-major order.
        }
        return ScoredKeypoints(points: candidates.map { SIMD2(Float($0.index % w), Float($0.index / w)) }, scores: candidates.map(\.score))
    }

    /// SuperPoint's descriptors at keypoints (pixel indices of the score map), as the published
    /// `sample_descriptors`: p − s/2 + 0.5, divided by (W·s − s/2 − 0.5, H·s − s/2 − 0.5) of the
    /// descriptor map (s = 8), to [−1, 1], bilinear grid_sample with align_corners = True, then
    /// unit length. - Returns: 256 values per keypoint.
    public static func sampleDescriptors(_ descriptors: Tensor, at points: [SIMD2<Float>], cell: Float = 8) -> [Float] {
        let w = Float(descriptors.width), h = Float(descriptors.height)
        let grid = points.map { p -> SIMD2<Float> in
            let shifted = p - SIMD2(cell / 2 - 0.5, cell / 2 - 0.5)
            return shifted / SIMD2(w * cell - cell / 2 - 0.5, h * cell - cell / 2 - 0.5) * 2 - 1
        }
        return normalizeRows(TensorOps.gridSample(descriptors, points: grid, alignCorners: true), dimension: descriptors.channels)
    }
}

extension HNDescNet {
    /// HNDesc's descriptors at points of its input image (pixel indices, top-left centre at 0):
    /// normalized by the image's centre c = ((W − 1)/2, (H − 1)/2) as (p − c)/c, bilinear
    /// grid_sample with PyTorch's default align_corners = False on the H/4 map, then unit length.
    /// - Returns: 128 values per point.
    public static func sampleDescriptors(_ dense: Tensor, at points: [SIMD2<Float>], imageWidth: Int, imageHeight: Int) -> [Float] {
        let c = SIMD2(Float(imageWidth - 1) / 2, Float(imageHeight - 1) / 2)
        return normalizeRows(TensorOps.gridSample(dense, points: points.map { ($0 - c) / c }, alignCorners: false), dimension: dense.channels)
    }
}
