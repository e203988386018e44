import ArgumentParser
import Reloc

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a run's results in another format.",
        subcommands: [ExportKaptureCommand.self]
    )
}

struct ExportKaptureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kapture",
        abstract: "A run's localized poses as a kapture folder (sensors.txt, records_camera.txt, trajectories.txt, images linked).",
        discussion: "RUN is a reloc pipeline output folder: its pipeline.json names the dataset, results.txt holds the poses (world-to-camera, kapture's world-to-device)."
    )

    @Argument(help: "The reloc pipeline output folder.") var runFolder: String
    @Option(help: "The kapture folder to write.") var output: String
    @Option(help: "The dataset the run localized (default: the one its pipeline.json names).") var dataset: String?
    @Option(help: "The submission to export (default: RUN/results.txt).") var results: String?
    @Flag(name: .customLong("localized-only"), help: "Leave out the fallback poses of queries that were not localized (per the run's log).")
    var localizedOnly = false

    func run() throws {
        var task = KaptureExport(run: runFolder, output: output)
        task.dataset = dataset
        task.results = results
        task.localizedOnly = localizedOnly
        let s = try task.run()
        print("wrote \(output): \(s.queries) query records, \(s.poses) poses")
    }
}
