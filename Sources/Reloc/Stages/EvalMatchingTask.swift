import Features
import Formats
import Foundation

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
                    let h = try HomographyFile.read(path: folder + "/H_1_\(k)")
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
        let h = try HomographyFile.read(path: homography)
        return [MatchingEvaluation.evaluate(try extract(image1), try extract(image2), homography: h,
                                            name: "\(image1) \(image2)", split: "pair")]
    }
}
