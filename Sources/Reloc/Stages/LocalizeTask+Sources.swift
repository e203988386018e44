import Formats
import Foundation
import Geometry

/// What localization reads for each query: the map, and the pairs, features and matches of this
/// run and of each fused run (`fusedRuns`). With fused runs the map is their maps fused
/// (`MapFusion`) and a query's keypoints and matches are each run's, one after the other, so
/// that one RANSAC pools the correspondences of every kind of features.
extension LocalizeTask {
    /// Another run's files (another kind of features on the same reference images) whose 2D-3D
    /// correspondences each query's pose pools with this run's.
    public struct FusedRun: Sendable, Equatable, Codable {
        public var model: String
        public var featuresFile: String
        public var matchesFile: String
        public var pairsFile: String

        public init(model: String, featuresFile: String, matchesFile: String, pairsFile: String) {
            self.model = model; self.featuresFile = featuresFile; self.matchesFile = matchesFile; self.pairsFile = pairsFile
        }

        /// The map, features, query matches and query pairs of a finished `reloc pipeline` run
        /// in `folder` (its `pipeline.json`; each file found in the folder, else where recorded).
        /// - Throws: `RelocError.file` naming the folder or record when it is not a finished run, or a file it names that is missing.
        public init(run folder: String) throws {
            let record = try Self.unfusedRecord(folder: folder)
            func locate(_ path: String, _ what: String) throws -> String { try ServedMap.locate(path, in: folder, what: what) }
            self.init(model: try locate(record.files.map, "map"), featuresFile: try locate(record.files.features, "features"),
                      matchesFile: try locate(record.files.queryMatches, "query matches"), pairsFile: try locate(record.files.queryPairs, "query pairs"))
        }

        /// The `pipeline.json` of a run to fuse with, which must not itself be fused: the fused
        /// map is each run's own map, and a chain (or a cycle) of fused runs could not be served.
        /// - Throws: `RelocError.file` naming the folder or its record.
        static func unfusedRecord(folder: String) throws -> PipelineRecord {
            let record = try ServedMap.readRecord(folder: folder, option: "--fuse-with")
            if let fused = record.settings?.localization.fusedWith, !fused.isEmpty {
                throw RelocError.file(file: (folder as NSString).appendingPathComponent("pipeline.json"),
                                      message: "this run is itself fused with \(fused.joined(separator: ", ")) (--fuse-with): fuse with runs made without it")
            }
            return record
        }
    }

    /// One run's readers, and where its keypoints lie in each image of the (fused) map.
    struct Source {
        var featuresFile: String
        var matchesFile: String
        var features: FeatureStore
        var matches: MatchStore
        var retrievedNames: [String: [String]]
        /// For each map image (its index in `MapIndex.images`): this run's first keypoint and keypoint count there.
        var keypointOffsets: [Int]
        var keypointCounts: [Int]
    }

    /// The map and every run's readers.
    struct Sources {
        var map: MapIndex
        var runs: [Source]
    }

    /// This run's files, then each fused run's.
    var allRuns: [FusedRun] {
        [FusedRun(model: model, featuresFile: featuresFile, matchesFile: matchesFile, pairsFile: pairsFile)] + fusedRuns
    }

