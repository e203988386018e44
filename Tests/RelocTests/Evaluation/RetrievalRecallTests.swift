import Formats
import Geometry
@testable import Reloc
import XCTest

/// Retrieval recall on a hand-made map: which database images see the map points in a query's
/// true view, and whether retrieval returned one of them.
final class RetrievalRecallTests: XCTestCase {
    func testCountsQueriesWithAnOverlappingImageRetrieved() throws {
        let camera = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
        var model = ColmapModel()
        model.cameras[1] = camera
        for (id, name) in [(1, "db/front.jpg"), (2, "db/back.jpg"), (3, "db/few.jpg")] {
            model.images[UInt32(id)] = .init(id: UInt32(id), name: name, cameraID: 1, camFromWorld: Rigid3())
        }
        // 30 points 5 m ahead of the origin (in view of a query at the origin looking down +z),
        // seen by front; 30 behind it, seen by back; front and few share 10 of the ahead points.
        var pointID: UInt64 = 1
        for k in 0..<30 {
            let x = Double(k % 6) - 2.5, y = Double(k / 6) - 2
            var track = [ColmapModel.TrackElement(imageID: 1, point2DIndex: UInt32(k))]
            if k < 10 { track.append(.init(imageID: 3, point2DIndex: UInt32(k))) }
            model.points3D[pointID] = .init(xyz: Vector3(x * 0.5, y * 0.5, 5), track: track); pointID += 1
            model.points3D[pointID] = .init(xyz: Vector3(x * 0.5, y * 0.5, -5), track: [.init(imageID: 2, point2DIndex: UInt32(k))]); pointID += 1
        }
        let queries = [(entry: QueryEntry(name: "q/day.jpg", camera: camera), condition: "day"),
                       (entry: QueryEntry(name: "q/night.jpg", camera: camera), condition: "night"),
                       (entry: QueryEntry(name: "q/nowhere.jpg", camera: camera), condition: "night")]
        let truth: [String: Rigid3] = ["q/day.jpg": Rigid3(), "q/night.jpg": Rigid3(),
                                       // Looking straight up: no map point in view, nothing to recall.
                                       "q/nowhere.jpg": Rigid3(rotation: Quaternion(axis: Vector3(1, 0, 0), angle: .pi / 2), translation: Vector3(0, 0, 0))]
        let pairs = [ImagePair("q/day.jpg", "db/back.jpg"), ImagePair("q/day.jpg", "db/front.jpg"),
                     ImagePair("q/night.jpg", "db/back.jpg"), ImagePair("q/night.jpg", "db/few.jpg"),
                     ImagePair("q/nowhere.jpg", "db/front.jpg")]
        let recall = RetrievalRecall.measure(pairs: pairs, queries: queries, groundTruth: truth, map: model, minSharedPoints: 20)
        XCTAssertEqual(recall.conditions.map(\.condition), ["all", "day", "night"])
        let day = recall.conditions[1], night = recall.conditions[2], all = recall.conditions[0]
        XCTAssertEqual([day.queries, day.recalled, day.recallable], [1, 1, 1])
        // few shares only 10 points (< 20): the night query retrieved nothing overlapping.
        XCTAssertEqual([night.queries, night.recalled, night.recallable], [2, 0, 1])
        XCTAssertEqual(all.recall, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(day.meanOverlappingRetrieved, 1)
        XCTAssertTrue(recall.formatLine(topK: 2).contains("night 0.0 %"), recall.formatLine(topK: 2))
        // With a lower bar, few counts.
        let lenient = RetrievalRecall.measure(pairs: pairs, queries: queries, groundTruth: truth, map: model, minSharedPoints: 10)
        XCTAssertEqual(lenient.conditions[2].recalled, 1)
    }
}
