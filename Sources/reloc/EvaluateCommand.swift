import ArgumentParser
import Reloc

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Score a pose submission against ground truth (position and rotation error).",
        discussion: """
            Results are matched to ground truth by basename. A query without a result counts \
            as failed. Conditions come from the query lists' file names (day_time_... -> day, \
            night_time_... -> night) when --queries is given, else from a day/night folder in \
            the ground-truth names.
            """
    )

    @Option(help: "Submission / results file: name qw qx qy qz tx ty tz per line.")
    var results: String

    @Option(name: .customLong("ground-truth"), help: "Ground-truth poses, same format.")
    var groundTruth: String

    @Option(parsing: .upToNextOption, help: "Query lists (*_queries_with_intrinsics.txt); only their queries are scored.")
    var queries: [String] = []

    @Option(help: "Threshold pairs meters,degrees separated by spaces.")
    var thresholds: String = "0.25,2 0.5,5 5,10"

    @Option(help: "Also write the evaluation as JSON to this file.")
    var json: String?

    func validate() throws {
        _ = try ErrorThreshold.parseList(thresholds)
    }

    func run() throws {
        let report = try EvaluateTask(resultsPath: results, groundTruthPath: groundTruth, queryListPaths: queries,
                                      thresholds: try ErrorThreshold.parseList(thresholds), jsonPath: json).run()
        print(report.formatTable(), terminator: "")
    }
}
