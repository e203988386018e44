import ArgumentParser
import Foundation
import Reloc

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn a public benchmark's dataset into reloc's layout (images linked, not copied).",
        discussion: "See docs/datasets.md for each benchmark's commands from download to submission.",
        subcommands: [ImportKaptureCommand.self, ImportCambridgeCommand.self, ImportSevenScenesCommand.self]
    )
}

/// What every importer prints and how it writes.
struct ImportOutput: ParsableArguments {
    @Option(help: "Dataset folder to write (reloc's layout).") var output: String
    @Flag(help: "Replace OUTPUT if it exists and is not empty.") var overwrite = false

    func write(_ dataset: ImportedDataset) throws {
        try dataset.write(to: output, overwrite: overwrite)
        let s = dataset.summary
        print("wrote \(output): \(s.databaseImages) database images (\(s.cameras) camera(s)), \(s.queries) queries in \(s.lists.joined(separator: ", ")), "
              + "\(s.queriesWithGroundTruth) with ground truth; submissions named as \(dataset.info.submissionFormat.rawValue)")
    }
}

struct ImportKaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kapture",
        abstract: "Import a kapture dataset: SRC/mapping/ and SRC/query/ (or query_*/, validation/, test/), each with sensors/.",
        discussion: """
            The mapping images with a pose make the reference model; each query split a query list; \
            the query trajectories the ground truth. Trajectories are world-to-device; rig poses are \
            composed with the cameras' poses in the rig (rigs.txt).
            """
    )

    @Argument(help: "The folder holding the kapture splits.") var source: String
    @OptionGroup var output: ImportOutput
    @Option(name: .customLong("submission-format"), help: "Record how the benchmark names queries: aachen, robotcar, cmu or path (default: guessed from the query names).")
    var submissionFormat: SubmissionFormat?

    func run() throws {
        let dataset = try KaptureImport(source: source, submissionFormat: submissionFormat)
            .dataset(warn: { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) })
        try output.write(dataset)
    }
}

struct ImportCambridgeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cambridge",
        abstract: "Import one Cambridge Landmarks scene (dataset_train.txt, dataset_test.txt, reconstruction.nvm, seqN/).",
        discussion: "Camera centres and world-to-camera rotations of the split files become COLMAP poses; intrinsics come from the NVM."
    )

    @Argument(help: "The scene folder (e.g. KingsCollege).") var source: String
    @OptionGroup var output: ImportOutput
    @Option(help: "Use this focal length (pixels, SIMPLE_PINHOLE at the image centre) instead of the NVM's.") var focal: Double?

    func validate() throws {
        if let focal, !(focal > 0) { throw ValidationError("--focal must be positive") }
    }

    func run() throws {
        let (dataset, agreement) = try CambridgeImport(source: source, focal: focal).dataset()
        if let a = agreement {
            print(String(format: "split-file poses against the NVM's (%d images): centres within %.3g m, rotations within %.3g°",
                         a.images, a.maxCentreDistance, a.maxRotationDegrees))
        }
        try output.write(dataset)
    }
}

struct ImportSevenScenesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "7scenes",
        abstract: "Import one 7-Scenes scene (TrainSplit.txt, TestSplit.txt, seq-XX/frame-*.color.png and .pose.txt).",
        discussion: "Poses are camera-to-world 4x4 matrices (inverted here); the camera is SIMPLE_PINHOLE at the image centre."
    )

    @Argument(help: "The scene folder (e.g. chess).") var source: String
    @OptionGroup var output: ImportOutput
    @Option(help: "Focal length in pixels (525: the RGB focal DSAC* and kapture use; the dataset's 585 is the depth camera's).") var focal: Double = 525
    @Option(name: .customLong("mapping-every"), help: "Keep every N-th training frame as a database image.") var mappingEvery: Int = 1
    @Option(name: .customLong("query-every"), help: "Keep every N-th test frame as a query.") var queryEvery: Int = 1

    func validate() throws {
        guard focal > 0 else { throw ValidationError("--focal must be positive") }
        guard mappingEvery >= 1, queryEvery >= 1 else { throw ValidationError("--mapping-every and --query-every must be at least 1") }
    }

    func run() throws {
        var task = SevenScenesImport(source: source)
        task.focal = focal
        task.mappingEvery = mappingEvery
        task.queryEvery = queryEvery
        try output.write(try task.dataset())
    }
}
