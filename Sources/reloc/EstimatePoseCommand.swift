import ArgumentParser
import Reloc

struct EstimatePoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate-pose",
        abstract: "Absolute pose from 2D-3D correspondences (LO-RANSAC P3P + Ceres refinement).",
        discussion: """
            Each correspondence file has one 'x y X Y Z' per line (pixel, COLMAP convention; world point). \
            Prints 'qw qx qy qz tx ty tz num_inliers' (world-to-camera), or says that no pose was found. \
            With several --correspondences, one line per file, prefixed with the file name.
            """
    )

    @Option(name: .customLong("correspondences"), help: "A correspondence file (repeat for a batch).")
    var files: [String] = []

    @Option(help: "The camera: \"MODEL W H params...\" (COLMAP model names and parameter order).")
    var camera: String

    @Option(help: "RANSAC inlier threshold in pixels.")
    var threshold: Double = 12

    @Option(help: "Seed of the RANSAC sampler.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object per file instead of text.")
    var json = false

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one --correspondences FILE") }
        guard threshold > 0 else { throw ValidationError("--threshold must be positive") }
    }

    func run() throws {
        let task = try EstimatePoseTask(files: files, cameraArgument: camera, thresholdPixels: threshold, seed: seed)
        let batch = files.count > 1
        for outcome in try task.run() {
            if json {
                print(EstimatePoseTask.formatJSON(outcome))
            } else {
                print((batch ? "\(outcome.file) " : "") + EstimatePoseTask.formatLine(outcome))
            }
        }
    }
}
