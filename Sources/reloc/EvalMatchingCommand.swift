import ArgumentParser
import Foundation
import Reloc

struct EvalMatchingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-matching",
        abstract: "HPatches-style matching evaluation: matches (mutual NN, or LightGlue for learned features) and mean matching accuracy at 1-10 px.",
        discussion: """
            Either one pair (--image1 A --image2 B --homography H, H mapping A's pixels to B's, as 9 numbers \
            or an OpenCV XML file) or an HPatches folder (--hpatches hpatches-sequences-release: \
            <seq>/{1..6}.ppm and H_1_k; i_ and v_ sequences reported separately).
            """
    )

    @Option var image1: String?
    @Option var image2: String?
    @Option var homography: String?
    @Option(help: "HPatches sequences folder.") var hpatches: String?
    @Option(help: ArgumentHelp("sift, rootsift or a learned kind: \(FeatureKind.allCases.filter(\.isLearned).map(\.rawValue).joined(separator: ", ")).")) var features: String = "sift"
    @Option(name: .customLong("max-keypoints"), help: "Keep the strongest N keypoints (default 8192 for SIFT, the kind's for learned features).") var maxKeypoints: Int?
    @Option(name: .customLong("max-edge"), help: "Learned features: resize so that the longer edge is at most this many pixels (default: the kind's).") var maxEdge: Int?
    @Option(help: "Folder of the learned features' weights (reloc weights fetch).") var weights: String = PublishedWeights.defaultFolder
    @OptionGroup var matching: MatcherArguments

    var kind: FeatureKind? { FeatureKind(rawValue: features) }

    func validate() throws {
        guard let kind, kind == .sift || kind == .rootsift || kind.isLearned else {
            throw ValidationError("--features must be sift, rootsift or a learned kind (\(FeatureKind.allCases.filter(\.isLearned).map(\.rawValue).joined(separator: ", ")))")
        }
        if let maxKeypoints, maxKeypoints <= 0 { throw ValidationError("--max-keypoints must be positive") }
        guard hpatches != nil || (image1 != nil && image2 != nil && homography != nil) else {
            throw ValidationError("give --image1, --image2 and --homography, or --hpatches FOLDER")
        }
    }

    func run() throws {
        var task = EvalMatchingTask(image1: image1, image2: image2, homography: homography, hpatches: hpatches,
                                    rootSIFT: features == "rootsift", maxKeypoints: maxKeypoints ?? 8192)
        task.lightGlue = try matching.lightGlue(featuresName: features, weightsFolder: weights)
        if let kind, kind.isLearned {
            var settings = ExtractionSettings(kind: kind, maxEdge: maxEdge, maxKeypoints: maxKeypoints, detectionThreshold: nil)
            settings.weightsFolder = weights
            task.learned = settings
            print("features: \(settings.featuresName); matcher: \(task.lightGlue.map { "lightglue (\($0.weights))" } ?? "mutual nearest neighbours")")
        }
        let progress = Progress(label: "sequences")
        let results = try task.run(progress: progress.update)
        progress.finish()
        print(MatchingEvaluation.formatTable(MatchingEvaluation.summarize(results)), terminator: "")
    }
}
