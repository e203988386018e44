import ArgumentParser
import Foundation
import Reloc

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report of a pipeline output folder.",
        discussion: """
            Accuracy per condition, cumulative error curves (with --compare, other runs overlaid), \
            a sortable table of every query, the matches of failed queries and of a sample of \
            good ones drawn beside their best database image, settings and time per stage. \
            No network: images are embedded as reduced JPEGs.
            """
    )

    @Argument(help: "A reloc pipeline output folder.") var folder: String
    @Option(parsing: .upToNextOption, help: "Other output folders to overlay.") var compare: [String] = []
    @Option(help: "The HTML file to write (default: FOLDER/report.html).") var output: String?

    func run() throws {
        let path = try ReportTask(run: folder, compare: compare, output: output).run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) })
        print("wrote \(path)")
    }
}
