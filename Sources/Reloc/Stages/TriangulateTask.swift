import Features
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
        let features = try FeatureStore(path: featuresFile, mode: .read)
        let matches = try MatchStore(path: matchesFile, mode: .read)
        var summary = Summary()
        summary.images = images.count

        // Keypoints of every database image, in the camera's pixels.
        var index: [String: Int] = [:]
        var cameras: [Camera] = []
        var keypoints: [[Vector2]] = []
        for (i, image) in images.enumerated() {
            index[image.name] = i
            guard let camera = model.cameras[image.cameraID] else {
                throw RelocError.file(file: referenceModel, message: "image '\(image.name)' has no camera \(image.cameraID)")
            }
            cameras.append(camera)
            if features.contains(image.name) {
                keypoints.append(try features.keypoints(image.name, inPixelsOf: camera))
            } else {
                warn("warning: \(featuresFile): no features for database image '\(image.name)'; it gets no 3D points")
                keypoints.append([])
            }
        }
        let normalized = keypoints.enumerated().map { i, points in points.map { cameras[i].normalizedFromImage($0) } }

        // Verified matches → tracks, the most similar matches first (`TrackBuilder` refuses a
        // match that would put two keypoints of one image in a track and drops the tracks it touches).
        var verified: [(score: Float, a: KeypointID, b: KeypointID)] = []
        var seen = Set<String>()
        for pair in try PairsFile.read(path: pairsFile) {
            guard let a = index[pair.first], let b = index[pair.second], a != b else { continue }
            guard seen.insert(a < b ? "\(a) \(b)" : "\(b) \(a)").inserted else { continue }
            guard let pairMatches = try matches.read(pair.first, pair.second) else {
                warn("warning: \(matchesFile): no matches for '\(pair.first) \(pair.second)'")
                continue
            }
            summary.pairs += 1
            let check = EpipolarCheck(cam0FromWorld: images[a].camFromWorld, camera0: cameras[a],
                                      cam1FromWorld: images[b].camFromWorld, camera1: cameras[b])
            for m in pairMatches {
                guard m.index0 < normalized[a].count, m.index1 < normalized[b].count else {
                    throw RelocError.file(file: matchesFile, message: "match \(m.index0)–\(m.index1) of '\(pair.first) \(pair.second)' is out of range of the features in \(featuresFile)")
                }
                summary.matches += 1
                if check.sampsonPixels(normalized[a][m.index0], normalized[b][m.index1]) <= maxEpipolarError {
                    summary.verifiedMatches += 1
                    verified.append((m.score, KeypointID(image: a, keypoint: m.index0), KeypointID(image: b, keypoint: m.index1)))
                }
            }
        }
        var tracks = TrackBuilder(keypointCounts: keypoints.map(\.count))
        let order = verified.indices.sorted { verified[$0].score > verified[$1].score || (verified[$0].score == verified[$1].score && $0 < $1) }
        for k in order where !tracks.union(verified[k].a, verified[k].b) { summary.conflictingMatches += 1 }
        if summary.pairs == 0 {
            warn("warning: \(pairsFile): no database pair with matches; the map gets no 3D points and every query will get a fallback pose")
        }
        let allTracks = tracks.tracks()
        summary.tracks = allTracks.count

        // Triangulate every track in parallel.
        let results = ResultSlots<TrackPoint?>(count: allTracks.count)
        let options = triangulation
        let poses = images.map(\.camFromWorld)
        let (allKeypoints, allCameras) = (keypoints, cameras)
        let done = Counter()
        let report = ProgressRelay(progress)
        parallelFor(allTracks.count, threads: threads) { t in
            results.set(t, Self.triangulate(allTracks[t], keypoints: allKeypoints, cameras: allCameras, poses: poses, options: options))
            let finished = done.take() + 1
            if finished % 10_000 == 0 || finished == allTracks.count { report.send(finished, allTracks.count) }
        }

        // The output model: every keypoint a 2D point; triangulated ones point to their 3D point.
        for (i, image) in images.enumerated() {
            var updated = image
            updated.points2D = keypoints[i].map { ColmapModel.Point2D(xy: $0) }
            model.images[image.id] = updated
        }
        model.points3D = [:]
        var nextID: UInt64 = 1
        var errorSum = 0.0, observations = 0
        for t in 0..<allTracks.count {
            guard let point = results.get(t) else { continue }
            let id = nextID
            nextID += 1
            var track: [ColmapModel.TrackElement] = []
            for element in point.elements {
                let imageID = images[element.image].id
                model.images[imageID]!.points2D[element.keypoint].point3DID = id
                track.append(ColmapModel.TrackElement(imageID: imageID, point2DIndex: UInt32(element.keypoint)))
            }
            model.points3D[id] = ColmapModel.Point3D(xyz: point.xyz, error: point.error, track: track)
            errorSum += point.error * Double(track.count)
            observations += track.count
        }
        if let imageFolder { colourPoints(&model, imageFolder: imageFolder, warn: warn) }
        summary.points = model.points3D.count
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
