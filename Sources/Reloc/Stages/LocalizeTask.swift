import Features
import Foundation
import Geometry

/// `reloc localize`: a pose for every query. For each query, its retrieved database images
/// (the pairs file, in order) give 2D-3D correspondences through each matched database
/// keypoint's 3D point (each (query keypoint, 3D point) once); LO-RANSAC P3P and Ceres
/// refinement (`estimateAbsolutePose`) give the pose. With covisibility clustering the
/// retrieved images are split into groups that share 3D points and the group with most inliers
/// wins (hloc's option). No pose → the pose of the top retrieved image (a fallback), so every
/// query gets exactly one line. Resumable through the per-query log.
public struct LocalizeTask: Sendable {
    public var model: String
    public var queryLists: [String]
    public var featuresFile: String
    public var matchesFile: String
    public var pairsFile: String
    public var output: String
    /// Default: `output` + `_logs.jsonl` (hloc writes `results.txt_logs.pkl`).
    public var logPath: String?
    public var options = AbsolutePoseOptions()
    public var covisibilityClustering = false
    /// A pose supported by fewer inliers is not trusted: the query gets the fallback. The floor is
    /// low on purpose: right night poses come with few inliers, and under the benchmark's scoring
    /// a wrong pose costs no more than the fallback, so the floor is there to refuse near-minimal
    /// solutions, not to separate right from wrong (docs/stages.md has the inlier counts).
    public var minInliers = 6
    /// Forget an earlier run's log instead of reusing its poses.
    public var overwrite = false
    public var threads = 0
    /// Only the queries of one shard (`Shard.contains`, by name). `reloc merge` joins the shards'
    /// results.
    public var shard: Shard?

    public init(model: String, queryLists: [String], featuresFile: String, matchesFile: String, pairsFile: String, output: String) {
        self.model = model; self.queryLists = queryLists; self.featuresFile = featuresFile
        self.matchesFile = matchesFile; self.pairsFile = pairsFile; self.output = output
    }

    public struct Summary: Sendable {
        public var queries = 0
        public var localized = 0
        public var fallbacks = 0
        public var resumed = 0
        public var seconds = 0.0
    }

    /// What one query needs, read from the files on the reading thread.
    struct QueryInput: Sendable {
        var entry: QueryEntry
        var keypoints: [Vector2]?
        /// Retrieved database images in the map (indices into `MapIndex.images`), in retrieval order.
        var retrieved: [Int]
        /// For each retrieved image, (query keypoint, database keypoint) matches.
        var matches: [[(Int, Int)]]
    }

    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        try options.validate()
        let map = try MapIndex(folder: model)
        var queries: [QueryEntry] = []
        var seenQueries = Set<String>()
        for list in queryLists {
            for entry in try QueryList.read(path: list) where seenQueries.insert(entry.name).inserted {
                queries.append(entry)
            }
        }
        guard !queries.isEmpty else { throw RelocError.invalidArgument("no query lists given") }
        if let shard {
            queries = queries.filter { shard.contains($0.name) }
            seenQueries = Set(queries.map(\.name))
        }
        var retrievedNames: [String: [String]] = [:]
        for pair in try PairsFile.read(path: pairsFile) { retrievedNames[pair.first, default: []].append(pair.second) }
        let features = try FeatureStore(path: featuresFile, mode: .read)
        let matchStore = try MatchStore(path: matchesFile, mode: .read)

        let log = logPath ?? output + "_logs.jsonl"
        // Logged poses are reused only when they came from the same inputs and settings.
        let settings = [model, featuresFile, matchesFile, pairsFile, "threshold \(options.thresholdPixels)",
                        "seed \(options.seed)", "clustering \(covisibilityClustering)", "refine \(options.refine)", "min inliers \(minInliers)"].joined(separator: " | ")
        var done: [String: LocalizationLogEntry] = overwrite ? [:] : LocalizationLog.read(path: log, settings: settings)
        done = done.filter { seenQueries.contains($0.key) }
        let appender = try LineAppender(path: log, keeping: [LocalizationLog.header(settings: settings)]
                                            + queries.compactMap { done[$0.name].map(LocalizationLog.line) })
        var summary = Summary()
        summary.queries = queries.count
        summary.resumed = done.count
        let todo = queries.filter { done[$0.name] == nil }
        var finished = done.count
        progress?(finished, queries.count)

        let batch = 32
        for batchStart in stride(from: 0, to: todo.count, by: batch) {
            let slice = Array(todo[batchStart..<min(todo.count, batchStart + batch)])
            var inputs: [QueryInput] = []
            for entry in slice {
                inputs.append(try readInput(entry, retrievedNames: retrievedNames[entry.name] ?? [], map: map,
                                            features: features, matches: matchStore, warn: warn))
            }
            let results = ResultSlots<LocalizationLogEntry>(count: inputs.count)
            let (options, clustering, minInliers, frozenInputs) = (self.options, covisibilityClustering, self.minInliers, inputs)
            parallelFor(inputs.count, threads: threads) { k in
                results.set(k, Self.localize(frozenInputs[k], map: map, options: options, clustering: clustering, minInliers: minInliers))
            }
            for k in 0..<inputs.count {
                let entry = results.get(k)
                done[entry.query] = entry
                try appender.append(LocalizationLog.line(entry))
                FailPoint.reached(.localize)
                finished += 1
                progress?(finished, queries.count)
            }
        }
        let poses = queries.map { PoseEntry(name: imageBasename($0.name), camFromWorld: Self.pose(done[$0.name]!.pose)) }
        try PoseFile.write(poses, to: output)
        summary.localized = queries.filter { done[$0.name]!.localized }.count
        summary.fallbacks = summary.queries - summary.localized
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    static func pose(_ values: [Double]) -> Rigid3 {
        Rigid3(rotation: Quaternion(w: values[0], x: values[1], y: values[2], z: values[3]),
               translation: Vector3(values[4], values[5], values[6]))
    }

