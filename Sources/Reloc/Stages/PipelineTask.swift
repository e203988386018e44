import Features
import Formats
import Foundation
import Geometry

/// `reloc pipeline`: every stage on a dataset folder, through files in the output folder
/// (`PipelineFiles`: hloc-style names that encode the settings). Finished work is skipped on a
/// rerun (each stage resumes), unless `overwrite`.
public struct PipelineTask: Sendable {
    public var dataset: String
    public var output: String
    public var modelName: String?
    /// The features and their settings (RootSIFT with adaptive contrast by default; `setFeatures`
    /// gives a kind its defaults). Its `upright` is decided by `upright` below when the run starts.
    public var extraction: ExtractionSettings = {
        var settings = ExtractionSettings(kind: .rootsift)
        settings.contrast = .adaptive
        return settings
    }()
    /// The features' kind (`extraction.kind`).
    public var features: FeatureKind { extraction.kind }
    /// SIFT's floor on keypoint locations as this run applies it: none for learned features.
    var resolvedMinimumKeypoints: Int { features.isLearned ? 0 : extraction.resolvedMinimumKeypoints }
    /// SIFT without orientations: on, off, or auto — on when the reference images look upright
    /// (`ColmapModel.imagesLookUpright`).
    public var upright: UprightMode = .auto
    public enum UprightMode: String, CaseIterable, Sendable { case auto, on, off }
    public var retrieval: RetrievalMethod = .vlad
    public var topK = 20
    /// Re-rank this many global candidates per query by local matches (`PairsTask.rerankCandidates`); nil: off.
    public var rerankCandidates: Int?
    public var databaseTopK = 20
    /// Guided map matching: database pairs matched only near their epipolar lines, in pixels
    /// (`MatchTask.epipolarModel`); nil: unguided.
    public var databaseEpipolarThreshold: Double? = nil
    public var ratio: Float? = 0.8
    /// Nearest neighbours' cosine floor (`MatchingOptions.minCosine`; nil: none).
    public var minCosine: Float?
    /// Both matching stages with LightGlue (nil: nearest neighbours with `ratio` and `mutual`).
    public var lightGlue: LightGlueSettings?
    public var mutual = true
    /// Queries matched only to the database keypoints with a 3D point in the map
    /// (`MatchTask.pointsModel`); the query matches file is named `..._points_...`.
    public var matchToPoints = false
    public var localization = AbsolutePoseOptions()
    public var covisibilityClustering = false
    public var minInliers = 6
    /// `reloc localize --rig-config`: localize each rig frame as one rig pose (`RigConfig`).
    public var rigConfig: String?
    /// `reloc localize --estimate-focal` / `--estimate-k1`.
    public var estimateFocal = false
    public var refineK1 = false
    /// Finished runs (output folders) on the same reference images with other features whose
    /// query correspondences each pose pools with this run's (`LocalizeTask.fusedRuns`).
    public var fuseWith: [String] = []
    public var threads = 0
    public var overwrite = false
    /// How results.txt names the queries; nil: the dataset's (`dataset.json`, else Aachen's).
    public var submissionFormat: SubmissionFormat?
    /// Write `report.html` at the end (`reloc report`).
    public var report = true

    public init(dataset: String, output: String) { self.dataset = dataset; self.output = output }

    public struct Summary: Sendable {
        public var layout: DatasetLayout
        public var results: String
        public var localized = 0
        public var queries = 0
        public var evaluation: EvaluationReport?
        /// Retrieval against the ground truth (when the dataset has it).
        public var retrievalRecall: RetrievalRecall?
        /// Failures within the finest threshold and how many lacked ground-truth support (`GroundTruthSupport`).
        public var groundTruthFailures: [GroundTruthSupport.Failures]?
        /// How many queries the dataset's `coverage.txt` counts as covered (synthetic datasets).
        public var coverage: QueryCoverage?
        public var report: String?
        public var stageSeconds: [(String, Double)] = []
    }

