import Formats
import Foundation
import Geometry

/// Whether a query's 2D-3D correspondences held its true pose at all: the distinct map points
/// whose correspondence the ground-truth pose reprojects within the RANSAC threshold. A query
/// that failed with fewer such points than the inlier floor could not have been localized by
/// any estimator from those correspondences (the map or the matches fall short); one that
/// failed with more had its true pose within reach and lost it to another pose. This separates
/// what better retrieval, matching or map building can fix from what the estimator can.
///
/// Measured on the correspondences of all retrieved images together, as localization without
/// covisibility clustering uses them. Queries whose focal length is estimated have no trusted
/// camera to project with and are left out.
public struct GroundTruthSupport: Sendable {
    public struct Query: Equatable, Sendable {
        public var name: String
        public var condition: String
        /// Distinct 3D points with a correspondence that fits the true pose.
        public var supportedPoints: Int
        /// The query's 2D-3D correspondences (each query keypoint and 3D point once).
        public var correspondences: Int
    }

    /// Failures (not within the threshold) of one condition, and how many of them lacked support.
    public struct Failures: Equatable, Sendable {
        public var condition: String
        public var queries = 0
        public var failed = 0
        /// Failed with fewer supported points than the inlier floor.
        public var unsupported = 0
    }

    public var queries: [Query]
    public var thresholdPixels: Double
    public var minInliers: Int

    /// Counts one query's supported points. `points2D[k]` corresponds to `points3D[k]`; `pointIDs[k]`
    /// names the 3D point, so several keypoints on one point count once.
    public static func supportedPoints(points2D: [Vector2], points3D: [Vector3], pointIDs: [UInt64], camera: Camera,
                                       camFromWorld: Rigid3, thresholdPixels: Double) -> Int {
        var supported = Set<UInt64>()
        let squaredThreshold = thresholdPixels * thresholdPixels
        for k in points2D.indices {
            guard let pixel = camera.imageFromCamera(camFromWorld.apply(points3D[k])) else { continue }
            let d = pixel - points2D[k]
            if d.x * d.x + d.y * d.y <= squaredThreshold { supported.insert(pointIDs[k]) }
        }
        return supported.count
    }

    /// Per condition (`all` first), the queries the evaluation did not place within `threshold` and
    /// how many of those had fewer supported points than the inlier floor.
    public func failures(_ report: EvaluationReport, within threshold: ErrorThreshold) -> [Failures] {
        // The evaluation names queries as the ground truth does (by path, or by basename).
        let supportByName = QueryNameIndex(queries.map { ($0.name, $0.supportedPoints) })
        var byCondition: [String: Failures] = [:]
        for error in report.queries {
            guard let support = supportByName[error.name] ?? supportByName[imageBasename(error.name)] else { continue }
            let within = error.positionError <= threshold.meters && error.rotationErrorDegrees <= threshold.degrees
            for key in ["all"] + (error.condition.map { [$0] } ?? []) {
                var f = byCondition[key] ?? Failures(condition: key)
                f.queries += 1
                if !within {
                    f.failed += 1
                    if support < minInliers { f.unsupported += 1 }
                }
                byCondition[key] = f
            }
        }
        return byCondition.values.sorted { ($0.condition == "all" ? 0 : 1, $0.condition) < ($1.condition == "all" ? 0 : 1, $1.condition) }
    }

    /// One line: `ground-truth support: not within (0.25 m, 2°): all 7 of 40 (5 with < 6 map points fitting the true pose), ...`.
    public static func formatLine(_ failures: [Failures], threshold: ErrorThreshold, minInliers: Int) -> String {
        String(format: "ground-truth support: not within (%gm, %g°): ", threshold.meters, threshold.degrees)
            + failures.map { String(format: "%@ %d of %d (%d with < %d map points that fit the true pose)", $0.condition, $0.failed, $0.queries,
                                    $0.unsupported, minInliers) }.joined(separator: ", ")
    }

    /// `NAME CONDITION SUPPORTED_POINTS CORRESPONDENCES` per query, after a header (`gt_support.txt`).
    public func text() -> String {
        var lines = ["# Distinct map points whose 2D-3D correspondence fits the ground-truth pose within \(formatDouble(thresholdPixels)) px",
                     "# (fewer than \(minInliers), the inlier floor: no estimator could localize the query from these correspondences).",
                     "# NAME CONDITION SUPPORTED_POINTS CORRESPONDENCES"]
        for query in queries { lines.append("\(query.name) \(query.condition) \(query.supportedPoints) \(query.correspondences)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension LocalizeTask {
    /// `GroundTruthSupport` of this task's inputs, for the queries with a ground-truth pose and
    /// known intrinsics. `conditions` names each query's condition (by full name; default `all`).
    public func groundTruthSupport(groundTruth: [String: Rigid3], conditions: [String: String] = [:],
                                   warn: (String) -> Void = { _ in }) throws -> GroundTruthSupport {
        let sources = try openSources()
        let map = sources.map
        var seen = Set<String>()
        var queries: [GroundTruthSupport.Query] = []
        for list in queryLists {
            for entry in try QueryList.read(path: list) where seen.insert(entry.name).inserted {
                guard !estimateFocal, !entry.focalUnknown, let camFromWorld = groundTruth[entry.name] else { continue }
                let input = try readInput(entry, sources: sources, warn: warn)
                var supported = 0, count = 0
                if let keypoints = input.keypoints {
                    let c = Self.correspondences(input, keypoints: keypoints, cluster: input.retrieved, map: map)
                    count = c.points2D.count
                    supported = GroundTruthSupport.supportedPoints(points2D: c.points2D, points3D: c.points3D, pointIDs: c.pointIDs,
                                                                   camera: entry.camera, camFromWorld: camFromWorld,
                                                                   thresholdPixels: options.thresholdPixels)
                }
                queries.append(.init(name: entry.name, condition: conditions[entry.name] ?? "all", supportedPoints: supported,
                                     correspondences: count))
            }
        }
        return GroundTruthSupport(queries: queries, thresholdPixels: options.thresholdPixels, minInliers: minInliers)
    }
}