    static func values(_ pose: Rigid3) -> [Double] {
        let q = pose.rotation, t = pose.translation
        return [q.w, q.x, q.y, q.z, t.x, t.y, t.z]
    }

    func readInput(_ entry: QueryEntry, retrievedNames: [String], map: MapIndex, features: FeatureStore,
                   matches: MatchStore, warn: (String) -> Void) throws -> QueryInput {
        var input = QueryInput(entry: entry, keypoints: nil, retrieved: [], matches: [])
        var seen = Set<Int>()
        for name in retrievedNames {
            if let i = map.index[name], seen.insert(i).inserted { input.retrieved.append(i) }
        }
        guard features.contains(entry.name) else {
            warn("warning: \(featuresFile): no features for query '\(entry.name)' (unreadable image?); it gets the fallback pose")
            return input
        }
        let keypoints = try features.keypoints(entry.name, inPixelsOf: entry.camera)
        input.keypoints = keypoints
        for i in input.retrieved {
            let name = map.images[i].name
            let pairMatches = try matches.read(entry.name, name) ?? []
            var list: [(Int, Int)] = []
            list.reserveCapacity(pairMatches.count)
            for m in pairMatches {
                guard m.index0 < keypoints.count, m.index1 < map.pointIDs[i].count else {
                    throw RelocError.file(file: matchesFile, message: "match \(m.index0)–\(m.index1) of '\(entry.name) \(name)' is out of range of the features or the model")
                }
                list.append((m.index0, m.index1))
            }
            input.matches.append(list)
        }
        return input
    }

    static func localize(_ input: QueryInput, map: MapIndex, options: AbsolutePoseOptions, clustering: Bool,
                         minInliers: Int) -> LocalizationLogEntry {
        let start = Date()
        let fallbackPose = input.retrieved.first.map { map.images[$0].camFromWorld } ?? map.images[0].camFromWorld
        var entry = LocalizationLogEntry(query: input.entry.name, localized: false, fallback: nil, retrieved: input.retrieved.count,
                                         clusters: 0, matches: input.matches.reduce(0) { $0 + $1.count }, correspondences: 0,
                                         inliers: 0, ransacIterations: 0, seconds: 0, pose: values(fallbackPose))
        guard let keypoints = input.keypoints else {
            entry.fallback = "no features"
            entry.seconds = Date().timeIntervalSince(start)
            return entry
        }
        guard !input.retrieved.isEmpty else {
            entry.fallback = "no retrieved image in the map (pose of the map's first image)"
            entry.seconds = Date().timeIntervalSince(start)
            return entry
        }
        let clusters = clustering ? map.covisibilityClusters(input.retrieved)
                                  : [input.retrieved]
        entry.clusters = clusters.count
        let position = Dictionary(uniqueKeysWithValues: input.retrieved.enumerated().map { ($1, $0) })
        var best: (result: AbsolutePoseResult, correspondences: Int)?
        for cluster in clusters {
            var seen = Set<SIMD2<UInt64>>()
            var points2D: [Vector2] = [], points3D: [Vector3] = []
            for image in cluster {
                for (q, d) in input.matches[position[image]!] {
                    guard let id = map.pointIDs[image][d] else { continue }
                    // Each (query keypoint, 3D point) once.
                    guard seen.insert(SIMD2(UInt64(q), id)).inserted else { continue }
                    points2D.append(keypoints[q])
                    points3D.append(map.points[id]!)
                }
            }
            guard points2D.count >= 3,
                  let result = try? estimateAbsolutePose(points2D: points2D, points3D: points3D, camera: input.entry.camera, options: options)
            else { continue }
            if best == nil || result.inlierCount > best!.result.inlierCount { best = (result, points2D.count) }
            if !clustering { break }
        }
        if let best {
            entry.inliers = best.result.inlierCount
            entry.correspondences = best.correspondences
            entry.ransacIterations = best.result.ransacIterations
        }
        if let best, best.result.inlierCount >= minInliers {
            entry.localized = true
            entry.pose = values(best.result.camFromWorld)
        } else if best != nil {
            entry.fallback = "only \(entry.inliers) inliers, fewer than \(minInliers) (pose of the top retrieved image)"
        } else {
            entry.fallback = "no pose found (pose of the top retrieved image)"
        }
        entry.seconds = Date().timeIntervalSince(start)
        return entry
    }
}
