import Features
import Foundation

/// HPatches-style matching evaluation (Balntas et al. 2017, as D2-Net reports it): features of
/// image pairs related by a known homography, mutual-nearest-neighbour matches, and the mean
/// matching accuracy (MMA) — the share of matches whose keypoint maps within t pixels of its
/// match — for t = 1 … 10, averaged over pairs, per split (`i_` illumination, `v_` viewpoint).
public enum MatchingEvaluation {
    /// One evaluated pair.
    public struct PairResult: Sendable {
        public var name: String
        public var split: String
        public var keypoints: (Int, Int)
        public var matches: Int
        /// Share of matches within 1…10 px.
        public var accuracy: [Double]
    }

    /// Per split (and `all`): pairs, mean features, mean matches, MMA at 1…10 px.
    public struct SplitSummary: Sendable {
        public var split: String
        public var pairs: Int
        public var meanKeypoints: Double
        public var meanMatches: Double
        public var meanAccuracy: [Double]
    }

    /// Evaluates one pair. Keypoints are COLMAP pixels; the homography maps image-1 pixels to
    /// image-2 pixels in OpenCV's convention (pixel centres at integers), hence the ±0.5.
    public static func evaluate(_ a: SIFTFeatures, _ b: SIFTFeatures, homography h: [Double], name: String, split: String) -> PairResult {
        let matches = DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: SIFTFeatures.dimension,
                                              options: MatchingOptions(mutual: true))
        return evaluate(keypoints: a.keypoints, b.keypoints, matches: matches.map { ($0.index0, $0.index1) }, homography: h, name: name, split: split)
    }

    /// Evaluates one pair's matches (`index0`, `index1`) between keypoints `a` and `b` (COLMAP
    /// pixels), whatever found them.
    public static func evaluate(keypoints a: [SIMD2<Float>], _ b: [SIMD2<Float>], matches: [(Int, Int)], homography h: [Double],
                                name: String, split: String) -> PairResult {
        var errors: [Double] = []
        for (i, j) in matches {
            let p = a[i], q = b[j]
            let x = Double(p.x) - 0.5, y = Double(p.y) - 0.5
            let w = h[6] * x + h[7] * y + h[8]
            let u = (h[0] * x + h[1] * y + h[2]) / w + 0.5, v = (h[3] * x + h[4] * y + h[5]) / w + 0.5
            errors.append(((u - Double(q.x)) * (u - Double(q.x)) + (v - Double(q.y)) * (v - Double(q.y))).squareRoot())
        }
        let accuracy = (1...10).map { t in errors.isEmpty ? 0 : Double(errors.filter { $0 <= Double(t) }.count) / Double(errors.count) }
        return PairResult(name: name, split: split, keypoints: (a.count, b.count), matches: matches.count, accuracy: accuracy)
    }

    /// Summaries per split and `all`.
    public static func summarize(_ results: [PairResult]) -> [SplitSummary] {
        let splits = ["all"] + Set(results.map(\.split)).sorted()
        return splits.map { split in
            let chosen = split == "all" ? results : results.filter { $0.split == split }
            let n = Double(max(chosen.count, 1))
            return SplitSummary(split: split, pairs: chosen.count,
                                meanKeypoints: chosen.reduce(0) { $0 + Double($1.keypoints.0 + $1.keypoints.1) / 2 } / n,
                                meanMatches: chosen.reduce(0) { $0 + Double($1.matches) } / n,
                                meanAccuracy: (0..<10).map { t in chosen.reduce(0) { $0 + $1.accuracy[t] } / n })
        }
    }

    /// The summary table: one row per split, MMA at 1, 2, 3, 5 and 10 px.
    public static func formatTable(_ summaries: [SplitSummary]) -> String {
        var out = "split  pairs  features  matches  MMA@1  MMA@2  MMA@3  MMA@5  MMA@10\n"
        for s in summaries {
            let label = s.split.padding(toLength: max(5, s.split.count), withPad: " ", startingAt: 0)
            out += label + String(format: "  %5d  %8.0f  %7.0f  %5.3f  %5.3f  %5.3f  %5.3f  %6.3f\n", s.pairs, s.meanKeypoints,
                          s.meanMatches, s.meanAccuracy[0], s.meanAccuracy[1], s.meanAccuracy[2], s.meanAccuracy[4], s.meanAccuracy[9])
        }
        return out
    }
}
