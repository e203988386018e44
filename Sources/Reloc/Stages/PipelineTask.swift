import Features
import Foundation
import Geometry

/// `reloc pipeline`: every stage on a dataset folder, through files in the output folder
/// (hloc-style names that encode the settings, so changed settings never reuse stale files):
///
///     feats-<kind>-n<keypoints>-r<edge>[-<contrast>].h5      extract (db + queries)
///     pairs-db-poses<k>.txt, matches-db_<feats>_<matcher>_db<k>.h5   map pairs from the reference poses
///     sfm_<feats>_<matcher>_db<k>/                          triangulated map (COLMAP binary)
///     global-vlad_<feats>.h5, pairs-query-<retrieval><k>.txt, matches-query_<feats>_<matcher>_<retrieval><k>.h5
///     results.txt (+ results.txt_logs.jsonl)                 Aachen v1.1 submission
///     evaluation.txt, evaluation.json                        when the dataset has ground truth
///     pipeline.json                                          settings, files and time per stage
///     files.env                                              the stage files as shell variables (deploy/slurm)
///     report.html                                            `reloc report` (unless `report` is off)
///
/// Finished work is skipped on a rerun (each stage resumes), unless `overwrite`.
public struct PipelineTask: Sendable {
    public var dataset: String
    public var output: String
    public var modelName: String?
    public var features: ExtractTask.Kind = .rootsift
    public var maxEdge = 1600
    public var maxKeypoints = 8192
    public var contrast: ExtractTask.Contrast = .adaptive
    public var contrastThreshold = 0.04
    /// SIFT: floor on keypoint locations per image (nil: a quarter of `maxKeypoints`; 0: off)
    /// and how far it may lower the contrast threshold (see `ExtractTask`).
    public var minimumKeypoints: Int?
    public var lowestContrastThreshold = 0.01
    var resolvedMinimumKeypoints: Int {
        features.isLearned ? 0 : ExtractTask.minimumKeypoints(minimumKeypoints, maxKeypoints: maxKeypoints)
    }
    public var upsample = false
    /// SIFT without orientations: on, off, or auto — on when the reference images look upright
    /// (`ColmapModel.imagesLookUpright`).
    public var upright: UprightMode = .auto
    public enum UprightMode: String, CaseIterable, Sendable { case auto, on, off }
    /// Converted checkpoints (learned features).
    public var weightsFolder: String?
    public var retrieval: RetrievalMethod = .vlad
    public var topK = 20
    public var databaseTopK = 20
    /// Guided map matching: database pairs matched only near their epipolar lines, in pixels
    /// (`MatchTask.epipolarModel`); nil: unguided.
    public var databaseEpipolarThreshold: Double? = nil
    public var ratio: Float? = 0.8
    public var mutual = true
    public var localization = AbsolutePoseOptions()
    public var covisibilityClustering = false
    public var minInliers = 6
    public var threads = 0
    public var overwrite = false
    /// Write `report.html` at the end (`reloc report`).
    public var report = true

    public init(dataset: String, output: String) { self.dataset = dataset; self.output = output }

    public struct Summary: Sendable {
        public var layout: DatasetLayout
        public var results: String
        public var localized = 0
        public var queries = 0
        public var evaluation: EvaluationReport?
        public var report: String?
        public var stageSeconds: [(String, Double)] = []
    }

