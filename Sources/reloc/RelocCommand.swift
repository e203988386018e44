import ArgumentParser
import Foundation
import Reloc

@main
struct RelocCommand: ParsableCommand {
    static func main() {
        // The HDF5 structure check runs in a child process of reloc itself (see HDF5Guard).
        let arguments = CommandLine.arguments
        if arguments.count == 3, arguments[1] == HDF5Guard.checkArgument { Foundation.exit(HDF5Guard.runCheck(arguments[2])) }
        HDF5Guard.checker = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
        ProcessTuning.apply()
        Self.main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "reloc",
        abstract: "Camera relocalization: localize query photographs against a COLMAP model.",
        discussion: "Datasets follow the Aachen-like layout described in README.md.",
        version: RelocVersion.description,
        subcommands: [SynthCommand.self, PipelineCommand.self, ExtractCommand.self, PairsCommand.self, MatchCommand.self, TriangulateCommand.self, LocalizeCommand.self, ReportCommand.self, MergeCommand.self, EvalMatchingCommand.self, ModelCommand.self, EstimatePoseCommand.self, EvaluateCommand.self, ValidateSubmissionCommand.self, ImportCommand.self, ExportCommand.self, WeightsCommand.self, ServeCommand.self]
    )
}
