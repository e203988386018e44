import ArgumentParser
import Foundation
import Reloc

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the results of `reloc localize --shard i/n` runs into one submission, or shards' HDF5 stores into one.",
        discussion: """
            Results (with --queries): the output lists the queries in the query lists' order, \
            byte-identical to one `reloc localize` run over all queries with the same settings; the \
            shards' logs (RESULT_logs.jsonl) are joined too when present. A query in no shard or in \
            two is an error.
            Stores (an --output ending in .h5, no --queries): the feature, match or global \
            descriptor files of `reloc extract --shard` / `reloc match --shard` runs are joined into \
            one file in hloc's layout; an entry in two inputs is an error.
            """
    )

    @Option(parsing: .upToNextOption, help: "The query lists the shards were made from (results only).") var queries: [String] = []
    @Option(help: "Submission file, or HDF5 store (.h5), to write.") var output: String
    @Argument(help: "The shards' result files or stores.") var shards: [String]

    func validate() throws {
        guard !shards.isEmpty else { throw ValidationError("give the shards' files to merge") }
        if output.hasSuffix(".h5") {
            guard queries.isEmpty else { throw ValidationError("--queries is for merging results, not stores (.h5)") }
        } else {
            guard !queries.isEmpty else { throw ValidationError("merging results needs --queries (the query lists the shards were made from)") }
        }
    }

    func run() throws {
        if output.hasSuffix(".h5") {
            let summary = try StoreMergeTask(inputs: shards, output: output).run()
            for path in summary.emptyInputs {
                FileHandle.standardError.write(Data("warning: \(path): no features, matches or global descriptors in it (an empty shard?)\n".utf8))
            }
            print("merged \(shards.count) stores, \(summary.entries) entries (\(summary.kind)) into \(output)")
            return
        }
        let summary = try MergeTask(queryLists: queries, shardResults: shards, output: output).run()
        print("merged \(summary.shards) shards, \(summary.queries) queries into \(output)" + (summary.logsMerged ? " (and its log)" : ""))
    }
}
