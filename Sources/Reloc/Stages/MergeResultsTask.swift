import Formats
import Foundation

/// `reloc merge results`: joins the results of `reloc localize --shard i/n` runs into one submission, in
/// the query lists' order — byte-identical to a single-process run with the same settings — and
/// their logs (when each result file has its `_logs.jsonl` beside it).
public struct MergeResultsTask: Sendable {
    public var queryLists: [String]
    public var shardResults: [String]
    public var output: String

    public init(queryLists: [String], shardResults: [String], output: String) {
        self.queryLists = queryLists; self.shardResults = shardResults; self.output = output
    }

    public struct Summary: Sendable {
        public var queries = 0
        public var shards = 0
        public var logsMerged = false
    }

    /// - Throws: `RelocError` naming the files when a query is missing from every shard, appears
    ///   in two shards, or a result names a query that is not in the lists.
    public func run() throws -> Summary {
        guard !shardResults.isEmpty else { throw RelocError.invalidArgument("no shard results to merge") }
        var names: [String] = []
        var seen = Set<String>()
        for list in queryLists { for entry in try QueryList.read(path: list) where seen.insert(entry.name).inserted { names.append(entry.name) } }
        var poses: [String: (entry: PoseEntry, file: String)] = [:]
        for file in shardResults {
            // Keyed by basename: Aachen's and CMU's names are basenames, RobotCar's `camera/basename`.
            for entry in try PoseFile.parse(try readTextFile(file), file: file) {
                if let earlier = poses[imageBasename(entry.name)] {
                    throw RelocError.file(file: file, message: "query '\(entry.name)' is also in \(earlier.file): overlapping shards")
                }
                poses[imageBasename(entry.name)] = (entry, file)
            }
        }
        let basenames = Set(names.map(imageBasename))
        if let stray = poses.keys.sorted().first(where: { !basenames.contains($0) }) {
            throw RelocError.file(file: poses[stray]!.file, message: "query '\(poses[stray]!.entry.name)' is not in the query lists")
        }
        let missing = names.filter { poses[imageBasename($0)] == nil }
        guard missing.isEmpty else {
            throw RelocError.invalidArgument("\(missing.count) of \(names.count) queries are in no shard result (first: \(missing[0])); is a shard missing or unfinished?")
        }
        try PoseFile.write(names.map { poses[imageBasename($0)]!.entry }, to: output)

        // Logs: each shard's entries, in query order, after the first shard's header.
        var summary = Summary(queries: names.count, shards: shardResults.count)
        let logs = shardResults.map { $0 + "_logs.jsonl" }
        if logs.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            var entries: [String: LocalizationLogEntry] = [:]
            for log in logs { for entry in try LocalizationLog.entries(path: log) { entries[entry.query] = entry } }
            let header = (try? readTextFile(logs[0]))?.split(separator: "\n", maxSplits: 1).first.map { String($0) + "\n" } ?? ""
            try AtomicFile.write(header + names.compactMap { entries[$0].map(LocalizationLog.line) }.joined(), to: output + "_logs.jsonl")
            summary.logsMerged = true
        }
        return summary
    }
}
