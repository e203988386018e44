import Foundation

/// The files of a `reloc pipeline` run in its output folder. The stage outputs carry hloc-style
/// names built by the stages' own naming (`ExtractTask.featuresName`, `MatchTask.matcherName`,
/// `RetrievalMethod.fileNameTag`), so changed settings never reuse stale files:
///
///     feats-<kind>-n<keypoints>-r<edge>[-<contrast>...].h5   extract (db + queries)
///     pairs-db-poses<k>.txt, matches-db_<feats>_<matcher>_db<k>.h5   map pairs from the reference poses
///     sfm_<feats>_<matcher>_db<k>/                          triangulated map (COLMAP binary)
///     global-vlad_<feats>.h5, pairs-query-<retrieval><k>.txt, matches-query_<feats>_<matcher>_<retrieval><k>.h5
///     results.txt (+ results.txt_logs.jsonl)                 Aachen v1.1 submission
///     rig_poses.txt                                          with --rig-config: rig_from_world per frame
///     evaluation.txt, evaluation.json                        when the dataset has ground truth
///     gt_support.txt                                         with ground truth: map points fitting each query's true pose
///     pipeline.json                                          settings, files and time per stage (`PipelineRecord`)
///     files.env                                              the stage files as shell variables (deploy/slurm)
///     report.html                                            `reloc report`
///     serve-<feats>.rlsf                                     `reloc serve`'s database features, read in place (`ServeFeatureFile`)
public struct PipelineFiles: Equatable, Sendable {
    public var folder: String
    public var features: String
    public var databasePairs: String
    public var databaseMatches: String
    public var map: String
    public var globalDescriptors: String
    public var queryPairs: String
    public var queryMatches: String
    public var results: String
    public var log: String { results + "_logs.jsonl" }
    public var rigPoses: String { path("rig_poses.txt") }
    public var evaluationText: String { path("evaluation.txt") }
    public var evaluationJSON: String { path("evaluation.json") }
    public var groundTruthSupport: String { path("gt_support.txt") }
    public var record: String { path("pipeline.json") }
    public var shellVariables: String { path("files.env") }

    /// - Parameters:
    ///   - featuresName: the feature store's name without `.h5` (`ExtractTask.featuresName`).
    ///   - databaseMatcher, queryMatcher: `MatchTask.matcherName` of the map's and the queries' matching.
    ///   - retrieval: `RetrievalMethod.fileNameTag`.
    public init(folder: String, featuresName: String, databaseMatcher: String, databaseTopK: Int,
                queryMatcher: String, retrieval: String, topK: Int) {
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        self.folder = folder
        features = path(featuresName + ".h5")
        databasePairs = path("pairs-db-poses\(databaseTopK).txt")
        databaseMatches = path("matches-db_\(featuresName)_\(databaseMatcher)_db\(databaseTopK).h5")
        map = path("sfm_\(featuresName)_\(databaseMatcher)_db\(databaseTopK)")
        globalDescriptors = path("global-vlad_\(featuresName).h5")
        queryPairs = path("pairs-query-\(retrieval)\(topK).txt")
        queryMatches = path("matches-query_\(featuresName)_\(queryMatcher)_\(retrieval)\(topK).h5")
        results = path("results.txt")
    }

    private func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }

    /// What `--overwrite` removes before a run: every stage's output.
    public var stageOutputs: [String] {
        [features, databasePairs, databaseMatches, map, queryPairs, queryMatches, results, log, rigPoses, globalDescriptors]
    }
}
