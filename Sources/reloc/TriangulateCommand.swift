import ArgumentParser
import Foundation
import Reloc

struct TriangulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "triangulate",
        abstract: "Build the map: triangulate database matches with the reference model's known poses.",
        discussion: """
            Matches are checked against the known epipolar geometry, joined into tracks and \
            triangulated (reprojection error and triangulation angle filters, refinement). The \
            output is a COLMAP model (binary unless --format txt) whose images hold every keypoint \
            of the features as 2D points.
            """
    )

    @Option(help: "Reference COLMAP model (poses and intrinsics; points are ignored).") var model: String
    @Option(help: "Feature file of the database images.") var features: String
    @Option(help: "Match file of the database pairs.") var matches: String
    @Option(help: "Database pairs file (reloc pairs --retrieval poses).") var pairs: String
    @Option(help: "Folder of the model to write.") var output: String
    @Option(help: "Image folder, to colour the points (optional).") var images: String?
    @Option(name: .customLong("max-epipolar-error"), help: "Sampson distance threshold, pixels.") var maxEpipolarError: Double = 4
    @Option(name: .customLong("max-reprojection-error"), help: "Reprojection error threshold, pixels.") var maxReprojectionError: Double = 4
    @Option(name: .customLong("min-angle"), help: "Minimum triangulation angle, degrees.") var minAngle: Double = 1.5
    @Option(help: "txt or bin.") var format: String = "bin"
    @Option(help: "Worker threads (0: one per core).") var threads: Int = 0

    func validate() throws {
        guard maxEpipolarError > 0, maxReprojectionError > 0, minAngle >= 0 else { throw ValidationError("thresholds must be positive") }
        guard ["txt", "bin"].contains(format) else { throw ValidationError("--format must be txt or bin") }
    }

    func run() throws {
        var task = TriangulateTask(referenceModel: model, featuresFile: features, matchesFile: matches, pairsFile: pairs, output: output)
        task.maxEpipolarError = maxEpipolarError
        task.triangulation = .init(maxReprojectionError: maxReprojectionError, minTriangulationAngleDegrees: minAngle)
        task.imageFolder = images
        task.format = format == "txt" ? .text : .binary
        task.threads = threads
        let progress = Progress(label: "triangulate")
        let s = try task.run(warn: { FileHandle.standardError.write(Data("\($0)\n".utf8)) }, progress: progress.update)
        progress.finish()
        print(String(format: "%d points from %d tracks (%d of %d matches on their epipolar lines, %d pairs; %d of those would join two keypoints of one image: refused, their tracks dropped), mean track length %.2f, mean error %.2f px; wrote %@ in %.1f s",
                     s.points, s.tracks, s.verifiedMatches, s.matches, s.pairs, s.conflictingMatches, s.meanTrackLength, s.meanReprojectionError, output, s.seconds))
    }
}
