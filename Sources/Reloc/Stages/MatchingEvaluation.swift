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

    /// Reads a 3×3 homography: 9 numbers as text, or an OpenCV XML/YAML file's `<data>` block.
    /// - Throws: `RelocError.file` naming the file when it does not hold 9 finite numbers.
    public static func readHomography(path: String) throws -> [Double] {
        var text = try readTextFile(path)
        if let start = text.range(of: "<data>"), let end = text.range(of: "</data>") {
            text = String(text[start.upperBound..<end.lowerBound])
        }
        let numbers = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == "\r" || $0 == "," })
            .compactMap { Double($0) }
        guard numbers.count == 9, numbers.allSatisfy({ $0.isFinite }) else {
            throw RelocError.file(file: path, message: "expected a 3x3 homography (9 numbers), found \(numbers.count)")
        }
        return numbers
    }

    /// Evaluates one pair. Keypoints are COLMAP pixels; the homography maps image-1 pixels to
    /// image-2 pixels in OpenCV's convention (pixel centres at integers), hence the ±0.5.
    public static func evaluate(_ a: SIFTFeatures, _ b: SIFTFeatures, homography h: [Double], name: String, split: String) -> PairResult {
        let matches = DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: SIFTFeatures.dimension,
                                              options: MatchingOptions(mutual: true))
        var errors: [Double] = []
        for m in matches {
            let p = a.keypoints[m.index0], q = b.keypoints[m.index1]
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

/// `reloc eval-matching`: one pair, or an HPatches sequences folder.
public struct EvalMatchingTask: Sendable {
    public var image1: String?
    public var image2: String?
    public var homography: String?
    public var hpatches: String?
    public var rootSIFT: Bool
    public var maxKeypoints: Int

    public init(image1: String?, image2: String?, homography: String?, hpatches: String?, rootSIFT: Bool, maxKeypoints: Int) {
        self.image1 = image1; self.image2 = image2; self.homography = homography; self.hpatches = hpatches
        self.rootSIFT = rootSIFT; self.maxKeypoints = maxKeypoints
    }

    func extract(_ path: String) throws -> SIFTFeatures {
        var options = SIFTOptions()
        options.rootSIFT = rootSIFT
        options.maxKeypoints = maxKeypoints
        return SIFT.extract(GrayImage(try ImageFile.read(path: path, channels: 1)), options: options)
    }

    /// - Throws: `RelocError` / `FeaturesError` naming the file that cannot be read.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> [MatchingEvaluation.PairResult] {
        if let hpatches {
            let sequences = try FileManager.default.contentsOfDirectory(atPath: hpatches)
                .filter { $0.hasPrefix("i_") || $0.hasPrefix("v_") }.sorted()
            guard !sequences.isEmpty else { throw RelocError.file(file: hpatches, message: "no i_* or v_* sequence folders") }
            var results: [MatchingEvaluation.PairResult] = []
            for (index, sequence) in sequences.enumerated() {
                let folder = (hpatches as NSString).appendingPathComponent(sequence)
                let reference = try extract(folder + "/1.ppm")
                for k in 2...6 where FileManager.default.fileExists(atPath: folder + "/\(k).ppm") {
                    let h = try MatchingEvaluation.readHomography(path: folder + "/H_1_\(k)")
                    results.append(MatchingEvaluation.evaluate(reference, try extract(folder + "/\(k).ppm"), homography: h,
                                                               name: "\(sequence)/1-\(k)", split: String(sequence.prefix(1))))
                }
                progress?(index + 1, sequences.count)
            }
            return results
        }
        guard let image1, let image2, let homography else {
            throw RelocError.invalidArgument("give --image1, --image2 and --homography, or --hpatches FOLDER")
        }
        let h = try MatchingEvaluation.readHomography(path: homography)
        return [MatchingEvaluation.evaluate(try extract(image1), try extract(image2), homography: h,
                                            name: "\(image1) \(image2)", split: "pair")]
    }
}
