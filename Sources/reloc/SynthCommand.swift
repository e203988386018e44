import ArgumentParser
import Foundation
import Reloc

struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Render a synthetic street dataset (day database, day and night queries, ground truth).",
        discussion: "Writes the Aachen-like layout of README.md. Deterministic for a seed."
    )

    @Option(help: "Folder to write the dataset into.")
    var output: String

    @Option(help: "tiny (12 db + 4 + 4 queries, 480x360), small (30 + 10 + 10, 640x480), default (60 + 20 + 20, 1024x768), rig (the default's database; 20 + 20 frames of a front / ±60° three-camera rig, rig_config.json) or rig-tiny (4 + 4 rig frames at 480x360).")
    var preset: String = "default"

    @Option(help: "Seed of the scene, the poses and the noise.")
    var seed: UInt64 = 1

    @Option(help: "aachen (reloc's layout) or kapture (OUTPUT/mapping and OUTPUT/query kaptures, the ground truth as query trajectories; `reloc import kapture` reads it).")
    var format: String = "aachen"

    func validate() throws {
        guard SyntheticPreset(rawValue: preset) != nil else {
            throw ValidationError("--preset must be one of \(SyntheticPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard format == "aachen" || format == "kapture" else { throw ValidationError("--format must be aachen or kapture") }
    }

    func run() throws {
        let progress = Progress(label: "rendering")
        let summary = format == "kapture"
            ? try SyntheticDataset.generateKapture(folder: output, preset: SyntheticPreset(rawValue: preset)!, seed: seed, progress: progress.update)
            : try SyntheticDataset.generate(folder: output, preset: SyntheticPreset(rawValue: preset)!, seed: seed, progress: progress.update)
        progress.finish()
        print(String(format: "wrote %d database images, %d day and %d night queries to %@ in %.1f s",
                     summary.databaseImages, summary.dayQueries, summary.nightQueries, output, summary.seconds))
        print(String(format: "coverage: %d of %d query images covered by the database (lowest share %.2f; coverage.txt)",
                     summary.coveredQueries, summary.dayQueries + summary.nightQueries, summary.lowestCoverage))
    }
}
