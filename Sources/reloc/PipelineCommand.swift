import ArgumentParser
import Foundation
import Reloc

struct PipelineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Run every stage on a dataset folder: features, map, retrieval, matching, localization, evaluation.",
        discussion: """
            DS follows the Aachen-like layout (images/ or images/images_upright/, 3D-models/NAME/, \
            queries/*_queries_with_intrinsics.txt, optional ground_truth.txt). Writes OUT/results.txt \
            and, with ground truth, OUT/evaluation.txt and .json. Finished work is reused on a rerun.
            """
    )

    @Option(help: "Dataset folder.") var dataset: String
    @Option(help: "Output folder.") var output: String
    @Option(help: "Model folder under DS/3D-models (when there are several).") var model: String?
    @Option(help: ArgumentHelp(FeatureKind.optionHelp)) var features: ExtractTask.Kind = .rootsift
    @OptionGroup var extraction: FeatureArguments
    @Option(help: "Contrast stretching before detection: off, on, adaptive (only images with few keypoints).")
    var contrast: ExtractionSettings.Contrast = .adaptive
    @Option(help: "SIFT without orientations: auto (on when the reference cameras agree on which way is down), on or off.")
    var upright: PipelineTask.UprightMode = .auto
    @Option(help: "vlad, exhaustive, pairs:FILE or global:FILE.h5.") var retrieval: RetrievalMethod = .vlad
    @Option(name: .customLong("top-k"), help: "Database images matched per query (default 20; with LightGlue 5, its pair budget).") var topK: Int?
    @Option(help: "Re-rank: retrieve this many database images per query, keep the --top-k with the most local matches (default with LightGlue: the larger of 20 and 3 x --top-k; off otherwise; 0: off).")
    var rerank: Int?
    @Option(name: .customLong("db-top-k"), help: "Neighbours per database image for the map (default 20; with LightGlue 5, its pair budget).") var dbTopK: Int?
    @Option(name: .customLong("db-epipolar-threshold"),
            help: "Map matching guided by the reference poses: database pairs are matched only among keypoints within this many pixels of the epipolar line (0: unguided).")
    var dbEpipolarThreshold: Double = 0
    @OptionGroup var matching: MatcherArguments
    @Option(help: "Nearest-neighbour matching: Lowe's ratio (1 disables; default 0.95 for DISK, 0.8 otherwise).") var ratio: Float?
    @Option(name: .customLong("min-cosine"),
            help: "Nearest-neighbour matching: keep matches whose descriptors' cosine similarity is at least this (-1 disables; default \(FeatureKind.defaultsHelp { $0.defaultMinCosine }), none for the others).")
    var minCosine: Float?
    @Flag(name: .customLong("match-to-points"),
          help: "Match each query only to the database keypoints that have a 3D point in the map (the ones its matches can localize with): 2-3x faster query matching, here and in reloc serve.")
    var matchToPoints = false
    @Option(name: .customLong("fuse-with"),
            help: "A finished reloc pipeline run on the same dataset with other features (repeatable): each query's pose comes from one RANSAC over its correspondences from this run and that one (e.g. XFeat fused with RootSIFT).")
    var fuseWith: [String] = []
    @Option(help: "RANSAC threshold, pixels.") var threshold: Double = 12
    @Flag(name: .customLong("covisibility-clustering"), help: "Localize against each covisible group of retrieved images.")
    var covisibilityClustering = false
    @Option(name: .customLong("min-inliers"), help: "Fewer inliers than this: the fallback pose instead.") var minInliers: Int = 6
    @Option(name: .customLong("rig-config"), help: "Rig configuration (COLMAP's rig_config.json): localize each frame's images together as one rig pose; also writes rig_poses.txt.")
    var rigConfig: String?
    @Flag(name: .customLong("estimate-focal"), help: "Estimate every query's focal length; queries listed as 'NAME UNKNOWN W H' always are.")
    var estimateFocal = false
    @Flag(name: .customLong("estimate-k1"), help: "With an estimated focal length, refine k1 too.") var estimateK1 = false
    @Option(help: "Worker threads (0: one per core).") var threads: Int = 0
    @Option(help: "RANSAC / vocabulary seed.") var seed: UInt64 = 0
    @Flag(name: .customLong("no-report"), help: "Do not write OUT/report.html.") var noReport = false
    @Flag(help: "Recompute everything instead of reusing earlier work.") var overwrite = false
    @Option(name: .customLong("submission-format"), help: "How results.txt names the queries: aachen (basename), robotcar (camera/basename), cmu or path (default: what `reloc import` recorded in DS/dataset.json, else aachen).")
    var submissionFormat: SubmissionFormat?

    func validate() throws {
        try validating { try task().validate() }
    }

    func task() throws -> PipelineTask {
        var task = PipelineTask(dataset: dataset, output: output)
        task.modelName = model
        task.extraction = extraction.settings(kind: features, contrast: contrast)
        task.upright = upright
        task.retrieval = retrieval
        // 0 turns guided map matching off, 1 the ratio test (the library says nil).
        task.databaseEpipolarThreshold = dbEpipolarThreshold != 0 ? dbEpipolarThreshold : nil
        task.setMatching(ratio: ratio, minCosine: minCosine, lightGlue: try matching.lightGlue(featuresName: features.rawValue, weightsFolder: extraction.weights),
                         rerank: rerank, topK: topK, databaseTopK: dbTopK)
        task.matchToPoints = matchToPoints
        task.fuseWith = fuseWith
        task.localization = .init(thresholdPixels: threshold, seed: seed)
        task.covisibilityClustering = covisibilityClustering
        task.minInliers = minInliers
        task.rigConfig = rigConfig
        task.estimateFocal = estimateFocal
        task.refineK1 = estimateK1
        task.threads = threads
        task.overwrite = overwrite
        task.report = !noReport
        task.submissionFormat = submissionFormat
        return task
    }

    func run() throws {
        let summary = try task().run(
            say: { print($0) },
            warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) },
            progress: { label in
                let progress = Progress(label: label)
                return (progress.update, progress.finish)
            })
        print("wrote \(summary.results)" + (summary.report.map { " and \($0)" } ?? ""))
        if let report = summary.evaluation {
            print()
            print(report.formatTable(), terminator: "")
        }
    }
}
