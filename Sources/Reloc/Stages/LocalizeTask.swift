import Features
import Formats
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
    /// How the submission names the queries (Aachen's basenames; RobotCar's `camera/basename`).
    public var submissionFormat: SubmissionFormat = .aachen
    /// Other runs (other features on the same reference images) whose correspondences each
    /// query's pose pools with this run's (`LocalizeTask+Sources`); empty: this run's alone.
    public var fusedRuns: [FusedRun] = []

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

    /// - Throws: `RelocError.invalidOption` naming the setting out of range.
    public func validate() throws {
        guard options.thresholdPixels > 0 else { throw RelocError.invalidOption(option: "threshold", message: "must be positive") }
        guard !queryLists.isEmpty else { throw RelocError.invalidOption(option: "queries", message: "needs at least one query list") }
        guard minInliers >= 0 else { throw RelocError.invalidOption(option: "min-inliers", message: "must be ≥ 0") }
        if rig != nil && shard != nil {
            throw RelocError.invalidOption(option: "rig-config", message: "and --shard: a shard would split the rig frames")
        }
        try options.validate()
    }

    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        try validate()
        let sources = try openSources()
        let map = sources.map
        let queries = try readQueries()
        try checkFusedRuns(cover: queries, sources: sources)
        let seenQueries = Set(queries.map(\.name))

        let log = logPath ?? output + "_logs.jsonl"
        if rig != nil, refineK1 || estimateFocal || queries.contains(where: \.focalUnknown) {
            throw RelocError.invalidArgument("rigs need known intrinsics: --rig-config cannot be combined with --estimate-focal, --estimate-k1 or UNKNOWN cameras")
        }
        // Logged poses are reused only when they came from the same inputs and settings.
        let settings = logSettings(queries)
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
                inputs.append(try unit.map { member in
                    (member.sensor, try readInput(member.entry, sources: sources, warn: warn))
                })
            }
            for entry in localizeBatch(slice, inputs: inputs, map: map) {
                done[entry.query] = entry
                try appender.append(LocalizationLog.line(entry))
                FailPoint.reached(.localize)
                finished += 1
                progress?(finished, queries.count)
            }
        }
        if rig != nil { try writeRigPoses(queries, done: done) }
        let poses = queries.map { PoseEntry(name: submissionFormat.submissionName($0.name), camFromWorld: Self.pose(done[$0.name]!.pose)) }
        try PoseFile.write(poses, to: output)
        summary.localized = queries.filter { done[$0.name]!.localized }.count
        summary.fallbacks = summary.queries - summary.localized
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    /// The queries of every list, each once in the order first listed (this shard's only).
    /// - Throws: `RelocError` for an unreadable list, or none given.
    func readQueries() throws -> [QueryEntry] {
        var queries: [QueryEntry] = []
        var seen = Set<String>()
        for list in queryLists {
            for entry in try QueryList.read(path: list) where seen.insert(entry.name).inserted { queries.append(entry) }
        }
        guard !queries.isEmpty else { throw RelocError.invalidArgument("no query lists given") }
        if let shard { queries = queries.filter { shard.contains($0.name) } }
        return queries
    }

    /// The inputs and settings a logged pose depends on: the log's header, so that a log from
    /// other inputs or settings is not resumed.
    func logSettings(_ queries: [QueryEntry]) -> String {
        ([model, featuresFile, matchesFile, pairsFile, "threshold \(options.thresholdPixels)",
          "seed \(options.seed)"] + fusedRuns.map { "fused \($0.model) \($0.featuresFile) \($0.matchesFile) \($0.pairsFile)" }
            + ["clustering \(covisibilityClustering)", "refine \(options.refine)", "min inliers \(minInliers)"]
            + (estimateFocal || refineK1 || queries.contains(where: \.focalUnknown) ? ["focal \(estimateFocal) k1 \(refineK1)"] : [])
            + (rig.map { ["rig \($0.json())"] } ?? [])).joined(separator: " | ")
    }

    /// Localizes a batch of units in parallel (a rig frame as one rig pose, other queries one by
    /// one); the log entries in the units' order.
    func localizeBatch(_ slice: [[UnitMember]], inputs: [[(sensor: Int?, input: QueryInput)]], map: MapIndex) -> [LocalizationLogEntry] {
        let results = ResultSlots<[LocalizationLogEntry]>(count: inputs.count)
        let settings = UnitSettings(options: options, clustering: covisibilityClustering, minInliers: minInliers,
                                    estimateFocal: estimateFocal, refineK1: refineK1)
        let rig = self.rig
        parallelFor(inputs.count, threads: threads) { k in
            if let first = slice[k].first, let membership = first.membership, let rig {
                results.set(k, Self.localizeFrame(inputs[k].map { ($0.sensor!, $0.input) }, rig: rig.rigs[membership.rig],
                                                  frame: Self.frameName(membership, rigCount: rig.rigs.count), map: map, settings: settings))
            } else {
                results.set(k, inputs[k].map { Self.localize($0.input, map: map, settings: settings) })
            }
        }
        return (0..<inputs.count).flatMap { results.get($0) }
    }

    static func pose(_ values: [Double]) -> Rigid3 {
        Rigid3(rotation: Quaternion(w: values[0], x: values[1], y: values[2], z: values[3]),
               translation: Vector3(values[4], values[5], values[6]))
    }

    static func values(_ pose: Rigid3) -> [Double] {
        let q = pose.rotation, t = pose.translation
        return [q.w, q.x, q.y, q.z, t.x, t.y, t.z]
    }
}
