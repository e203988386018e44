import Features
import Formats
import Foundation

/// `reloc eval-matching`: one pair, or an HPatches sequences folder; SIFT or RootSIFT with
/// OpenCV's defaults, or any learned kind extracted as `reloc extract` does, matched by mutual
/// nearest neighbours (the protocol of D2-Net's HPatches figures) or LightGlue.
public struct EvalMatchingTask: Sendable {
    public var image1: String?
    public var image2: String?
    public var homography: String?
    public var hpatches: String?
    public var rootSIFT: Bool
    public var maxKeypoints: Int
    /// Learned features instead of SIFT: the kind's extraction as `reloc extract` runs it (nil:
    /// SIFT or RootSIFT with OpenCV's defaults and `maxKeypoints`).
    public var learned: ExtractionSettings?
    /// Match with LightGlue instead of mutual nearest neighbours.
    public var lightGlue: LightGlueSettings?

    public init(image1: String?, image2: String?, homography: String?, hpatches: String?, rootSIFT: Bool, maxKeypoints: Int) {
        self.image1 = image1; self.image2 = image2; self.homography = homography; self.hpatches = hpatches
        self.rootSIFT = rootSIFT; self.maxKeypoints = maxKeypoints
    }

    /// Each image's keypoints and descriptors, extracted and matched as this task asks.
    struct Extracted {
        var sift: SIFTFeatures?
        var features: ImageFeatures?
    }

    final class Runner {
        let task: EvalMatchingTask
        let extractor: ImageExtractor?
        let matcher: (any PairMatcher)?

        init(_ task: EvalMatchingTask) throws {
            self.task = task
            extractor = try task.learned.map { try ImageExtractor($0) }
            if let lightGlue = task.lightGlue {
                guard task.learned != nil else {
                    throw RelocError.invalidOption(option: "matcher", message: "lightglue needs learned features (--features aliked-n16, disk, xfeat ...); SIFT is matched by mutual nearest neighbours")
                }
                try lightGlue.validate()
                matcher = try LightGlueMatcher(lightGlue)
            } else {
                matcher = task.learned == nil ? nil : NearestNeighbourMatcher(options: MatchingOptions(mutual: true), epipolarThreshold: nil)
            }
        }

        func extract(_ path: String) throws -> Extracted {
            guard let extractor else { return Extracted(sift: try task.extract(path)) }
            return Extracted(features: extractor.extract(try ImageFile.read(path: path, channels: extractor.channels)).features)
        }

        func evaluate(_ a: Extracted, _ b: Extracted, homography: [Double], name: String, split: String) -> MatchingEvaluation.PairResult {
            guard let matcher, let fa = a.features, let fb = b.features else {
                return MatchingEvaluation.evaluate(a.sift!, b.sift!, homography: homography, name: name, split: split)
            }
            let matches0 = matcher.match(fa, fb, guide: nil).matches0
            let matches = matches0.enumerated().compactMap { i, j in j >= 0 ? (i, Int(j)) : nil }
            return MatchingEvaluation.evaluate(keypoints: fa.keypoints, fb.keypoints, matches: matches, homography: homography, name: name, split: split)
        }
    }

    func extract(_ path: String) throws -> SIFTFeatures {
        var options = SIFTOptions()
        options.rootSIFT = rootSIFT
        options.maxKeypoints = maxKeypoints
        return SIFT.extract(GrayImage(try ImageFile.read(path: path, channels: 1)), options: options)
    }

    /// - Throws: `RelocError` / `FeaturesError` naming the file that cannot be read.
    public func run(progress: ((Int, Int) -> Void)? = nil) throws -> [MatchingEvaluation.PairResult] {
        let runner = try Runner(self)
        if let hpatches {
            let sequences = try FileManager.default.contentsOfDirectory(atPath: hpatches)
                .filter { $0.hasPrefix("i_") || $0.hasPrefix("v_") }.sorted()
            guard !sequences.isEmpty else { throw RelocError.file(file: hpatches, message: "no i_* or v_* sequence folders") }
            var results: [MatchingEvaluation.PairResult] = []
            for (index, sequence) in sequences.enumerated() {
                let folder = (hpatches as NSString).appendingPathComponent(sequence)
                let reference = try runner.extract(folder + "/1.ppm")
                for k in 2...6 where FileManager.default.fileExists(atPath: folder + "/\(k).ppm") {
                    let h = try HomographyFile.read(path: folder + "/H_1_\(k)")
                    results.append(runner.evaluate(reference, try runner.extract(folder + "/\(k).ppm"), homography: h,
                                                   name: "\(sequence)/1-\(k)", split: String(sequence.prefix(1))))
                }
                progress?(index + 1, sequences.count)
            }
            return results
        }
        guard let image1, let image2, let homography else {
            throw RelocError.invalidArgument("give --image1, --image2 and --homography, or --hpatches FOLDER")
        }
        let h = try HomographyFile.read(path: homography)
        return [runner.evaluate(try runner.extract(image1), try runner.extract(image2), homography: h,
                                name: "\(image1) \(image2)", split: "pair")]
    }
}