    /// - Throws: `RelocError.file` naming a file that cannot be read, or a fused map whose images are not this map's.
    func openSources() throws -> Sources {
        let runs = allRuns
        // The same features twice would count every correspondence twice (under two point ids).
        var seen: [URL: String] = [:]
        for run in runs {
            let url = URL(fileURLWithPath: run.featuresFile).standardizedFileURL
            if let first = seen[url] {
                throw RelocError.invalidOption(option: "fuse-with", message: "\(run.featuresFile) are the features of \(first) too: fuse runs of different features")
            }
            seen[url] = run.model
        }
        let map: MapIndex
        var ranges: [String: MapFusion.ImageRanges] = [:]
        if runs.count == 1 {
            map = try MapIndex(folder: model)
        } else {
            let models = try runs.map { (model: try ColmapModel.read(folder: $0.model), folder: $0.model) }
            let fused = try MapFusion.fuse(models)
            map = try MapIndex(model: fused.model, folder: model)
            ranges = fused.ranges
        }
        let sources = try runs.enumerated().map { k, run in
            var retrievedNames: [String: [String]] = [:]
            for pair in try PairsFile.read(path: run.pairsFile) { retrievedNames[pair.first, default: []].append(pair.second) }
            let offsets = runs.count == 1 ? Array(repeating: 0, count: map.images.count) : map.images.map { ranges[$0.name]!.offsets[k] }
            let counts = runs.count == 1 ? (0..<map.images.count).map(map.keypointCount) : map.images.map { ranges[$0.name]!.counts[k] }
            return Source(featuresFile: run.featuresFile, matchesFile: run.matchesFile,
                          features: try FeatureStore(path: run.featuresFile, mode: .read), matches: try MatchStore(path: run.matchesFile, mode: .read),
                          retrievedNames: retrievedNames, keypointOffsets: offsets, keypointCounts: counts)
        }
        return Sources(map: map, runs: sources)
    }

    /// - Throws: `RelocError.file` naming a fused run's pairs or features file that has none of
    ///   `queries` (a run of another dataset, or an empty file): fused, it would add nothing.
    func checkFusedRuns(cover queries: [QueryEntry], sources: Sources) throws {
        guard !queries.isEmpty else { return }
        for (run, source) in zip(allRuns, sources.runs).dropFirst() {
            guard queries.contains(where: { source.retrievedNames[$0.name] != nil }) else {
                throw RelocError.file(file: run.pairsFile, message: "lists none of the \(queries.count) queries (--fuse-with a run of another dataset?)")
            }
            guard queries.contains(where: { source.features.contains($0.name) }) else {
                throw RelocError.file(file: run.featuresFile, message: "has features for none of the \(queries.count) queries (--fuse-with a run of another dataset?)")
            }
        }
    }

    /// A query's keypoints (every run's, in run order), its retrieved images (this run's in order,
    /// then a fused run's that are new) and their matches, with each run's indices moved to where
    /// its keypoints lie. A run without features for the query adds nothing (with a warning); the
    /// query has no keypoints only when no run has its features.
    /// - Throws: `RelocError.file` naming the matches file where a match is out of range.
    func readInput(_ entry: QueryEntry, sources: Sources, warn: (String) -> Void) throws -> QueryInput {
        let map = sources.map
        var input = QueryInput(entry: entry, keypoints: nil, retrieved: [], matches: [])
        var position: [Int: Int] = [:]
        for source in sources.runs {
            for name in source.retrievedNames[entry.name] ?? [] {
                if let i = map.index[name], position[i] == nil { position[i] = input.retrieved.count; input.retrieved.append(i) }
            }
        }
        input.matches = Array(repeating: [], count: input.retrieved.count)
        var keypoints: [Vector2] = []
        var anyFeatures = false
        for source in sources.runs {
            guard source.features.contains(entry.name) else {
                warn("warning: \(source.featuresFile): no features for query '\(entry.name)' (unreadable image?); \(sources.runs.count == 1 ? "it gets the fallback pose" : "its matches from this run are left out")")
                continue
            }
            anyFeatures = true
            let queryOffset = keypoints.count
            let own = try source.features.keypoints(entry.name, inPixelsOf: entry.camera)
            keypoints += own
            var read = Set<Int>()
            for name in source.retrievedNames[entry.name] ?? [] {
                guard let i = map.index[name], let k = position[i], read.insert(i).inserted else { continue }
                guard let pairMatches = try source.matches.read(entry.name, name) else { continue }
                let offset = source.keypointOffsets[i], count = source.keypointCounts[i]
                input.matches[k].reserveCapacity(input.matches[k].count + pairMatches.count)
                for m in pairMatches {
                    guard m.index0 < own.count, m.index1 < count else {
                        throw RelocError.file(file: source.matchesFile, message: "match \(m.index0)–\(m.index1) of '\(entry.name) \(name)' is out of range of the features or the model")
                    }
                    input.matches[k].append((m.index0 + queryOffset, m.index1 + offset))
                }
            }
        }
        if anyFeatures { input.keypoints = keypoints }
        return input
    }
}
