import Formats
import Foundation
import Geometry

/// Localizing one query: its inputs (keypoints, retrieved images, matches), its 2D-3D
/// correspondences and the pose, as `reloc localize` runs it for each query of a batch and
/// `reloc serve` for each request (the same functions).
extension LocalizeTask {
    /// What one query needs, read from the files on the reading thread.
    struct QueryInput: Sendable {
        var entry: QueryEntry
        var keypoints: [Vector2]?
        /// Retrieved database images in the map (indices into `MapIndex.images`), in retrieval order.
        var retrieved: [Int]
        /// For each retrieved image, (query keypoint, database keypoint) matches.
        var matches: [[(Int, Int)]]
    }

    /// The per-query settings `localize` and `localizeFrame` share.
    struct UnitSettings: Sendable {
        var options: AbsolutePoseOptions
        var clustering: Bool
        var minInliers: Int
        var estimateFocal: Bool
        var refineK1: Bool
    }

    /// A fresh log entry for a query, its pose the fallback (the top retrieved image's).
    static func fallbackEntry(_ input: QueryInput, map: MapIndex) -> LocalizationLogEntry {
        let fallbackPose = input.retrieved.first.map { map.images[$0].camFromWorld } ?? map.images[0].camFromWorld
        return LocalizationLogEntry(query: input.entry.name, localized: false, fallback: nil, retrieved: input.retrieved.count,
                                    clusters: 0, matches: input.matches.reduce(0) { $0 + $1.count }, correspondences: 0,
                                    inliers: 0, ransacIterations: 0, seconds: 0, pose: values(fallbackPose))
    }

    /// The query's 2D-3D correspondences through the retrieved images of `cluster`, each
    /// (query keypoint, 3D point) once, with the 3D points' ids.
    static func correspondences(_ input: QueryInput, keypoints: [Vector2], cluster: [Int], map: MapIndex)
        -> (points2D: [Vector2], points3D: [Vector3], pointIDs: [UInt64]) {
        // The retrieved images' positions in `input.matches`: the whole list (no lookup), or a cluster's.
        let position = cluster == input.retrieved ? [:] : Dictionary(uniqueKeysWithValues: input.retrieved.enumerated().map { ($1, $0) })
        var seen = Set<SIMD2<UInt64>>()
        var points2D: [Vector2] = [], points3D: [Vector3] = [], pointIDs: [UInt64] = []
        for (k, image) in cluster.enumerated() {
            for (q, d) in input.matches[position.isEmpty ? k : position[image]!] {
                guard let point = map.point(image: image, keypoint: d) else { continue }
                let id = map.pointID(point)
                guard seen.insert(SIMD2(UInt64(q), id)).inserted else { continue }
                points2D.append(keypoints[q])
                points3D.append(map.position(point))
                pointIDs.append(id)
            }
        }
        return (points2D, points3D, pointIDs)
    }

    /// One estimate: the pose, its inliers and RANSAC iterations, and the camera when its focal was estimated.
    struct Estimate {
        var camFromWorld: Rigid3
        var inliers: Int
        var iterations: Int
        var camera: Camera?
        var focalSigma: Double?
    }

    static func localize(_ input: QueryInput, map: MapIndex, settings: UnitSettings) -> LocalizationLogEntry {
        let start = Date()
        var entry = fallbackEntry(input, map: map)
        guard let keypoints = input.keypoints else {
            entry.fallback = "no features"
            entry.seconds = Date().timeIntervalSince(start)
            return entry
        }
        guard !input.retrieved.isEmpty else {
            entry.fallback = "no retrieved image in the map (pose of the map's first image)"
            entry.seconds = Date().timeIntervalSince(start)
            return entry
        }
        let clusters = settings.clustering ? map.covisibilityClusters(input.retrieved) : [input.retrieved]
        entry.clusters = clusters.count
        let withFocal = settings.estimateFocal || input.entry.focalUnknown
        var best: (estimate: Estimate, correspondences: Int)?
        for cluster in clusters {
            let (points2D, points3D, _) = correspondences(input, keypoints: keypoints, cluster: cluster, map: map)
            let estimate: Estimate?
            if withFocal {
                var camera = input.entry.camera
                if settings.refineK1 && camera.model == .simplePinhole, let radial = try? Camera(model: .simpleRadial, width: camera.width,
                                                                                                height: camera.height, params: camera.params + [0]) {
                    camera = radial
                }
                let options = FocalAbsolutePoseOptions(pose: settings.options, refineK1: settings.refineK1 && camera.model.hasDistortion)
                estimate = (try? estimateAbsolutePoseWithUnknownFocal(points2D: points2D, points3D: points3D, camera: camera, options: options))
                    .flatMap { $0 }
                    .map { Estimate(camFromWorld: $0.pose.camFromWorld, inliers: $0.pose.inlierCount, iterations: $0.pose.ransacIterations,
                                    camera: $0.camera, focalSigma: $0.focalStandardDeviation) }
            } else {
                estimate = (try? estimateAbsolutePose(points2D: points2D, points3D: points3D, camera: input.entry.camera, options: settings.options))
                    .flatMap { $0 }
                    .map { Estimate(camFromWorld: $0.camFromWorld, inliers: $0.inlierCount, iterations: $0.ransacIterations, camera: nil) }
            }
            guard let estimate else { continue }
            if best == nil || estimate.inliers > best!.estimate.inliers { best = (estimate, points2D.count) }
            if !settings.clustering { break }
        }
        if let best {
            entry.inliers = best.estimate.inliers
            entry.correspondences = best.correspondences
            entry.ransacIterations = best.estimate.iterations
        }
        if let best, best.estimate.inliers >= settings.minInliers {
            entry.localized = true
            entry.pose = values(best.estimate.camFromWorld)
            if let camera = best.estimate.camera {
                entry.focal = camera.meanFocal
                entry.focalSigma = best.estimate.focalSigma
                if settings.refineK1, let k1 = camera.model.k1Index { entry.k1 = camera.params[k1] }
            }
        } else if best != nil {
            entry.fallback = "only \(entry.inliers) inliers, fewer than \(settings.minInliers) (pose of the top retrieved image)"
        } else {
            entry.fallback = "no pose found (pose of the top retrieved image)"
        }
        entry.seconds = Date().timeIntervalSince(start)
        return entry
    }
}
