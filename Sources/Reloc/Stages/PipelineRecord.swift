import Foundation

/// `pipeline.json`: what a `reloc pipeline` run used and did — settings, versions, files, seconds
/// per stage. `reloc report` reads it back (`RunRecord`). Keys in snake case, as hloc's and
/// COLMAP's JSON; absent settings are written as null.
public struct PipelineRecord: Codable, Equatable, Sendable {
    public struct SupportFailures: Codable, Equatable, Sendable {
        public var failed: Int
        public var unsupported: Int
    }

    public struct Covered: Codable, Equatable, Sendable {
        public var covered: Int
        public var queries: Int
    }

    public struct Stage: Codable, Equatable, Sendable {
        public var stage: String
        public var seconds: Double
    }

    public var reloc: String
    public var dataset: String
    public var features: String
    public var retrieval: String
    public var uprightSIFT: Bool
    public var topK: Int
    public var databaseTopK: Int
    public var databaseEpipolarThresholdPixels: Double?
    public var ratio: Float?
    public var mutual: Bool
    /// The matcher of both matching stages (`MatchTask.matcherName`: `lightglue`, `NN-mutual-ratio0.8`).
    public var matcher: String = ""
    /// Re-ranking's global candidates per query (`PairsTask.rerankCandidates`); nil: off.
    public var rerank: Int?
    /// Retrieval recall by condition (`RetrievalRecall`), when the dataset has ground truth.
    public var retrievalRecall: [String: Double]?
    /// Per condition: queries not within the finest threshold, and how many of them had fewer map
    /// points fitting their true pose than the inlier floor (`GroundTruthSupport`).
    public var groundTruthSupport: [String: SupportFailures]?
    /// Per condition: queries the dataset's `coverage.txt` counts as covered (`QueryCoverage`).
    public var coverage: [String: Covered]?
    public var thresholdPixels: Double
    public var covisibilityClustering: Bool
    public var minInliers: Int
    public var localized: Int
    public var queries: Int
    public var files: RunFiles
    /// The run's settings as values (absent from runs recorded before them).
    public var settings: RunSettings?
    public var stages: [Stage]

    enum CodingKeys: String, CodingKey {
        case reloc, dataset, features, retrieval, rerank, coverage, ratio, mutual, matcher, localized, queries, files, settings, stages
        case retrievalRecall = "retrieval_recall", groundTruthSupport = "ground_truth_support"
        case uprightSIFT = "upright_sift", topK = "top_k", databaseTopK = "db_top_k"
        case databaseEpipolarThresholdPixels = "db_epipolar_threshold_px", thresholdPixels = "threshold_px"
        case covisibilityClustering = "covisibility_clustering", minInliers = "min_inliers"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reloc, forKey: .reloc)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(features, forKey: .features)
        try c.encode(retrieval, forKey: .retrieval)
        try c.encode(uprightSIFT, forKey: .uprightSIFT)
        try c.encode(topK, forKey: .topK)
        try c.encode(rerank, forKey: .rerank)  // null when off
        try c.encode(databaseTopK, forKey: .databaseTopK)
        try c.encode(databaseEpipolarThresholdPixels, forKey: .databaseEpipolarThresholdPixels)  // null when off
        try c.encode(ratio, forKey: .ratio)
        try c.encode(mutual, forKey: .mutual)
        try c.encode(matcher, forKey: .matcher)
        try c.encodeIfPresent(retrievalRecall, forKey: .retrievalRecall)
        try c.encodeIfPresent(groundTruthSupport, forKey: .groundTruthSupport)
        try c.encodeIfPresent(coverage, forKey: .coverage)
        try c.encode(thresholdPixels, forKey: .thresholdPixels)
        try c.encode(covisibilityClustering, forKey: .covisibilityClustering)
        try c.encode(minInliers, forKey: .minInliers)
        try c.encode(localized, forKey: .localized)
        try c.encode(queries, forKey: .queries)
        try c.encode(files, forKey: .files)
        try c.encodeIfPresent(settings, forKey: .settings)
        try c.encode(stages, forKey: .stages)
    }

    /// The record as `pipeline.json` holds it (sorted keys, indented).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }
}

/// Where a pipeline run's inputs and outputs are, as absolute paths (in `pipeline.json`, for
/// `reloc report`).
public struct RunFiles: Codable, Equatable, Sendable {
    public var imageFolder: String
    public var model: String
    public var queryLists: [String]
    public var groundTruth: String?
    /// The dataset's `coverage.txt` (synthetic datasets; absent from runs before it).
    public var coverage: String?
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

    public init(imageFolder: String, model: String, queryLists: [String], groundTruth: String? = nil, coverage: String? = nil,
                features: String, map: String, queryPairs: String, queryMatches: String, results: String,
                extractOptions: [String]? = nil, matchOptions: [String]? = nil, localizeOptions: [String]? = nil) {
        self.imageFolder = imageFolder; self.model = model; self.queryLists = queryLists; self.groundTruth = groundTruth
        self.coverage = coverage; self.features = features; self.map = map; self.queryPairs = queryPairs
        self.queryMatches = queryMatches; self.results = results
        self.extractOptions = extractOptions; self.matchOptions = matchOptions; self.localizeOptions = localizeOptions
    }

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
        case model, features, map, results, coverage
        case imageFolder = "image_folder", queryLists = "query_lists", groundTruth = "ground_truth"
        case queryPairs = "query_pairs", queryMatches = "query_matches"
    }
}
