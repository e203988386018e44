import ArgumentParser
import Foundation
import Reloc

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the results of `reloc localize --shard i/n` runs into one submission.",
        discussion: """
            The output lists the queries in the query lists' order, byte-identical to one \
            `reloc localize` run over all queries with the same settings; the shards' logs \
            (RESULT_logs.jsonl) are joined too when present. A query in no shard or in two is an error.
            """
    )

    @Option(parsing: .upToNextOption, help: "The query lists the shards were made from.") var queries: [String]
    @Option(help: "Submission file to write.") var output: String
    @Argument(help: "The shards' result files.") var shards: [String]

    func run() throws {
        let summary = try MergeTask(queryLists: queries, shardResults: shards, output: output).run()
        print("merged \(summary.shards) shards, \(summary.queries) queries into \(output)" + (summary.logsMerged ? " (and its log)" : ""))
    }
}