    /// - Parameters:
    ///   - say: a line of narration per stage (stdout in the CLI).
    ///   - warn: warnings (stderr).
    ///   - progress: a progress reporter for a named stage.
    public func run(say: (String) -> Void = { _ in }, warn: @escaping (String) -> Void = { _ in },
                    progress: (String) -> (((Int, Int) -> Void), () -> Void) = { _ in ({ _, _ in }, {}) }) throws -> Summary {
        guard topK > 0, databaseTopK > 0 else { throw RelocError.invalidArgument("--top-k and --db-top-k must be positive") }
        guard (databaseEpipolarThreshold ?? 1) > 0, (databaseEpipolarThreshold ?? 1) < 1e6 else {
            throw RelocError.invalidArgument("--db-epipolar-threshold must be positive (or off)")
        }
        let layout = try DatasetLayout.detect(root: dataset, modelName: modelName)
        try layout.checkQueryImages()
        if threads > 0 { BLASThreads.set(threads) }
        do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
            throw RelocError.file(file: output, message: "cannot create the output folder: \(error.localizedDescription)")
        }
        func path(_ name: String) -> String { (output as NSString).appendingPathComponent(name) }
        var summary = Summary(layout: layout, results: path("results.txt"))
        func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let start = Date()
            defer { summary.stageSeconds.append((name, Date().timeIntervalSince(start))) }
            return try body()
        }
        say("dataset \(layout.root): images in \(layout.imageFolder), model \(layout.model), \(layout.queryLists.count) query list(s)")
        let uprightSIFT: Bool
        switch (upright, features.isLearned) {
        case (_, true), (.off, _): uprightSIFT = false
        case (.on, _): uprightSIFT = true
        case (.auto, _):
            uprightSIFT = try ColmapModel.read(folder: layout.model, content: .camerasAndPoses).imagesLookUpright()
            say("upright SIFT: \(uprightSIFT ? "on (the reference images are gravity-aligned)" : "off (the reference images are rotated)")")
        }

        let featsName = features.isLearned ? "feats-\(features.rawValue)-n\(maxKeypoints)-r\(maxEdge)"
            : "feats-\(features.rawValue)-n\(maxKeypoints)-r\(maxEdge)\(contrast.nameSuffix)"
              + (contrastThreshold == 0.04 ? "" : "-t\(contrastThreshold)") + (upsample ? "-up" : "") + (uprightSIFT ? "-upright" : "")
              + (resolvedMinimumKeypoints > 0 ? "-m\(resolvedMinimumKeypoints)" : "")
              + (resolvedMinimumKeypoints > 0 && lowestContrastThreshold != 0.01 ? "-l\(lowestContrastThreshold)" : "")
        let featuresPath = path(featsName + ".h5")
        let databasePairs = path("pairs-db-poses\(databaseTopK).txt")
        let matcherName = "NN" + (mutual ? "-mutual" : "") + (ratio.map { "-ratio\($0)" } ?? "")
        let databaseMatcherName = matcherName + (databaseEpipolarThreshold.map { "-epipolar" + ($0 == $0.rounded() ? "\(Int($0))" : "\($0)") } ?? "")
        let databaseMatches = path("matches-db_\(featsName)_\(databaseMatcherName)_db\(databaseTopK).h5")
        let map = path("sfm_\(featsName)_\(databaseMatcherName)_db\(databaseTopK)")
        let retrievalName: String
        switch retrieval {
        case .file(let file): retrievalName = "file-" + ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        case .global(let file): retrievalName = "global-" + ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        default: retrievalName = retrieval.description
        }
        let queryPairs = path("pairs-query-\(retrievalName)\(topK).txt")
        let queryMatches = path("matches-query_\(featsName)_\(matcherName)_\(retrievalName)\(topK).h5")
        if overwrite {
            for file in [featuresPath, databasePairs, databaseMatches, map, queryPairs, queryMatches, summary.results,
                         summary.results + "_logs.jsonl", path("global-vlad_\(featsName).h5")] {
                try? FileManager.default.removeItem(atPath: file)
            }
        }

        // 1. Features of the database and the queries.
        try stage("extract") {
            var task = ExtractTask(imageFolder: layout.imageFolder, lists: [layout.model] + layout.queryLists, output: featuresPath,
                                   kind: features, maxEdge: maxEdge, maxKeypoints: maxKeypoints)
            task.contrast = contrast
            task.contrastThreshold = contrastThreshold
            task.minimumKeypoints = resolvedMinimumKeypoints
            task.lowestContrastThreshold = lowestContrastThreshold
            task.upsample = upsample
            task.upright = uprightSIFT
            task.weightsFolder = weightsFolder
            let (update, finish) = progress("extract")
            let s = try task.run(warn: warn, progress: update)
            finish()
            say(String(format: "extract: %d images (%d keypoints), %d already done, %d unreadable, %.1f s",
                       s.extracted, s.keypoints, s.skipped, s.failed.count, s.seconds))
        }
        // 2. The map: database pairs from the reference poses, matches, triangulation.
        if FileManager.default.fileExists(atPath: map) {
            say("map: \(map) exists; skipped")
        } else {
            try stage("map pairs") {
                let s = try PairsTask(retrieval: .poses, queryLists: [], database: layout.model, output: databasePairs,
                                      topK: databaseTopK).run(warn: warn)
                say("map pairs: \(s.pairs) database pairs by \(s.method)")
            }
            try stage("map matching") {
                var task = MatchTask(pairsFile: databasePairs, featuresFile: featuresPath, output: databaseMatches,
                                     ratio: ratio, mutual: mutual)
                task.skipMissingFeatures = true
                if let databaseEpipolarThreshold {
                    task.epipolarModel = layout.model
                    task.epipolarThreshold = databaseEpipolarThreshold
                }
                let (update, finish) = progress("match db")
                let s = try task.run(warn: warn, progress: update)
                finish()
                say(String(format: "map matching: %d pairs (%d matches), %d already done, %.1f s", s.matched, s.matches, s.skipped, s.seconds))
            }
            try stage("triangulation") {
                var task = TriangulateTask(referenceModel: layout.model, featuresFile: featuresPath, matchesFile: databaseMatches,
                                           pairsFile: databasePairs, output: map)
                task.imageFolder = layout.imageFolder
                task.threads = threads
                let (update, finish) = progress("triangulate")
                let s = try task.run(warn: warn, progress: update)
                finish()
                say(String(format: "triangulation: %d points from %d tracks (%d of %d matches on their epipolar lines, %d conflicting: their tracks dropped), track length %.2f, error %.2f px, %.1f s",
                           s.points, s.tracks, s.verifiedMatches, s.matches, s.conflictingMatches, s.meanTrackLength, s.meanReprojectionError, s.seconds))
            }
        }
        // 3. Retrieval and query matching.
        try stage("retrieval") {
            var task = PairsTask(retrieval: retrieval, queryLists: layout.queryLists, database: layout.model, output: queryPairs,
                                 topK: topK, featuresFile: featuresPath, globalOutput: path("global-vlad_\(featsName).h5"))
            task.seed = localization.seed
            let s = try task.run(warn: warn)
            say(String(format: "retrieval (%@): %d pairs for %d queries, %.1f s", s.method, s.pairs, s.queries, s.seconds))
        }
        try stage("query matching") {
            var task = MatchTask(pairsFile: queryPairs, featuresFile: featuresPath, output: queryMatches, ratio: ratio, mutual: mutual)
            task.skipMissingFeatures = true
            let (update, finish) = progress("match queries")
            let s = try task.run(warn: warn, progress: update)
            finish()
            say(String(format: "query matching: %d pairs (%d matches), %d already done, %.1f s", s.matched, s.matches, s.skipped, s.seconds))
        }
        // 4. Localization.
        try stage("localization") {
            var task = LocalizeTask(model: map, queryLists: layout.queryLists, featuresFile: featuresPath, matchesFile: queryMatches,
                                    pairsFile: queryPairs, output: summary.results)
            task.options = localization
            task.covisibilityClustering = covisibilityClustering
            task.minInliers = minInliers
            task.threads = threads
            let (update, finish) = progress("localize")
            let s = try task.run(warn: warn, progress: update)
            finish()
            summary.localized = s.localized
            summary.queries = s.queries
            say(String(format: "Localized %d / %d queries (%d fallbacks, %d from an earlier run), %.1f s",
                       s.localized, s.queries, s.fallbacks, s.resumed, s.seconds))
        }
        // 5. Evaluation.
        if let truth = layout.groundTruth {
            let report = try stage("evaluation") {
                try EvaluateTask(resultsPath: summary.results, groundTruthPath: truth, queryListPaths: layout.queryLists,
                                 jsonPath: path("evaluation.json")).run()
            }
            try AtomicFile.write(report.formatTable(), to: path("evaluation.txt"))
            summary.evaluation = report
        }
        func absolute(_ path: String) -> String { URL(fileURLWithPath: path).standardizedFileURL.path }
        let files = RunFiles(imageFolder: absolute(layout.imageFolder), model: absolute(layout.model), queryLists: layout.queryLists.map(absolute),
                             groundTruth: layout.groundTruth.map(absolute), features: absolute(featuresPath), map: absolute(map),
                             queryPairs: absolute(queryPairs), queryMatches: absolute(queryMatches), results: absolute(summary.results),
                             extractOptions: extractOptions(upright: uprightSIFT), matchOptions: matchOptions, localizeOptions: localizeOptions)
        try AtomicFile.write(facts(summary: summary, featsName: featsName, upright: uprightSIFT, files: files), to: path("pipeline.json"))
        try AtomicFile.write(files.shellAssignments, to: path("files.env"))
        if report {
            // The report is a view of the results: a failure to draw it is a warning, not a failed run.
            do { summary.report = try ReportTask(run: output).run(warn: warn) } catch { warn("warning: no report: \(error)") }
        }
        return summary
    }

    /// The options of `reloc extract`, `match` and `localize` that redo this run's query side
    /// (deploy/slurm's sharded array reads them from files.env).
    func extractOptions(upright: Bool) -> [String] {
        var options = ["--features", features.rawValue, "--max-edge", "\(maxEdge)", "--max-keypoints", "\(maxKeypoints)",
                       "--contrast", contrast.rawValue, "--contrast-threshold", "\(contrastThreshold)",
                       "--min-keypoints", "\(resolvedMinimumKeypoints)", "--lowest-contrast-threshold", "\(lowestContrastThreshold)"]
        if upsample { options.append("--upsample") }
        if upright { options.append("--upright") }
        if let weightsFolder { options += ["--weights", URL(fileURLWithPath: weightsFolder).standardizedFileURL.path] }
        return options
    }

    var matchOptions: [String] {
        (ratio.map { ["--ratio", "\($0)"] } ?? []) + (mutual || ratio == nil ? ["--mutual"] : [])
    }

    var localizeOptions: [String] {
        ["--threshold", "\(localization.thresholdPixels)", "--seed", "\(localization.seed)", "--min-inliers", "\(minInliers)"]
            + (covisibilityClustering ? ["--covisibility-clustering"] : [])
    }

    /// Settings, versions and time per stage, as JSON.
    func facts(summary: Summary, featsName: String, upright: Bool, files: RunFiles) -> String {
        let stages = summary.stageSeconds.map { "    {\"stage\": \(jsonString($0.0)), \"seconds\": \(jsonNumber($0.1))}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let filesJSON = String(decoding: (try? encoder.encode(files)) ?? Data("{}".utf8), as: UTF8.self)
        return """
            {
              "reloc": \(jsonString(RelocVersion.description)),
              "dataset": \(jsonString(dataset)),
              "features": \(jsonString(featsName)),
              "retrieval": \(jsonString(retrieval.description)),
              "upright_sift": \(upright),
              "top_k": \(topK),
              "db_top_k": \(databaseTopK),
              "db_epipolar_threshold_px": \(databaseEpipolarThreshold.map { jsonNumber($0) } ?? "null"),
              "ratio": \(ratio.map { "\($0)" } ?? "null"),
              "mutual": \(mutual),
              "threshold_px": \(jsonNumber(localization.thresholdPixels)),
              "covisibility_clustering": \(covisibilityClustering),
              "min_inliers": \(minInliers),
              "localized": \(summary.localized),
              "queries": \(summary.queries),
              "files": \(filesJSON),
              "stages": [
            \(stages.joined(separator: ",\n"))
              ]
            }

            """
    }
}

