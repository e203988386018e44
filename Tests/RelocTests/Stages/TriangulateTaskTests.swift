import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

final class TriangulateTaskTests: XCTestCase {
    func testTriangulatesTrueMatchesAndDropsEpipolarOutliers() throws {
        let folder = TestSupport.temporaryFolder(self)
        var rng = SeededGenerator(seed: 21)
        let camera = try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, -0.05])
        let points = (0..<100).map { _ in
            Vector3(Double.random(in: -2...2, using: &rng), Double.random(in: -1.5...1.5, using: &rng), Double.random(in: 6...9, using: &rng))
        }
        var model = ColmapModel()
        model.cameras[1] = camera
        let features = try FeatureStore(path: folder + "/feats.h5", mode: .create)
        let names = ["db/0.jpg", "db/1.jpg", "db/2.jpg"]
        for (k, name) in names.enumerated() {
            let pose = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.05 * Double(k - 1)),
                              translation: Vector3(Double(k - 1) * 0.6, 0, 0)).inverse
            model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: name, cameraID: 1, camFromWorld: pose)
            // Keypoint i sees point i; then 20 spurious keypoints.
            var pixels = points.map { camera.imageFromCamera(pose.apply($0))! }
            pixels += (0..<20).map { _ in Vector2(Double.random(in: 0...640, using: &rng), Double.random(in: 0...480, using: &rng)) }
            try features.write(name, .fixture(pixels: pixels))
        }
        try features.flush()
        try FileManager.default.createDirectory(atPath: folder + "/reference", withIntermediateDirectories: true)
        try model.write(folder: folder + "/reference", format: .text)
        let matches = try MatchStore(path: folder + "/matches.h5", mode: .create)
        for (a, b) in [(0, 1), (1, 2), (0, 2)] {
            var m = [Int32](repeating: -1, count: 120)
            for i in 0..<100 { m[i] = Int32(i) }
            for i in 100..<120 { m[i] = Int32(100 + (i - 100 + 7) % 20) }   // spurious keypoints matched to spurious ones
            try matches.write(names[a], names[b], matches0: m, scores0: m.map { _ in 1 })
        }
        try matches.flush()
        try PairsFile.write([ImagePair(names[0], names[1]), ImagePair(names[1], names[2]), ImagePair(names[2], names[0])], to: folder + "/pairs.txt")
        let summary = try TriangulateTask(referenceModel: folder + "/reference", featuresFile: folder + "/feats.h5", matchesFile: folder + "/matches.h5",
                                          pairsFile: folder + "/pairs.txt", output: folder + "/sfm").run()
        XCTAssertEqual(summary.pairs, 3)
        XCTAssertEqual(summary.matches, 360)
        XCTAssertLessThan(summary.verifiedMatches, 300 + 15)   // nearly all random matches fail the epipolar check
        XCTAssertGreaterThanOrEqual(summary.verifiedMatches, 300)
        let map = try ColmapModel.read(folder: folder + "/sfm")
        XCTAssertEqual(map.images.count, 3)
        XCTAssertEqual(map.images[1]?.points2D.count, 120)
        // Every true point is triangulated with all three observations, where it is.
        var found = 0
        for i in 0..<100 {
            guard let id = map.images[1]!.points2D[i].point3DID, let point = map.points3D[id] else { continue }
            found += 1
            XCTAssertLessThan(norm(point.xyz - points[i]), 1e-4)   // keypoints are float32
            XCTAssertEqual(point.track.count, 3)
        }
        XCTAssertEqual(found, 100)
        XCTAssertLessThan(map.points3D.count, 100 + 5)
        // No temporary folder left behind.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp") }, [])
    }
}
