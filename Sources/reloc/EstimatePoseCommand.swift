import ArgumentParser
import Reloc

struct EstimatePoseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "estimate-pose",
        abstract: "Absolute pose from 2D-3D correspondences (LO-RANSAC P3P + Ceres refinement).",
        discussion: """
            Each correspondence file has one 'x y X Y Z' per line (pixel, COLMAP convention; world point). \
            Prints 'qw qx qy qz tx ty tz num_inliers' (world-to-camera), or says that no pose was found. \
            With several --correspondences, one line per file, prefixed with the file name. \
            With --estimate-focal (or --camera "UNKNOWN W H") the focal length is estimated too (P4Pf in \
            LO-RANSAC, then pose and focal refined) and follows num_inliers on the line (then k1 with \
            --estimate-k1). With --rig-config each file is one frame of the rig, 'CAM x y X Y Z' per line \
            (CAM: the camera's 0-based index in the configuration), and the pose printed is rig_from_world \
            (GP3P in LO-RANSAC, then the rig pose refined over all cameras).
            """
    )

    @Option(name: .customLong("correspondences"), help: "A correspondence file (repeat for a batch).")
    var files: [String] = []

    @Option(help: "The camera: \"MODEL W H params...\" (COLMAP model names and parameter order), or \"UNKNOWN W H\". With --rig-config, once for all rig cameras or once per camera in the configuration's order.")
    var camera: [String] = []

    @Flag(name: .customLong("estimate-focal"), help: "Estimate the focal length (the camera's is only a scale).")
    var estimateFocal = false

    @Flag(name: .customLong("estimate-k1"), help: "With --estimate-focal, refine k1 too (SIMPLE_PINHOLE/UNKNOWN becomes SIMPLE_RADIAL).")
    var estimateK1 = false

    @Option(name: .customLong("rig-config"), help: "A rig configuration (COLMAP's rig_config.json; its first rig): solve each file as one rig frame.")
    var rigConfig: String?

    @Option(help: "RANSAC inlier threshold in pixels.")
    var threshold: Double = 12

    @Option(help: "Seed of the RANSAC sampler.")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object per file instead of text.")
    var json = false

    func validate() throws {
        // With a rig the task needs its file; the same checks then come when the command runs.
        guard rigConfig == nil else { return }
        try validating { try task().validate() }
    }

    func task() throws -> EstimatePoseTask {
        try EstimatePoseTask(files: files, cameraArguments: camera, thresholdPixels: threshold, seed: seed,
                             estimateFocal: estimateFocal, refineK1: estimateK1, rigConfig: rigConfig)
    }

    func run() throws {
        let task = try task()
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
