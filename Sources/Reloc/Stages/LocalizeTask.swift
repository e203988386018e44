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
    /// Estimate every query's focal length (P4Pf + pose-and-focal refinement), keeping the rest of
    /// its camera; queries listed as `UNKNOWN W H` always have it estimated.
    public var estimateFocal = false
    /// With an estimated focal length, refine k1 too (models with k1; an `UNKNOWN` camera then
    /// becomes SIMPLE_RADIAL).
    public var refineK1 = false
    /// Localize the images of each rig frame together as one rig pose (`RigConfig`); images that
    /// belong to no rig are localized alone.
    public var rig: RigConfig?
    /// Where the rig poses go (frame, rig_from_world); default: `rig_poses.txt` beside `output`.
    public var rigPosesPath: String?

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
        if rig != nil, refineK1 || estimateFocal || queries.contains(where: \.focalUnknown) {
            throw RelocError.invalidArgument("rigs need known intrinsics: --rig-config cannot be combined with --estimate-focal, --estimate-k1 or UNKNOWN cameras")
        }
        let settings = ([model, featuresFile, matchesFile, pairsFile, "threshold \(options.thresholdPixels)",
                        "seed \(options.seed)", "clustering \(covisibilityClustering)", "refine \(options.refine)", "min inliers \(minInliers)"]
            + (estimateFocal || refineK1 || queries.contains(where: \.focalUnknown) ? ["focal \(estimateFocal) k1 \(refineK1)"] : [])
            + (rig.map { ["rig \($0.json())"] } ?? [])).joined(separator: " | ")
        var done: [String: LocalizationLogEntry] = overwrite ? [:] : LocalizationLog.read(path: log, settings: settings)
        done = done.filter { seenQueries.contains($0.key) }
        let appender = try LineAppender(path: log, keeping: [LocalizationLog.header(settings: settings)]
                                            + queries.compactMap { done[$0.name].map(LocalizationLog.line) })
        var summary = Summary()
        summary.queries = queries.count
        summary.resumed = done.count
        // Units of work: a rig frame (all its images, redone together unless all are logged) or one query.
        let units = Self.units(queries, rig: rig).filter { unit in unit.contains { done[$0.entry.name] == nil } }
        var finished = done.count - units.reduce(0) { $0 + $1.filter { done[$0.entry.name] != nil }.count }
        progress?(finished, queries.count)

        let batch = 32
        var unitStart = 0
        while unitStart < units.count {
            // About `batch` images per batch.
            var unitEnd = unitStart
            var images = 0
            while unitEnd < units.count && (images == 0 || images + units[unitEnd].count <= batch) { images += units[unitEnd].count; unitEnd += 1 }
            let slice = Array(units[unitStart..<unitEnd])
            unitStart = unitEnd
            var inputs: [[(sensor: Int?, input: QueryInput)]] = []
            for unit in slice {
                var unitInputs: [(sensor: Int?, input: QueryInput)] = []
                for member in unit {
                    unitInputs.append((member.sensor, try readInput(member.entry, retrievedNames: retrievedNames[member.entry.name] ?? [], map: map,
                                                                    features: features, matches: matchStore, warn: warn)))
                }
                inputs.append(unitInputs)
            }
            let results = ResultSlots<[LocalizationLogEntry]>(count: inputs.count)
            let settings = UnitSettings(options: options, clustering: covisibilityClustering, minInliers: minInliers,
                                        estimateFocal: estimateFocal, refineK1: refineK1)
            let (frozenInputs, frozenSlice, rig) = (inputs, slice, self.rig)
            parallelFor(inputs.count, threads: threads) { k in
                if let first = frozenSlice[k].first, let membership = first.membership, let rig {
                    results.set(k, Self.localizeFrame(frozenInputs[k].map { ($0.sensor!, $0.input) }, rig: rig.rigs[membership.rig],
                                                      frame: Self.frameName(membership, rigCount: rig.rigs.count), map: map, settings: settings))
                } else {
                    results.set(k, frozenInputs[k].map { Self.localize($0.input, map: map, settings: settings) })
                }
            }
            for k in 0..<inputs.count {
                for entry in results.get(k) {
                    done[entry.query] = entry
                    try appender.append(LocalizationLog.line(entry))
                    FailPoint.reached(.localize)
                    finished += 1
                    progress?(finished, queries.count)
                }
            }
        }
        if rig != nil { try writeRigPoses(queries, done: done) }
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

    /// The per-query settings `localize` and `localizeFrame` share.
    struct UnitSettings: Sendable {
        var options: AbsolutePoseOptions
        var clustering: Bool
        var minInliers: Int
        var estimateFocal: Bool
        var refineK1: Bool
    }

    /// A fresh log entry for a query, its pose the fallback (the top retrieved image's).
    static func fallbackEntry(_ input: QueryInput, map: MapIndex) -> LocalizationLogEntry {
        let fallbackPose = input.retrieved.first.map { map.images[$0].camFromWorld } ?? map.images[0].camFromWorld
        return LocalizationLogEntry(query: input.entry.name, localized: false, fallback: nil, retrieved: input.retrieved.count,
                                    clusters: 0, matches: input.matches.reduce(0) { $0 + $1.count }, correspondences: 0,
                                    inliers: 0, ransacIterations: 0, seconds: 0, pose: values(fallbackPose))
    }

    /// The query's 2D-3D correspondences through the retrieved images of `cluster`, each
    /// (query keypoint, 3D point) once, with the 3D points' ids.
    static func correspondences(_ input: QueryInput, keypoints: [Vector2], cluster: [Int], map: MapIndex)
        -> (points2D: [Vector2], points3D: [Vector3], pointIDs: [UInt64]) {
        // The retrieved images' positions in `input.matches`: the whole list (no lookup), or a cluster's.
        let position = cluster == input.retrieved ? [:] : Dictionary(uniqueKeysWithValues: input.retrieved.enumerated().map { ($1, $0) })
        var seen = Set<SIMD2<UInt64>>()
        var points2D: [Vector2] = [], points3D: [Vector3] = [], pointIDs: [UInt64] = []
        for (k, image) in cluster.enumerated() {
            for (q, d) in input.matches[position.isEmpty ? k : position[image]!] {
                guard let id = map.pointIDs[image][d] else { continue }
                guard seen.insert(SIMD2(UInt64(q), id)).inserted else { continue }
                points2D.append(keypoints[q])
                points3D.append(map.points[id]!)
                pointIDs.append(id)
            }
        }
        return (points2D, points3D, pointIDs)
    }

    /// One estimate: the pose, its inliers and RANSAC iterations, and the camera when its focal was estimated.
    struct Estimate {
        var camFromWorld: Rigid3
        var inliers: Int
        var iterations: Int
        var camera: Camera?
        var focalSigma: Double?
    }

    static func localize(_ input: QueryInput, map: MapIndex, settings: UnitSettings) -> LocalizationLogEntry {
        let start = Date()
        var entry = fallbackEntry(input, map: map)
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
        let clusters = settings.clustering ? map.covisibilityClusters(input.retrieved) : [input.retrieved]
        entry.clusters = clusters.count
        let withFocal = settings.estimateFocal || input.entry.focalUnknown
        var best: (estimate: Estimate, correspondences: Int)?
        for cluster in clusters {
            let (points2D, points3D, _) = correspondences(input, keypoints: keypoints, cluster: cluster, map: map)
            let estimate: Estimate?
            if withFocal {
                var camera = input.entry.camera
                if settings.refineK1 && camera.model == .simplePinhole, let radial = try? Camera(model: .simpleRadial, width: camera.width,
                                                                                                height: camera.height, params: camera.params + [0]) {
                    camera = radial
                }
                let options = FocalAbsolutePoseOptions(pose: settings.options, refineK1: settings.refineK1 && camera.model.hasDistortion)
                estimate = (try? estimateAbsolutePoseWithUnknownFocal(points2D: points2D, points3D: points3D, camera: camera, options: options))
                    .flatMap { $0 }
                    .map { Estimate(camFromWorld: $0.pose.camFromWorld, inliers: $0.pose.inlierCount, iterations: $0.pose.ransacIterations,
                                    camera: $0.camera, focalSigma: $0.focalStandardDeviation) }
            } else {
                estimate = (try? estimateAbsolutePose(points2D: points2D, points3D: points3D, camera: input.entry.camera, options: settings.options))
                    .flatMap { $0 }
                    .map { Estimate(camFromWorld: $0.camFromWorld, inliers: $0.inlierCount, iterations: $0.ransacIterations, camera: nil) }
            }
            guard let estimate else { continue }
            if best == nil || estimate.inliers > best!.estimate.inliers { best = (estimate, points2D.count) }
            if !settings.clustering { break }
        }
        if let best {
            entry.inliers = best.estimate.inliers
            entry.correspondences = best.correspondences
            entry.ransacIterations = best.estimate.iterations
        }
        if let best, best.estimate.inliers >= settings.minInliers {
            entry.localized = true
            entry.pose = values(best.estimate.camFromWorld)
            if let camera = best.estimate.camera {
                entry.focal = camera.meanFocal
                entry.focalSigma = best.estimate.focalSigma
                if settings.refineK1, let k1 = camera.model.k1Index { entry.k1 = camera.params[k1] }
            }
        } else if best != nil {
            entry.fallback = "only \(entry.inliers) inliers, fewer than \(settings.minInliers) (pose of the top retrieved image)"
        } else {
            entry.fallback = "no pose found (pose of the top retrieved image)"
        }
        entry.seconds = Date().timeIntervalSince(start)
        return entry
    }
}