/// Where a pipeline run's inputs and outputs are, as absolute paths (in `pipeline.json`, for
/// `reloc report`).
public struct RunFiles: Codable, Equatable, Sendable {
    public var imageFolder: String
    public var model: String
    public var queryLists: [String]
    public var groundTruth: String?
    public var features: String
    public var map: String
    public var queryPairs: String
    public var queryMatches: String
    public var results: String
    /// Options of `reloc extract`, `reloc match` and `reloc localize` with this run's settings
    /// (absent from runs before they were recorded).
    public var extractOptions: [String]?
    public var matchOptions: [String]?
    public var localizeOptions: [String]?

    /// `NAME='value'` lines for shell scripts (deploy/slurm): MAP, FEATURES, MATCHES, PAIRS,
    /// QUERIES (space-separated), IMAGES, RESULTS, and EXTRACT_OPTIONS, MATCH_OPTIONS,
    /// LOCALIZE_OPTIONS (space-separated options).
    public var shellAssignments: String {
        func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
        return [("MAP", map), ("FEATURES", features), ("MATCHES", queryMatches), ("PAIRS", queryPairs),
                ("QUERIES", queryLists.joined(separator: " ")), ("IMAGES", imageFolder), ("RESULTS", results),
                ("EXTRACT_OPTIONS", (extractOptions ?? []).joined(separator: " ")),
                ("MATCH_OPTIONS", (matchOptions ?? []).joined(separator: " ")),
                ("LOCALIZE_OPTIONS", (localizeOptions ?? []).joined(separator: " "))]
            .map { "\($0.0)=\(quote($0.1))\n" }.joined()
    }

    enum CodingKeys: String, CodingKey {
        case extractOptions = "extract_options", matchOptions = "match_options", localizeOptions = "localize_options"
        case model, features, map, results
        case imageFolder = "image_folder", queryLists = "query_lists", groundTruth = "ground_truth"
        case queryPairs = "query_pairs", queryMatches = "query_matches"
    }
}
