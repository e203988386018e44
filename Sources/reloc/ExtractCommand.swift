import ArgumentParser
import Foundation
import Reloc

struct ExtractCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Extract local features into an HDF5 store in hloc's layout (resumable).",
        discussion: """
            Images are all those under --images, or the ones named in --list files (query lists, \
            pairs files, COLMAP model folders or plain name lists). Images already in the store \
            are skipped unless --overwrite. An unreadable image is reported and skipped.
            """
    )

    @Option(help: "The image folder; names are relative to it.")
    var images: String

    @Option(parsing: .upToNextOption, help: "Lists naming the images to extract (query lists, pairs, model folders, name lists).")
    var list: [String] = []

    @Option(help: "The feature file to write (created, or completed when it exists).")
    var output: String

    @Option(help: "sift, rootsift, superpoint or superpoint+hndesc (the learned ones need --weights).")
    var features: ExtractTask.Kind = .sift

    @Option(help: "Folder with superpoint_v1.safetensors (and hndesc_caps_MP_st.safetensors), converted with tools/convert_checkpoint.py.")
    var weights: String?

    @Option(name: .customLong("max-edge"), help: "Resize so that the longer edge is at most this many pixels.")
    var maxEdge: Int = 1600

    @Option(name: .customLong("max-keypoints"), help: "Keep the strongest N keypoints (default 8192 for SIFT, 4096 for SuperPoint).")
    var maxKeypoints: Int?

    @Flag(help: "Double the image before the first octave (more small features; slower).")
    var upsample = false

    @Flag(help: "SIFT: orientation 0 for every keypoint (COLMAP's upright option): more distinctive for gravity-aligned images, wrong for rotated ones.")
    var upright = false

    @Flag(help: "Extract again images already in the store.")
    var overwrite = false

    @Option(name: .customLong("contrast-threshold"), help: "SIFT DoG contrast threshold (OpenCV's 0.04).")
    var contrastThreshold: Double = ExtractTask.defaultContrastThreshold

    @Option(name: .customLong("min-keypoints"), help: "SIFT: when fewer keypoint locations than this pass --contrast-threshold, lower the threshold for that image (not below --lowest-contrast-threshold) and keep the strongest this many (default: a quarter of --max-keypoints; 0: off, as OpenCV).")
    var minKeypoints: Int?

    @Option(name: .customLong("lowest-contrast-threshold"), help: "SIFT: how far --min-keypoints may lower the contrast threshold.")
    var lowestContrastThreshold: Double = ExtractTask.defaultLowestContrastThreshold

    @Flag(name: .customLong("normalize-contrast"), help: "Stretch each image's intensities (1st-99th percentile to 0-255) before detection; helps dark images.")
    var normalizeContrast = false

    @Option(help: "Contrast stretching: off, on (as --normalize-contrast) or adaptive (again with the stretch when fewer keypoint locations than 1/8 of --max-keypoints pass --contrast-threshold).")
    var contrast: ExtractTask.Contrast?

    @Option(help: "Only shard i of n of the images (0-based, split by a hash of the name; `reloc match --shard` and `reloc localize --shard` split alike).")
    var shard: String?

    func validate() throws {
        try validating { try task().validate() }
    }

    func task() throws -> ExtractTask {
        var task = ExtractTask(imageFolder: images, lists: list, output: output, kind: features, maxEdge: maxEdge,
                               maxKeypoints: maxKeypoints ?? features.defaultMaxKeypoints, overwrite: overwrite, upsample: upsample)
        task.weightsFolder = weights
        task.shard = try shard.map { try Shard(parsing: $0) }
        task.contrastThreshold = contrastThreshold
        task.normalizeContrast = normalizeContrast
        task.minimumKeypoints = minKeypoints
        task.lowestContrastThreshold = lowestContrastThreshold
        task.upright = upright
        if let contrast { task.contrast = contrast }
        return task
    }

    func run() throws {
        let task = try task()
        let progress = Progress(label: "extract")
        let summary = try task.run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, progress: progress.update)
        progress.finish()
        print(String(format: "extracted %d images (%d keypoints), skipped %d already in %@, %d unreadable, %.1f s",
                     summary.extracted, summary.keypoints, summary.skipped, output, summary.failed.count, summary.seconds))
    }
}
