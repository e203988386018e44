import Geometry
@testable import Reloc
import XCTest

final class DatabasePairsTests: XCTestCase {
    /// Cameras on the x axis; yaw in degrees about the vertical (y) axis, 0 = looking along +z.
    func model(_ views: [(x: Double, yaw: Double)]) throws -> ColmapModel {
        var model = ColmapModel()
        model.cameras[1] = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
        for (k, view) in views.enumerated() {
            let worldFromCam = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: view.yaw * .pi / 180),
                                      translation: Vector3(view.x, 0, 0))
            model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: "db/\(k).jpg", cameraID: 1, camFromWorld: worldFromCam.inverse)
        }
        return model
    }

    func testFrustumOverlapPairsCamerasLookingAtTheSameSpace() throws {
        // 0 and 1 side by side looking forward; 2 looks backwards; 3 forward but far to the side.
        let m = try model([(0, 0), (1, 0), (0.5, 180), (400, 0)])
        let pairs = DatabasePairs.frustumOverlap(model: m, topK: 5)
        XCTAssertTrue(pairs.contains(ImagePair("db/0.jpg", "db/1.jpg")))
        XCTAssertFalse(pairs.contains { [$0.first, $0.second].contains("db/2.jpg") }, "\(pairs)")
        XCTAssertFalse(pairs.contains { [$0.first, $0.second].contains("db/3.jpg") }, "\(pairs)")
        // Each unordered pair once.
        XCTAssertEqual(Set(pairs.map { Set([$0.first, $0.second]) }).count, pairs.count)
    }

    func testCovisibilityRanksBySharedPoints() throws {
        var m = try model([(0, 0), (1, 0), (2, 0)])
        // Image 1 shares 3 points with 2 and 1 with 3; 2 and 3 share 2.
        let tracks: [[UInt32]] = [[1, 2], [1, 2], [1, 2], [1, 3], [2, 3], [2, 3]]
        for (k, track) in tracks.enumerated() {
            m.points3D[UInt64(k + 1)] = .init(xyz: .zero, track: track.map { .init(imageID: $0, point2DIndex: 0) })
        }
        XCTAssertEqual(DatabasePairs.covisibility(model: m, topK: 1), [ImagePair("db/0.jpg", "db/1.jpg"), ImagePair("db/2.jpg", "db/1.jpg")])
        XCTAssertEqual(DatabasePairs.covisibility(model: m, topK: 2).count, 3)
    }
}
