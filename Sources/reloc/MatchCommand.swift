import ArgumentParser
import Foundation
import Reloc

struct MatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Match the features of image pairs (LightGlue or nearest neighbours) into an HDF5 file in hloc's layout.",
        discussion: "Resumable: pairs already in the output, in either order, are skipped unless --overwrite."
    )

    @Option(help: "Pairs file: 'name0 name1' per line.") var pairs: String
    @Option(help: "Feature file (reloc extract or hloc); repeat to read several (the first holding an image wins), e.g. the database's and a shard's query features.")
    var features: [String]
    @Option(help: "Match file to write.") var output: String
    @OptionGroup var matching: MatcherArguments
    @Option(help: "Folder of the published weights (LightGlue's for ALIKED and DISK).") var weights: String = PublishedWeights.defaultFolder
    @Option(help: "Nearest neighbours: Lowe's ratio test threshold (off when not given).") var ratio: Float?
    @Flag(help: "Keep only mutual nearest neighbours (the default when --ratio is not given).") var mutual = false
    @Option(name: .customLong("min-cosine"), help: "Nearest neighbours: keep matches whose descriptors' cosine similarity is at least this (XFeat's published 0.82; off when not given).")
    var minCosine: Float?
    @Flag(help: "Match pairs already in the output again.") var overwrite = false
    @Option(help: "Only the pairs whose first image is in shard i of n (0-based; split as `reloc extract --shard`).")
    var shard: String?
    @Option(name: .customLong("epipolar-model"),
            help: "Guided matching: a COLMAP model with trusted poses; pairs of its images are matched only among keypoints near each other's epipolar line.")
    var epipolarModel: String?
    @Option(name: .customLong("epipolar-threshold"), help: "With --epipolar-model: the largest distance to the epipolar line, in pixels.")
    var epipolarThreshold: Double = 4
    @Option(name: .customLong("points-model"),
            help: "A triangulated map made from these features (reloc triangulate's output): the second image of each pair it holds is matched only by its keypoints with a 3D point, the ones a query's matches can localize with.")
    var pointsModel: String?

    func validate() throws {
        if let shard { _ = try Shard(parsing: shard) }
        guard !features.isEmpty else { throw ValidationError("--features needs a feature file") }
        if let ratio, !(ratio > 0 && ratio <= 1) { throw ValidationError("--ratio must be in (0, 1]") }
        if let minCosine, !(minCosine >= -1 && minCosine <= 1) { throw ValidationError("--min-cosine must be in [-1, 1]") }
        guard epipolarThreshold > 0 else { throw ValidationError("--epipolar-threshold must be positive") }
        try validating { try task(resolvingMatcher: false).validate() }
    }

    /// The task; `resolvingMatcher`: with LightGlue when the features call for it, which reads the
    /// features store's record (at run time, so that a bad store is a run-time error, not a usage one).
    func task(resolvingMatcher: Bool = true) throws -> MatchTask {
        var task = MatchTask(pairsFile: pairs, featuresFile: features[0], output: output, ratio: ratio,
                             mutual: MatchTask.nearestNeighbourOptions(ratio: ratio, mutual: mutual).mutual, minCosine: minCosine, overwrite: overwrite)
        task.moreFeatureFiles = Array(features.dropFirst())
        task.shard = try shard.map { try Shard(parsing: $0) }
        task.epipolarModel = epipolarModel
        task.epipolarThreshold = epipolarThreshold
        task.pointsModel = pointsModel
        if resolvingMatcher { task.lightGlue = try matching.lightGlue(featuresName: features[0], weightsFolder: weights) }
        return task
    }

    func run() throws {
        let task = try task()
        print("matcher: \(task.matcherDescription)")
        let progress = Progress(label: "match")
        let summary = try task.run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, progress: progress.update)
        progress.finish()
        print(String(format: "matched %d pairs (%d matches), skipped %d already in %@, %.1f s",
                     summary.matched, summary.matches, summary.skipped, output, summary.seconds))
    }
}
