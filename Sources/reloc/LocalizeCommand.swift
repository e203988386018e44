import ArgumentParser
import Foundation
import Reloc

struct LocalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "localize",
        abstract: "Localize queries against a triangulated map and write an Aachen v1.1 submission.",
        discussion: """
            Every query gets exactly one line: when no pose is found, the pose of its top \
            retrieved database image (a fallback). A per-query log (JSON lines) goes to \
            OUTPUT_logs.jsonl; a rerun reuses the poses logged there (resume) unless --overwrite.
            """
    )

    @Option(help: "The map (reloc triangulate).") var model: String
    @Option(parsing: .upToNextOption, help: "Query lists with intrinsics.") var queries: [String]
    @Option(help: "Feature file.") var features: String
    @Option(help: "Match file of the query pairs.") var matches: String
    @Option(help: "Query pairs file (retrieval).") var pairs: String
    @Option(help: "Submission file to write.") var output: String
    @Option(help: "RANSAC threshold, pixels.") var threshold: Double = 12
    @Flag(name: .customLong("covisibility-clustering"), help: "Localize against each covisible group of retrieved images; keep the best.")
    var covisibilityClustering = false
    @Option(help: "RANSAC seed.") var seed: UInt64 = 0
    @Option(name: .customLong("min-inliers"), help: "Fewer inliers than this: the fallback pose instead.") var minInliers: Int = 6
    @Option(help: "Log file (default: OUTPUT_logs.jsonl).") var log: String?
    @Option(help: "Worker threads (0: one per core).") var threads: Int = 0
    @Flag(help: "Ignore poses logged by an earlier run.") var overwrite = false
    @Option(name: .customLong("rig-config"), help: "Rig configuration (COLMAP's rig_config.json): localize each frame's images together as one rig pose; also writes rig_poses.txt beside OUTPUT.")
    var rigConfig: String?
    @Option(name: .customLong("rig-poses"), help: "Where the rig poses go (default: rig_poses.txt beside OUTPUT).") var rigPoses: String?
    @Flag(name: .customLong("estimate-focal"), help: "Estimate every query's focal length (P4Pf, then pose and focal refined); queries listed as 'NAME UNKNOWN W H' always are.")
    var estimateFocal = false
    @Flag(name: .customLong("estimate-k1"), help: "With an estimated focal length, refine k1 too (an UNKNOWN camera becomes SIMPLE_RADIAL).")
    var estimateK1 = false
    @Option(name: .customLong("submission-format"), help: "How the submission names the queries: aachen (basename), robotcar (camera/basename), cmu or path (the name relative to the image folder: Cambridge, 7-Scenes).")
    var submissionFormat: SubmissionFormat = .aachen
    @Option(name: .customLong("fuse-with"), help: "A finished reloc pipeline run on the same reference images with other features (repeatable): each query's pose comes from one RANSAC over its correspondences from both runs.")
    var fuseWith: [String] = []
    @Option(help: "Only shard i of n of the queries (0-based, split by a hash of the query's name, as `reloc extract --shard`); join with `reloc merge`.") var shard: String?

    func validate() throws {
        if let shard { _ = try Shard(parsing: shard) }
        try validating { try task(readingRig: false).validate() }
    }

    /// The task; `readingRig`: with the rig configuration read (at run time, so that a bad file
    /// is a run-time error; without it, a placeholder rig stands for --rig-config in validation).
    func task(readingRig: Bool = true) throws -> LocalizeTask {
        var task = LocalizeTask(model: model, queryLists: queries, featuresFile: features, matchesFile: matches, pairsFile: pairs, output: output)
        task.options = .init(thresholdPixels: threshold, seed: seed)
        task.covisibilityClustering = covisibilityClustering
        task.minInliers = minInliers
        task.logPath = log
        task.threads = threads
        task.overwrite = overwrite
        task.shard = try shard.map { try Shard(parsing: $0) }
        task.estimateFocal = estimateFocal
        task.refineK1 = estimateK1
        task.rig = try rigConfig.map { readingRig ? try RigConfig.read(path: $0) : RigConfig(rigs: []) }
        task.rigPosesPath = rigPoses
        task.submissionFormat = submissionFormat
        if readingRig { task.fusedRuns = try fuseWith.map { try LocalizeTask.FusedRun(run: $0) } }
        return task
    }

    func run() throws {
        let task = try task()
        let progress = Progress(label: "localize")
        let s = try task.run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, progress: progress.update)
        progress.finish()
        print(String(format: "Localized %d / %d queries (%d fallbacks, %d reused from the log); wrote %@ in %.1f s",
                     s.localized, s.queries, s.fallbacks, s.resumed, output, s.seconds))
    }
}
