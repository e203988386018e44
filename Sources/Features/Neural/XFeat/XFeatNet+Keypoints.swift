import Foundation

/// XFeat's sparse selection (`detectAndCompute`): how many keypoints and above which heatmap value.
public struct XFeatDetection: Equatable, Sendable {
    /// At most this many, the best by score (`top_k`).
    public var maxKeypoints = 4096
    /// The keypoint heatmap value a keypoint must exceed (`detection_threshold`, published 0.05).
    public var threshold: Float = 0.05

    public init(maxKeypoints: Int = 4096, threshold: Float = 0.05) {
        self.maxKeypoints = maxKeypoints; self.threshold = threshold
    }
}

extension XFeatNet {
    /// Keypoints and descriptors from the dense outputs, as published: the keypoint heatmap is the
    /// softmax of the 65 logits without the last, each cell's 64 values laid out as its 8×8 pixels;
    /// keypoints are its 5×5 maxima (equal to the window's maximum, the window clipped at the
    /// border) above `threshold`, in row-major order; each scored by the heatmap (nearest) times
    /// the reliability (bilinear), both sampled as `grid_sample` does at the pixel index scaled by
    /// 2/(size − 1) − 1 (the published normalization: a slight stretch against align_corners=False);
    /// a keypoint at pixel (0, 0) is dropped (the published padding marker). The best
    /// `maxKeypoints` by score (ties in row-major order), those with a positive score kept; their
    /// descriptors: the dense features at unit length per pixel, sampled bicubically at the same
    /// grid positions, at unit length again.
    /// - Returns: pixel indices (x, y) in the network's input (top-left centre at 0), scores,
    ///   64 values per keypoint.
    public static func detect(_ output: Output, options: XFeatDetection = XFeatDetection())
        -> (points: [SIMD2<Float>], scores: [Float], descriptors: [Float]) {
        let heatmap = keypointHeatmap(output.keypointLogits)
        let (h, w) = (heatmap.height, heatmap.width)
        let candidates = localMaxima(heatmap, threshold: options.threshold)
        let grid = candidates.map { p in
            SIMD2(2 * (Float(p.x) / Float(w - 1)) - 1, 2 * (Float(p.y) / Float(h - 1)) - 1)
        }
        let heat = TensorOps.gridSampleNearest(heatmap, points: grid)
        let reliable = TensorOps.gridSample(output.reliability, points: grid, alignCorners: false)
        var scores = zip(heat, reliable).map { $0 * $1 }
        for (i, p) in candidates.enumerated() where p.x == 0 && p.y == 0 { scores[i] = -1 }
        let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
        let kept = order.prefix(max(0, options.maxKeypoints)).filter { scores[$0] > 0 }
        var features = output.features
        TensorOps.l2NormalizeChannels(&features)
        let sampled = TensorOps.gridSampleBicubic(features, points: kept.map { grid[$0] })
        return (kept.map { SIMD2(Float(candidates[$0].x), Float(candidates[$0].y)) }, kept.map { scores[$0] },
                normalizeRows(sampled, dimension: dimension))
    }

    /// `get_kpts_heatmap`: softmax over the 65 channels, the first 64 to pixels (8·i + j → (i, j) of the cell).
    static func keypointHeatmap(_ logits: Tensor) -> Tensor {
        var probabilities = logits
        TensorOps.softmaxChannels(&probabilities)
        return TensorOps.depthToSpace(probabilities, block: 8)
    }

    /// `NMS`: pixels equal to the maximum of their 5×5 window (max pool with −∞ padding) and above
    /// `threshold`, row-major.
    static func localMaxima(_ map: Tensor, threshold: Float, radius: Int = 2) -> [(x: Int, y: Int)] {
        let (h, w) = (map.height, map.width)
        var found: [(x: Int, y: Int)] = []
        map.data.withUnsafeBufferPointer { d in
            for y in 0..<h {
                for x in 0..<w {
                    let v = d[y * w + x]
                    guard v > threshold else { continue }
                    var isMax = true
                    search: for yy in max(0, y - radius)...min(h - 1, y + radius) {
                        for xx in max(0, x - radius)...min(w - 1, x + radius) where d[yy * w + xx] > v {
                            isMax = false; break search
                        }
                    }
                    if isMax { found.append((x, y)) }
                }
            }
        }
        return found
    }
}
