import Formats
import Foundation
import Geometry

/// How often retrieval finds a database image that truly overlaps the query: one that observes
/// at least `minSharedPoints` of the map's 3D points that project into the query's true view
/// (in front of the camera, inside the image). Occlusion is not modelled, so "overlapping" is
/// generous for images behind a wall; it is the same measure for every retrieval method.
public struct RetrievalRecall: Sendable {
    public struct Condition: Equatable, Sendable {
        public var condition: String
        public var queries = 0
        /// Queries with an overlapping database image among their retrieved ones.
        public var recalled = 0
        /// Queries that have any overlapping database image at all (the best retrieval could do).
        public var recallable = 0
        /// Mean number of overlapping images among the retrieved, per query.
        public var meanOverlappingRetrieved = 0.0

        public var recall: Double { queries == 0 ? 0 : Double(recalled) / Double(queries) }
    }

    /// `all` first, then each condition by name (`day`, `night`, ...).
    public var conditions: [Condition]
    public var minSharedPoints: Int

    /// - Parameters:
    ///   - pairs: query → retrieved database image, as a query pairs file holds them.
    ///   - queries: each query's camera and condition.
    ///   - groundTruth: camFromWorld by query name.
    ///   - map: a model with 3D points and their tracks (the triangulated map).
    public static func measure(pairs: [ImagePair], queries: [(entry: QueryEntry, condition: String)], groundTruth: [String: Rigid3],
                               map: ColmapModel, minSharedPoints: Int = 20) -> RetrievalRecall {
        var imageIDByName: [String: UInt32] = [:]
        for image in map.images.values { imageIDByName[image.name] = image.id }
        let points = Array(map.points3D.values)
        var retrieved: [String: [String]] = [:]
        for pair in pairs { retrieved[pair.first, default: []].append(pair.second) }
        var byCondition: [String: Condition] = [:]
        for (entry, condition) in queries {
            guard let camFromWorld = groundTruth[entry.name] else { continue }
            let camera = entry.camera
            // Map points in the query's true view, counted per database image that observes them.
            var shared: [UInt32: Int] = [:]
            for point in points {
                guard let pixel = camera.imageFromCamera(camFromWorld.apply(point.xyz)),
                      pixel.x >= 0, pixel.y >= 0, pixel.x < Double(camera.width), pixel.y < Double(camera.height) else { continue }
                var seen = Set<UInt32>()
                for element in point.track where seen.insert(element.imageID).inserted { shared[element.imageID, default: 0] += 1 }
            }
            let overlapping = Set(shared.filter { $0.value >= minSharedPoints }.keys)
            let found = (retrieved[entry.name] ?? []).filter { imageIDByName[$0].map(overlapping.contains) ?? false }.count
            for key in ["all", condition] {
                var c = byCondition[key] ?? Condition(condition: key)
                c.queries += 1
                if found > 0 { c.recalled += 1 }
                if !overlapping.isEmpty { c.recallable += 1 }
                c.meanOverlappingRetrieved += Double(found)
                byCondition[key] = c
            }
        }
        let ordered = byCondition.values.map { c -> Condition in
            var c = c
            c.meanOverlappingRetrieved /= Double(max(1, c.queries))
            return c
        }.sorted { ($0.condition == "all" ? 0 : 1, $0.condition) < ($1.condition == "all" ? 0 : 1, $1.condition) }
        return RetrievalRecall(conditions: ordered, minSharedPoints: minSharedPoints)
    }

    /// One line: `retrieval recall@20 (an image sharing ≥ 20 map points with the true view): all 95.0 %, day 100.0 %, night 90.0 %`.
    public func formatLine(topK: Int) -> String {
        "retrieval recall@\(topK) (a database image sharing ≥ \(minSharedPoints) map points with the query's true view): "
            + conditions.map { String(format: "%@ %.1f %% (%d/%d, %d have one; %.1f overlapping retrieved)", $0.condition, 100 * $0.recall,
                                      $0.recalled, $0.queries, $0.recallable, $0.meanOverlappingRetrieved) }.joined(separator: ", ")
    }
}