    /// - Throws: `RelocError.invalidOption` (or `FeaturesError` / `GeometryError` from the stages'
    ///   own options) for a setting out of its range.
    public func validate() throws {
        try extractTask(imageFolder: dataset, lists: [], upright: false).validate()
        try nearestNeighbourOptions.validate()
        try lightGlue?.validate()
        if let rerankCandidates, rerankCandidates < topK {
            throw RelocError.invalidOption(option: "rerank", message: "must be at least --top-k (\(topK)), got \(rerankCandidates)")
        }
        if lightGlue != nil && databaseEpipolarThreshold != nil {
            throw RelocError.invalidOption(option: "db-epipolar-threshold", message: "guides nearest-neighbour matching only, not lightglue")
        }
        try localization.validate()
        guard !retrieval.isDatabaseOnly else {
            throw RelocError.invalidOption(option: "retrieval", message: "must be vlad, exhaustive, pairs:FILE or global:FILE.h5")
        }
        guard topK > 0 else { throw RelocError.invalidOption(option: "top-k", message: "must be positive") }
        guard databaseTopK > 0 else { throw RelocError.invalidOption(option: "db-top-k", message: "must be positive") }
        if let threshold = databaseEpipolarThreshold, !(threshold > 0 && threshold < 1e6) {
            throw RelocError.invalidOption(option: "db-epipolar-threshold", message: "must be positive (or off)")
        }
        guard minInliers >= 0 else { throw RelocError.invalidOption(option: "min-inliers", message: "must be ≥ 0") }
        if let rigConfig {
            _ = try RigConfig.read(path: rigConfig)
            if estimateFocal || refineK1 {
                throw RelocError.invalidOption(option: "rig-config", message: "rigs need known intrinsics: not with --estimate-focal or --estimate-k1")
            }
        }
        guard threads >= 0 else { throw RelocError.invalidOption(option: "threads", message: "must be ≥ 0") }
    }

    /// The stages, in order; each one's narration goes to `say`.
    /// - Parameters:
    ///   - say: a line of narration per stage (stdout in the CLI).
    ///   - warn: warnings (stderr).
    ///   - progress: a progress reporter for a named stage: (update, finish).
    public func run(say: (String) -> Void = { _ in }, warn: @escaping (String) -> Void = { _ in },
                    progress: (String) -> (((Int, Int) -> Void), () -> Void) = { _ in ({ _, _ in }, {}) }) throws -> Summary {
        try validate()
        let layout = try DatasetLayout.detect(root: dataset, modelName: modelName)
        try layout.checkQueryImages()
        if threads > 0 { BLASThreads.set(threads) }
        // Read before any work: a folder that is not a finished run stops the run here.
        let fusedRuns = try fuseWith.map { try LocalizeTask.FusedRun(run: $0) }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw RelocError.file(file: output, message: "cannot create the output folder: \(error.localizedDescription)")
        }
        say("dataset \(layout.root): images in \(layout.imageFolder), model \(layout.model), \(layout.queryLists.count) query list(s)")
        // Read before any work: a damaged coverage.txt stops the run here, not after it.
        let coverage = try layout.coverage.map { try queryCoverage(layout, coverage: $0) }
        let upright = try uprightSIFT(layout, say: say)
        var extract = extractTask(imageFolder: layout.imageFolder, lists: [layout.model] + layout.queryLists, upright: upright)
        let files = files(featuresName: extract.settings.featuresName)
        extract.output = files.features
        for (folder, run) in zip(fuseWith, fusedRuns) {
            let sameFile = URL(fileURLWithPath: run.featuresFile).standardizedFileURL == URL(fileURLWithPath: files.features).standardizedFileURL
            if sameFile || (run.featuresFile as NSString).lastPathComponent == (files.features as NSString).lastPathComponent {
                throw RelocError.invalidOption(option: "fuse-with", message: "\(folder) has this run's own features (\(extract.settings.featuresName)): fuse with a run of other features")
            }
        }
        if overwrite { for file in files.stageOutputs { try? FileManager.default.removeItem(atPath: file) } }

