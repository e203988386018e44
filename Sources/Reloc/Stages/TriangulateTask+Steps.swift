import Features
import Formats
import Foundation
import Geometry

/// The four steps of `TriangulateTask.run`: the database's keypoints, the matches that fit the
/// known epipolar geometry, tracks, and a 3D point per track written into the model.
extension TriangulateTask {
    /// The database images (the reference model's, sorted) with their cameras and keypoints in
    /// each camera's pixels (none for an image without features).
    struct Database {
        var images: [ColmapModel.ModelImage]
        var index: [String: Int]
        var cameras: [Camera]
        var keypoints: [[Vector2]]
        /// `keypoints` unprojected to normalized coordinates.
        var normalized: [[Vector2]]
    }

    /// - Throws: `RelocError.file` for an image without its camera or an unreadable store.
    func loadKeypoints(_ images: [ColmapModel.ModelImage], model: ColmapModel, warn: (String) -> Void) throws -> Database {
        let features = try FeatureStore(path: featuresFile, mode: .read)
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
        return Database(images: images, index: index, cameras: cameras, keypoints: keypoints, normalized: normalized)
    }

    /// Every match of the pairs file within `maxEpipolarError` of its epipolar line (Sampson,
    /// pixels), with its score; each unordered pair once.
    /// - Throws: `RelocError.file` for a match out of range of the features.
    func verifiedMatches(_ database: Database, summary: inout Summary, warn: (String) -> Void) throws
        -> [(score: Float, a: KeypointID, b: KeypointID)] {
        let matches = try MatchStore(path: matchesFile, mode: .read)
        let (images, cameras, normalized) = (database.images, database.cameras, database.normalized)
        var verified: [(score: Float, a: KeypointID, b: KeypointID)] = []
        var seen = Set<String>()
        for pair in try PairsFile.read(path: pairsFile) {
            guard let a = database.index[pair.first], let b = database.index[pair.second], a != b else { continue }
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
        if summary.pairs == 0 {
            warn("warning: \(pairsFile): no database pair with matches; the map gets no 3D points and every query will get a fallback pose")
        }
        return verified
    }

    /// Tracks from the verified matches, the most similar first (`TrackBuilder` refuses a match
    /// that would put two keypoints of one image in a track and drops the tracks it touches).
    func buildTracks(_ verified: [(score: Float, a: KeypointID, b: KeypointID)], keypointCounts: [Int],
                     summary: inout Summary) -> [[KeypointID]] {
        var tracks = TrackBuilder(keypointCounts: keypointCounts)
        let order = verified.indices.sorted { verified[$0].score > verified[$1].score || (verified[$0].score == verified[$1].score && $0 < $1) }
        for k in order where !tracks.union(verified[k].a, verified[k].b) { summary.conflictingMatches += 1 }
        let all = tracks.tracks()
        summary.tracks = all.count
        return all
    }

    /// Every track triangulated in parallel (nil where it gives no point), in the tracks' order.
    func triangulateAll(_ tracks: [[KeypointID]], _ database: Database, progress: ((Int, Int) -> Void)?) -> [TrackPoint?] {
        let results = ResultSlots<TrackPoint?>(count: tracks.count)
        let options = triangulation
        let poses = database.images.map(\.camFromWorld)
        let (keypoints, cameras) = (database.keypoints, database.cameras)
        let done = Counter()
        let report = ProgressRelay(progress)
        parallelFor(tracks.count, threads: threads) { t in
            results.set(t, Self.triangulate(tracks[t], keypoints: keypoints, cameras: cameras, poses: poses, options: options))
            let finished = done.take() + 1
            if finished % 10_000 == 0 || finished == tracks.count { report.send(finished, tracks.count) }
        }
        return (0..<tracks.count).map { results.get($0) }
    }

    /// The output model: every keypoint a 2D point; triangulated ones point to their 3D point
    /// (ids from 1 in the tracks' order).
    func writePoints(_ points: [TrackPoint?], into model: inout ColmapModel, _ database: Database) {
        for (i, image) in database.images.enumerated() {
            var updated = image
            updated.points2D = database.keypoints[i].map { ColmapModel.Point2D(xy: $0) }
            model.images[image.id] = updated
        }
        model.points3D = [:]
        var nextID: UInt64 = 1
        for case let point? in points {
            let id = nextID
            nextID += 1
            var track: [ColmapModel.TrackElement] = []
            for element in point.elements {
                let imageID = database.images[element.image].id
                model.images[imageID]!.points2D[element.keypoint].point3DID = id
                track.append(ColmapModel.TrackElement(imageID: imageID, point2DIndex: UInt32(element.keypoint)))
            }
            model.points3D[id] = ColmapModel.Point3D(xyz: point.xyz, error: point.error, track: track)
        }
    }
}
