import ArgumentParser
import Foundation
import Reloc

struct EvalMatchingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-matching",
        abstract: "HPatches-style matching evaluation: mutual-NN matches and mean matching accuracy at 1-10 px.",
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
    @Option(help: "sift or rootsift.") var features: String = "sift"
    @Option(name: .customLong("max-keypoints")) var maxKeypoints: Int = 8192

    func validate() throws {
        guard features == "sift" || features == "rootsift" else { throw ValidationError("--features must be sift or rootsift") }
        guard hpatches != nil || (image1 != nil && image2 != nil && homography != nil) else {
            throw ValidationError("give --image1, --image2 and --homography, or --hpatches FOLDER")
        }
    }

    func run() throws {
        let task = EvalMatchingTask(image1: image1, image2: image2, homography: homography, hpatches: hpatches,
                                    rootSIFT: features == "rootsift", maxKeypoints: maxKeypoints)
        let progress = Progress(label: "sequences")
        let results = try task.run(progress: progress.update)
        progress.finish()
        print(MatchingEvaluation.formatTable(MatchingEvaluation.summarize(results)), terminator: "")
    }
}
