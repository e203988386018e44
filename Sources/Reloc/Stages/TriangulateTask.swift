import Features
import Formats
import Foundation
import Geometry

/// `reloc triangulate`: the map. The reference model's poses and intrinsics stay fixed; our
/// database features and matches become 3D points: matches checked against the known epipolar
/// geometry (Sampson distance), tracks by union-find, multi-view triangulation with the known
/// poses (`triangulatePoint`: reprojection ≤ 4 px, angle ≥ 1.5°, refined), one observation per
/// image and track. The output is a COLMAP model whose images list every keypoint of our
/// features as their 2D points (point2D index = keypoint index), as hloc's reference models do.
public struct TriangulateTask: Sendable {
    public var referenceModel: String
    public var featuresFile: String
    public var matchesFile: String
    public var pairsFile: String
    public var output: String
    /// Matches farther than this from their epipolar line (Sampson, pixels) are dropped.
    public var maxEpipolarError: Double = 4
    public var triangulation = TriangulationOptions()
    /// The image folder, to colour the points (optional).
    public var imageFolder: String?
    public var format: ColmapFormat = .binary
    public var threads = 0

    public init(referenceModel: String, featuresFile: String, matchesFile: String, pairsFile: String, output: String) {
        self.referenceModel = referenceModel; self.featuresFile = featuresFile; self.matchesFile = matchesFile
        self.pairsFile = pairsFile; self.output = output
    }

    public struct Summary: Sendable {
        public var images = 0
        public var pairs = 0
        public var matches = 0
        public var verifiedMatches = 0
        /// Verified matches refused because they would join two keypoints of one image (their
        /// tracks are dropped).
        public var conflictingMatches = 0
        public var tracks = 0
        public var points = 0
        public var meanTrackLength = 0.0
        public var meanReprojectionError = 0.0
        public var seconds = 0.0
    }

    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        guard maxEpipolarError > 0 else { throw RelocError.invalidArgument("the epipolar threshold must be positive") }
        var model = try ColmapModel.read(folder: referenceModel, content: .camerasAndPoses)
        let images = model.sortedImages
        guard !images.isEmpty else { throw RelocError.file(file: referenceModel, message: "the model has no images") }
        var summary = Summary()
        summary.images = images.count
        let database = try loadKeypoints(images, model: model, warn: warn)
        let verified = try verifiedMatches(database, summary: &summary, warn: warn)
        let tracks = buildTracks(verified, keypointCounts: database.keypoints.map(\.count), summary: &summary)
        let points = triangulateAll(tracks, database, progress: progress)
        writePoints(points, into: &model, database)
        if let imageFolder { colourPoints(&model, imageFolder: imageFolder, warn: warn) }
        summary.points = model.points3D.count
        let observations = points.compactMap { $0 }.reduce(0) { $0 + $1.elements.count }
        let errorSum = points.compactMap { $0 }.reduce(0.0) { $0 + $1.error * Double($1.elements.count) }
        summary.meanTrackLength = summary.points > 0 ? Double(observations) / Double(summary.points) : 0
        summary.meanReprojectionError = observations > 0 ? errorSum / Double(observations) : 0
        try model.writeAtomically(folder: output, format: format)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    struct TrackPoint: Sendable {
        var xyz: Vector3
        var error: Double
        var elements: [KeypointID]
    }

    /// Triangulates one track (at most one keypoint per image, `TrackBuilder`) and keeps its
    /// inlier observations. nil when fewer than two remain.
    static func triangulate(_ track: [KeypointID], keypoints: [[Vector2]], cameras: [Camera], poses: [Rigid3],
                            options: TriangulationOptions) -> TrackPoint? {
        let observations = track.map {
            TriangulationObservation(camFromWorld: poses[$0.image], camera: cameras[$0.image], pixel: keypoints[$0.image][$0.keypoint])
        }
        guard let point = try? triangulatePoint(observations, options: options) else { return nil }
        let kept = track.indices.filter { point.inlierMask[$0] }
        guard kept.count >= 2 else { return nil }
        return TrackPoint(xyz: point.point, error: kept.map { point.reprojectionErrors[$0] }.reduce(0, +) / Double(kept.count),
                          elements: kept.map { track[$0] })
    }

    /// Colours each point from its first observation's image (nearest pixel).
    func colourPoints(_ model: inout ColmapModel, imageFolder: String, warn: (String) -> Void) {
        var byImage: [UInt32: [(UInt64, Vector2)]] = [:]
        for (id, point) in model.points3D {
            guard let first = point.track.first, let image = model.images[first.imageID] else { continue }
            byImage[first.imageID, default: []].append((id, image.points2D[Int(first.point2DIndex)].xy))
        }
        for (imageID, points) in byImage {
            let name = model.images[imageID]!.name
            let path = (imageFolder as NSString).appendingPathComponent(name)
            guard let image = try? ImageFile.read(path: path, channels: 3) else {
                warn("warning: \(path): cannot read to colour the points; left black")
                continue
            }
            let camera = model.cameras[model.images[imageID]!.cameraID]!
            let sx = Double(image.width) / Double(camera.width), sy = Double(image.height) / Double(camera.height)
            for (id, xy) in points {
                let x = min(image.width - 1, max(0, Int(xy.x * sx))), y = min(image.height - 1, max(0, Int(xy.y * sy)))
                let o = (y * image.width + x) * 3
                model.points3D[id]!.color = SIMD3(image.pixels[o], image.pixels[o + 1], image.pixels[o + 2])
            }
        }
    }
}