        var stageSeconds: [(String, Double)] = []
        /// Runs, times and narrates one stage, handing it a progress reporter when `label` is given.
        func stage(_ name: String, progress label: String? = nil, _ body: (@escaping (Int, Int) -> Void) throws -> String?) throws {
            let start = Date()
            defer { stageSeconds.append((name, Date().timeIntervalSince(start))) }
            let (update, finish) = label.map(progress) ?? ({ _, _ in }, {})
            let line = try body(update)
            finish()
            if let line { say(line) }
        }
        try stage("extract", progress: "extract") { try extractFeatures(extract, update: $0, warn: warn) }
        if FileManager.default.fileExists(atPath: files.map) {
            say("map: \(files.map) exists; skipped")
        } else {
            try stage("map pairs") { _ in try pairDatabase(layout, files, warn: warn) }
            try stage("map matching", progress: "match db") { try matchDatabase(layout, files, update: $0, warn: warn) }
            try stage("triangulation", progress: "triangulate") { try triangulate(layout, files, update: $0, warn: warn) }
        }
        try stage("retrieval") { _ in try retrieve(layout, files, warn: warn) }
        var recall: RetrievalRecall?
        if let truth = layout.groundTruth {
            try stage("retrieval recall") { _ in
                recall = try retrievalRecall(layout, files, groundTruth: truth)
                return recall?.formatLine(topK: topK)
            }
        }
        try stage("query matching", progress: "match queries") { try matchQueries(files, update: $0, warn: warn) }
        var summary = Summary(layout: layout, results: files.results)
        summary.retrievalRecall = recall
        try stage("localization", progress: "localize") { update in
            let s = try localizeTask(layout, files, fusedRuns: fusedRuns).run(warn: warn, progress: update)
            if rigConfig != nil { say("rig poses: \(files.rigPoses)") }
            (summary.localized, summary.queries) = (s.localized, s.queries)
            return String(format: "Localized %d / %d queries (%d fallbacks, %d from an earlier run), %.1f s",
                          s.localized, s.queries, s.fallbacks, s.resumed, s.seconds)
        }
        if let truth = layout.groundTruth {
            try stage("evaluation") { _ in
                summary.evaluation = try EvaluateTask(resultsPath: files.results, groundTruthPath: truth, queryListPaths: layout.queryLists,
                                                      jsonPath: files.evaluationJSON).run()
                return nil
            }
            try AtomicFile.write(summary.evaluation!.formatTable(), to: files.evaluationText)
            if estimateFocal {
                // Estimated focal lengths leave no trusted camera to project with; no stale file from an earlier run either.
                try? FileManager.default.removeItem(atPath: files.groundTruthSupport)
            } else {
                try stage("ground-truth support") { _ in
                    let support = try groundTruthSupport(layout, files, groundTruth: truth, fusedRuns: fusedRuns)
                    try AtomicFile.write(support.text(), to: files.groundTruthSupport)
                    let finest = summary.evaluation!.thresholds[0]
                    summary.groundTruthFailures = support.failures(summary.evaluation!, within: finest)
                    return GroundTruthSupport.formatLine(summary.groundTruthFailures!, threshold: finest, minInliers: minInliers)
                }
            }
        }
        if let coverage {
            summary.coverage = coverage
            say(coverage.formatLine())
        }
        summary.stageSeconds = stageSeconds
        let runFiles = self.runFiles(layout, files, upright: upright)
        try AtomicFile.write(try record(summary: summary, featuresName: extract.settings.featuresName, upright: upright, files: runFiles).json(),
                             to: files.record)
        try AtomicFile.write(runFiles.shellAssignments, to: files.shellVariables)
        if report {
            // The report is a view of the results: a failure to draw it is a warning, not a failed run.
            do { summary.report = try ReportTask(run: output).run(warn: warn) } catch { warn("warning: no report: \(error)") }
        }
        return summary
    }

    // MARK: The stages

    /// SIFT without orientations: as asked, or (auto) when the reference images look upright.
    func uprightSIFT(_ layout: DatasetLayout, say: (String) -> Void) throws -> Bool {
        switch (upright, features.isLearned) {
        case (_, true), (.off, _): return false
        case (.on, _): return true
        case (.auto, _):
            let upright = try ColmapModel.read(folder: layout.model, content: .camerasAndPoses).imagesLookUpright()
            say("upright SIFT: \(upright ? "on (the reference images are gravity-aligned)" : "off (the reference images are rotated)")")
            return upright
        }
    }

    /// The extraction this run asks for (its output is set once the files are named).
    func extractTask(imageFolder: String, lists: [String], upright: Bool) -> ExtractTask {
        var settings = extraction
        settings.minimumKeypoints = resolvedMinimumKeypoints
        settings.upright = upright
        return ExtractTask(imageFolder: imageFolder, lists: lists, output: "", settings: settings)
    }

    func files(featuresName: String) -> PipelineFiles {
        let matching = nearestNeighbourOptions
        return PipelineFiles(folder: output, featuresName: featuresName,
                             databaseMatcher: lightGlue?.name ?? MatchTask.matcherName(matching, epipolarThreshold: databaseEpipolarThreshold),
                             databaseTopK: databaseTopK, queryMatcher: (lightGlue?.name ?? MatchTask.matcherName(matching, epipolarThreshold: nil)) + (matchToPoints ? "-points" : ""),
                             retrieval: retrieval.fileNameTag + (rerankCandidates.map { "\($0)-rerank" } ?? ""), topK: topK)
    }

    func extractFeatures(_ task: ExtractTask, update: @escaping (Int, Int) -> Void, warn: (String) -> Void) throws -> String {
        let s = try task.run(warn: warn, progress: update)
        return String(format: "extract: %d images (%d keypoints), %d already done, %d unreadable, %.1f s",
                      s.extracted, s.keypoints, s.skipped, s.failed.count, s.seconds)
    }

    func pairDatabase(_ layout: DatasetLayout, _ files: PipelineFiles, warn: (String) -> Void) throws -> String {
        let s = try PairsTask(retrieval: .poses, queryLists: [], database: layout.model, output: files.databasePairs,
                              topK: databaseTopK).run(warn: warn)
        return "map pairs: \(s.pairs) database pairs by \(s.method)"
    }

    func matchDatabase(_ layout: DatasetLayout, _ files: PipelineFiles, update: @escaping (Int, Int) -> Void,
                       warn: (String) -> Void) throws -> String {
        var task = MatchTask(pairsFile: files.databasePairs, featuresFile: files.features, output: files.databaseMatches,
                             ratio: ratio, mutual: mutual, minCosine: minCosine)
        task.skipMissingFeatures = true
        task.lightGlue = lightGlue
        if let databaseEpipolarThreshold {
            task.epipolarModel = layout.model
            task.epipolarThreshold = databaseEpipolarThreshold
        }
        let s = try task.run(warn: warn, progress: update)
        return String(format: "map matching with %@: %d pairs (%d matches), %d already done, %.1f s", task.matcherDescription, s.matched, s.matches, s.skipped, s.seconds)
    }

    func triangulate(_ layout: DatasetLayout, _ files: PipelineFiles, update: @escaping (Int, Int) -> Void,
                     warn: (String) -> Void) throws -> String {
        var task = TriangulateTask(referenceModel: layout.model, featuresFile: files.features, matchesFile: files.databaseMatches,
                                   pairsFile: files.databasePairs, output: files.map)
        task.imageFolder = layout.imageFolder
        task.threads = threads
        let s = try task.run(warn: warn, progress: update)
        return String(format: "triangulation: %d points from %d tracks (%d of %d matches on their epipolar lines, %d conflicting: their tracks dropped), track length %.2f, error %.2f px, %.1f s",
                      s.points, s.tracks, s.verifiedMatches, s.matches, s.conflictingMatches, s.meanTrackLength, s.meanReprojectionError, s.seconds)
    }

    func retrieve(_ layout: DatasetLayout, _ files: PipelineFiles, warn: (String) -> Void) throws -> String {
        var task = PairsTask(retrieval: retrieval, queryLists: layout.queryLists, database: layout.model, output: files.queryPairs,
                             topK: topK, featuresFile: files.features, globalOutput: files.globalDescriptors)
        task.seed = localization.seed
        task.rerankCandidates = rerankCandidates
        let s = try task.run(warn: warn)
        return String(format: "retrieval (%@): %d pairs for %d queries, %.1f s", s.method, s.pairs, s.queries, s.seconds)
    }

    /// The true poses by name, and every listed query with its condition (from its list's file name).
    func groundTruthAndQueries(_ layout: DatasetLayout, groundTruth: String) throws
        -> (truth: [String: Rigid3], queries: [(entry: QueryEntry, condition: String)]) {
        let truth = Dictionary(try PoseFile.read(path: groundTruth).map { ($0.name, $0.camFromWorld) }, uniquingKeysWith: { a, _ in a })
        let queries = try layout.queryLists.flatMap { list in
            try QueryList.read(path: list).map { (entry: $0, condition: Evaluation.conditionFromListFile(list)) }
        }
        return (truth, queries)
    }

    /// Retrieval measured against the ground truth (`RetrievalRecall`), with the triangulated map.
    func retrievalRecall(_ layout: DatasetLayout, _ files: PipelineFiles, groundTruth: String) throws -> RetrievalRecall {
        let (truth, queries) = try groundTruthAndQueries(layout, groundTruth: groundTruth)
        return RetrievalRecall.measure(pairs: try PairsFile.read(path: files.queryPairs), queries: queries, groundTruth: truth,
                                       map: try ColmapModel.read(folder: files.map))
    }

    /// How many map points fit each query's true pose (`GroundTruthSupport`).
    func groundTruthSupport(_ layout: DatasetLayout, _ files: PipelineFiles, groundTruth: String,
                            fusedRuns: [LocalizeTask.FusedRun]) throws -> GroundTruthSupport {
        let (truth, queries) = try groundTruthAndQueries(layout, groundTruth: groundTruth)
        let conditions = Dictionary(queries.map { ($0.entry.name, $0.condition) }, uniquingKeysWith: { a, _ in a })
        return try localizeTask(layout, files, fusedRuns: fusedRuns).groundTruthSupport(groundTruth: truth, conditions: conditions)
    }

    /// The queries `coverage.txt` counts as covered, per condition.
    /// - Throws: `FormatError.file` naming coverage.txt when it lacks one of the queries (an empty
    ///   or foreign file would otherwise count every query as not covered).
    func queryCoverage(_ layout: DatasetLayout, coverage: String) throws -> QueryCoverage {
        let queries = try layout.queryLists.flatMap { list in
            try QueryList.read(path: list).map { (name: $0.name, condition: Evaluation.conditionFromListFile(list)) }
        }
        let entries = try CoverageFile.read(path: coverage)
        let listed = Set(entries.map(\.name))
        if let missing = queries.first(where: { !listed.contains($0.name) }) {
            throw FormatError.file(file: coverage, message: "no entry for query \(missing.name) (of \(queries.count) in the query lists; \(entries.count) entries)")
        }
        return QueryCoverage(entries: entries, queries: queries)
    }

    func matchQueries(_ files: PipelineFiles, update: @escaping (Int, Int) -> Void, warn: (String) -> Void) throws -> String {
        var task = MatchTask(pairsFile: files.queryPairs, featuresFile: files.features, output: files.queryMatches, ratio: ratio, mutual: mutual, minCosine: minCosine)
        task.skipMissingFeatures = true
        task.lightGlue = lightGlue
        if matchToPoints { task.pointsModel = files.map }
        let s = try task.run(warn: warn, progress: update)
        return String(format: "query matching with %@%@: %d pairs (%d matches), %d already done, %.1f s", task.matcherDescription, matchToPoints ? " to the map's points" : "", s.matched, s.matches, s.skipped, s.seconds)
    }

    func localizeTask(_ layout: DatasetLayout, _ files: PipelineFiles, fusedRuns: [LocalizeTask.FusedRun] = []) throws -> LocalizeTask {
        var task = LocalizeTask(model: files.map, queryLists: layout.queryLists, featuresFile: files.features, matchesFile: files.queryMatches,
                                pairsFile: files.queryPairs, output: files.results)
        task.options = localization
        task.covisibilityClustering = covisibilityClustering
        task.minInliers = minInliers
        task.threads = threads
        task.estimateFocal = estimateFocal
        task.refineK1 = refineK1
        task.rig = try rigConfig.map { try RigConfig.read(path: $0) }
        task.rigPosesPath = files.rigPoses
        task.submissionFormat = submissionFormat ?? layout.submissionFormat
        task.fusedRuns = fusedRuns
        return task
    }

    // MARK: The record

    func runFiles(_ layout: DatasetLayout, _ files: PipelineFiles, upright: Bool) -> RunFiles {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        return RunFiles(imageFolder: absolute(layout.imageFolder), model: absolute(layout.model), queryLists: layout.queryLists.map(absolute),
                        groundTruth: layout.groundTruth.map(absolute), coverage: layout.coverage.map(absolute), features: absolute(files.features), map: absolute(files.map),
                        queryPairs: absolute(files.queryPairs), queryMatches: absolute(files.queryMatches), results: absolute(files.results),
                        extractOptions: extractOptions(upright: upright), matchOptions: matchOptions, localizeOptions: localizeOptions)
    }

    /// The options of `reloc extract`, `match` and `localize` that redo this run's query side
    /// (deploy/slurm's sharded array reads them from files.env).
    func extractOptions(upright: Bool) -> [String] {
        let e = extraction
        var options = ["--features", e.kind.rawValue, "--max-edge", "\(e.maxEdge)", "--max-keypoints", "\(e.maxKeypoints)",
                       "--contrast", e.contrast.rawValue, "--contrast-threshold", "\(e.contrastThreshold)",
                       "--min-keypoints", "\(resolvedMinimumKeypoints)", "--lowest-contrast-threshold", "\(e.lowestContrastThreshold)"]
        if e.upsample { options.append("--upsample") }
        if let threshold = e.detectionThreshold { options += ["--detection-threshold", "\(threshold)"] }
        if upright { options.append("--upright") }
        if e.kind.isLearned, let weightsFolder = e.weightsFolder {
            options += ["--weights", URL(fileURLWithPath: weightsFolder).standardizedFileURL.path]
        }
        return options
    }

    var matchOptions: [String] {
        if let lightGlue {
            return ["--matcher", "lightglue", "--lightglue-weights", URL(fileURLWithPath: lightGlue.weights).standardizedFileURL.path,
                    "--depth-confidence", "\(lightGlue.depthConfidence)", "--width-confidence", "\(lightGlue.widthConfidence)",
                    "--match-threshold", "\(lightGlue.threshold)"] + (matchToPoints ? ["--match-to-points"] : [])
        }
        return ["--matcher", "nn"] + (ratio.map { ["--ratio", "\($0)"] } ?? [])
            + (MatchTask.nearestNeighbourOptions(ratio: ratio, mutual: mutual).mutual ? ["--mutual"] : [])
            + (minCosine.map { ["--min-cosine", "\($0)"] } ?? []) + (matchToPoints ? ["--match-to-points"] : [])
    }

    var localizeOptions: [String] {
        var options = ["--threshold", "\(localization.thresholdPixels)", "--seed", "\(localization.seed)", "--min-inliers", "\(minInliers)"]
        if covisibilityClustering { options.append("--covisibility-clustering") }
        if estimateFocal { options.append("--estimate-focal") }
        if refineK1 { options.append("--estimate-k1") }
        if let rigConfig { options += ["--rig-config", URL(fileURLWithPath: rigConfig).standardizedFileURL.path] }
        for run in fuseWith { options += ["--fuse-with", URL(fileURLWithPath: run).standardizedFileURL.path] }
        return options
    }

    /// Nearest neighbours' options as the match stages run them.
    var nearestNeighbourOptions: MatchingOptions {
        var options = MatchTask.nearestNeighbourOptions(ratio: ratio, mutual: mutual)
        options.minCosine = minCosine
        return options
    }

    /// Sets the features and what follows from their kind where it is not given (nil): the
    /// kind's keypoint budget, longer edge and detection threshold (`FeatureKind`).
    public mutating func setFeatures(_ kind: FeatureKind, maxEdge: Int? = nil, maxKeypoints: Int? = nil, detectionThreshold: Float? = nil) {
        extraction.kind = kind
        extraction.maxEdge = maxEdge ?? kind.defaultMaxEdge
        extraction.maxKeypoints = maxKeypoints ?? kind.defaultMaxKeypoints
        extraction.detectionThreshold = detectionThreshold ?? kind.defaultDetectionThreshold
    }

    /// LightGlue's pair budget: it runs on the `topK` best of `candidates` retrieved images per
    /// query (ranked by mutual nearest-neighbour counts, `Reranking`) and on each database image's
    /// `databaseTopK` most overlapping neighbours for the map. Nearest neighbours keep 20 and 20.
    /// Measured on the synthetic default preset (docs/learned-features.md, "Pair budget").
    public static let lightGlueBudget = (topK: 5, databaseTopK: 5, candidates: 20)

    /// Sets the matching, with the defaults that follow from the features (set them first):
    /// Lowe's ratio and the cosine floor the kind's unless given (ratio 1, cosine −1: off); with LightGlue, the pair budget
    /// (`lightGlueBudget`) for what is not given: `topK` and `databaseTopK`, and re-ranking from
    /// `candidates` global candidates (at least 3 × `topK`; 0: off); nearest neighbours keep the
    /// global ranking and 20 / 20 pairs.
    public mutating func setMatching(ratio: Float? = nil, minCosine: Float? = nil, lightGlue: LightGlueSettings?, rerank: Int? = nil,
                                     topK: Int? = nil, databaseTopK: Int? = nil) {
        let ratio = ratio ?? features.defaultRatio
        self.ratio = ratio != 1 ? ratio : nil
        let minCosine = minCosine ?? features.defaultMinCosine
        self.minCosine = minCosine == -1 ? nil : minCosine
        self.lightGlue = lightGlue
        let budget = Self.lightGlueBudget
        if let topK { self.topK = topK } else if lightGlue != nil { self.topK = budget.topK }
        if let databaseTopK { self.databaseTopK = databaseTopK } else if lightGlue != nil { self.databaseTopK = budget.databaseTopK }
        rerankCandidates = rerank == 0 ? nil : rerank ?? (lightGlue != nil ? max(budget.candidates, 3 * self.topK) : nil)
    }

    /// This run's settings as values (`pipeline.json`'s `settings`).
    func settings(upright: Bool) -> RunSettings {
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        var lightGlue = self.lightGlue
        if let weights = lightGlue?.weights { lightGlue?.weights = absolute(weights) }
        return RunSettings(extraction: extractTask(imageFolder: "", lists: [], upright: upright).settings.record,
                           weights: features.isLearned ? extraction.weightsFolder.map(absolute) : nil,
                           matching: MatchingSettings(ratio: lightGlue == nil ? ratio : nil, mutual: lightGlue == nil && MatchTask.nearestNeighbourOptions(ratio: ratio, mutual: mutual).mutual,
                                                      minCosine: lightGlue == nil ? minCosine : nil,
                                                      lightGlue: lightGlue, toPoints: matchToPoints),
                           localization: LocalizationSettings(thresholdPixels: localization.thresholdPixels, seed: localization.seed,
                                                              minInliers: minInliers, covisibilityClustering: covisibilityClustering,
                                                              estimateFocal: estimateFocal, estimateK1: refineK1, rigConfig: rigConfig.map(absolute),
                                                              fusedWith: fuseWith.map(absolute)))
    }

    /// Settings, versions and time per stage (`pipeline.json`).
    func record(summary: Summary, featuresName: String, upright: Bool, files: RunFiles) -> PipelineRecord {
        var record = settingsRecord(featuresName: featuresName, upright: upright, files: files)
        record.localized = summary.localized
        record.queries = summary.queries
        record.stages = summary.stageSeconds.map { PipelineRecord.Stage(stage: $0.0, seconds: $0.1) }
        record.retrievalRecall = summary.retrievalRecall.map { recall in
            Dictionary(uniqueKeysWithValues: recall.conditions.map { ($0.condition, $0.recall) })
        }
        record.groundTruthSupport = summary.groundTruthFailures.map { failures in
            Dictionary(uniqueKeysWithValues: failures.map { ($0.condition, PipelineRecord.SupportFailures(failed: $0.failed, unsupported: $0.unsupported)) })
        }
        record.coverage = summary.coverage.map { coverage in
            Dictionary(uniqueKeysWithValues: coverage.conditions.map { ($0.condition, PipelineRecord.Covered(covered: $0.covered, queries: $0.queries)) })
        }
        return record
    }

    /// This task's settings and `files` as a record, with no stage run and nothing localized: the
    /// part of `pipeline.json` that does not depend on a run, for a map made outside the stages
    /// (`RelocBench scale --serve` serves its generated map with it).
    public func settingsRecord(featuresName: String? = nil, upright: Bool = false, files: RunFiles) -> PipelineRecord {
        var record = PipelineRecord(reloc: RelocVersion.description, dataset: dataset,
                                    features: featuresName ?? extractTask(imageFolder: "", lists: [], upright: upright).settings.featuresName,
                                    retrieval: retrieval.description, uprightSIFT: upright, topK: topK, databaseTopK: databaseTopK,
                                    databaseEpipolarThresholdPixels: databaseEpipolarThreshold, ratio: ratio, mutual: mutual,
                                    thresholdPixels: localization.thresholdPixels, covisibilityClustering: covisibilityClustering,
                                    minInliers: minInliers, localized: 0, queries: 0, files: files, stages: [])
        record.rerank = rerankCandidates
        record.settings = settings(upright: upright)
        record.matcher = lightGlue?.name ?? MatchTask.matcherName(nearestNeighbourOptions, epipolarThreshold: nil)
        return record
    }
}
