import ArgumentParser
import Reloc

@main
struct RelocCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reloc",
        abstract: "Camera relocalization: localize query photographs against a COLMAP model.",
        discussion: "Datasets follow the Aachen-like layout described in README.md.",
        version: RelocVersion.description,
        subcommands: [SynthCommand.self, PipelineCommand.self, ExtractCommand.self, PairsCommand.self, MatchCommand.self, TriangulateCommand.self, LocalizeCommand.self, ReportCommand.self, MergeCommand.self, EvalMatchingCommand.self, ModelCommand.self, EstimatePoseCommand.self, EvaluateCommand.self, ValidateSubmissionCommand.self]
    )
}
