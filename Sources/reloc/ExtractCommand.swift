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

    @Option(help: ArgumentHelp(FeatureKind.optionHelp))
    var features: ExtractTask.Kind = .sift

    @OptionGroup var extraction: FeatureArguments

    @Flag(help: "SIFT: orientation 0 for every keypoint (COLMAP's upright option): more distinctive for gravity-aligned images, wrong for rotated ones.")
    var upright = false

    @Flag(help: "Extract again images already in the store.")
    var overwrite = false

    @Flag(name: .customLong("normalize-contrast"), help: "Stretch each image's intensities (1st-99th percentile to 0-255) before detection; helps dark images.")
    var normalizeContrast = false

    @Option(help: "Contrast stretching: off, on (as --normalize-contrast) or adaptive (again with the stretch when fewer keypoint locations than 1/8 of --max-keypoints pass --contrast-threshold).")
    var contrast: ExtractionSettings.Contrast?

    @Option(help: "Only shard i of n of the images (0-based, split by a hash of the name; `reloc match --shard` and `reloc localize --shard` split alike).")
    var shard: String?

    func validate() throws {
        try validating { try task().validate() }
    }

    func task() throws -> ExtractTask {
        var settings = extraction.settings(kind: features, contrast: contrast ?? (normalizeContrast ? .on : .off))
        settings.upright = upright
        var task = ExtractTask(imageFolder: images, lists: list, output: output, settings: settings)
        task.overwrite = overwrite
        task.shard = try shard.map { try Shard(parsing: $0) }
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
