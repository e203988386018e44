import ArgumentParser
import Foundation
import Reloc

/// `reloc merge results` and `reloc merge stores`; plain `reloc merge --output OUT ...` (the form
/// scripts have used since sharding came in) picks one of the two by the output's extension.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join shards' outputs: `merge results` (submissions) or `merge stores` (HDF5 stores).",
        discussion: """
            `reloc merge --output OUT ...` without a subcommand is `merge stores` when OUT ends in \
            .h5 and `merge results` otherwise.
            """,
        subcommands: [MergeResultsCommand.self, MergeStoresCommand.self, MergeByExtensionCommand.self],
        defaultSubcommand: MergeByExtensionCommand.self
    )
}

/// `reloc merge` without a subcommand.
struct MergeByExtensionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "by-extension",
        abstract: "`merge stores` when --output ends in .h5, else `merge results`.",
        shouldDisplay: false
    )

    @Option(parsing: .upToNextOption, help: "The query lists the shards were made from (results only).") var queries: [String] = []
    @Option(help: "Submission file, or HDF5 store (.h5), to write.") var output: String
    @Argument(help: "The shards' result files or stores.") var shards: [String] = []

    func validate() throws {
        if output.hasSuffix(".h5") {
            guard queries.isEmpty else { throw ValidationError("--queries is for merging results, not stores (.h5)") }
            try MergeStoresCommand.check(shards: shards)
        } else {
            try MergeResultsCommand.check(shards: shards, queries: queries)
        }
    }

    func run() throws {
        if output.hasSuffix(".h5") {
            try MergeStoresCommand.merge(shards, into: output)
        } else {
            try MergeResultsCommand.merge(shards, queries: queries, into: output)
        }
    }
}

struct MergeResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Join the results of `reloc localize --shard i/n` runs into one submission.",
        discussion: """
            The output lists the queries in the query lists' order, byte-identical to one `reloc \
            localize` run over all queries with the same settings; the shards' logs \
            (RESULT_logs.jsonl) are joined too when present. A query in no shard or in two is an error.
            """
    )

    @Option(parsing: .upToNextOption, help: "The query lists the shards were made from.") var queries: [String] = []
    @Option(help: "Submission file to write.") var output: String
    @Argument(help: "The shards' result files.") var shards: [String] = []

    static func check(shards: [String], queries: [String]) throws {
        guard !shards.isEmpty else { throw ValidationError("give the shards' files to merge") }
        guard !queries.isEmpty else { throw ValidationError("merging results needs --queries (the query lists the shards were made from)") }
    }

    static func merge(_ shards: [String], queries: [String], into output: String) throws {
        let summary = try MergeResultsTask(queryLists: queries, shardResults: shards, output: output).run()
        print("merged \(summary.shards) shards, \(summary.queries) queries into \(output)" + (summary.logsMerged ? " (and its log)" : ""))
    }

    func validate() throws { try Self.check(shards: shards, queries: queries) }

    func run() throws { try Self.merge(shards, queries: queries, into: output) }
}

struct MergeStoresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stores",
        abstract: "Join shards' HDF5 stores (features, matches or global descriptors) into one.",
        discussion: """
            The feature, match or global-descriptor files of `reloc extract --shard` / `reloc match \
            --shard` runs are joined into one file in hloc's layout; an entry in two inputs is an error.
            """
    )

    @Option(help: "HDF5 store to write.") var output: String
    @Argument(help: "The shards' stores.") var shards: [String] = []

    static func check(shards: [String]) throws {
        guard !shards.isEmpty else { throw ValidationError("give the shards' files to merge") }
    }

    static func merge(_ shards: [String], into output: String) throws {
        let summary = try MergeStoresTask(inputs: shards, output: output).run()
        for path in summary.emptyInputs {
            FileHandle.standardError.write(Data("warning: \(path): no features, matches or global descriptors in it (an empty shard?)\n".utf8))
        }
        print("merged \(shards.count) stores, \(summary.entries) entries (\(summary.kind)) into \(output)")
    }

    func validate() throws { try Self.check(shards: shards) }

    func run() throws { try Self.merge(shards, into: output) }
}
