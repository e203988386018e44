import Formats
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

    // MARK: cameras that share a centre (a panorama turned on the spot) and one 10 m away

    /// A façade plane z = 30 m, x in [−25, 25], y in [−8, 4]; world y points down.
    static let facadeDepth = 30.0

    /// Five cameras sharing a centre (within 5 cm), turned −30…30° in 15° steps, plus one 10 m to
    /// the right turned 15° back towards the façade: the shape of a real city capture where a
    /// panorama's cameras stood 5 cm apart and the best partner of the far camera was missed.
    func panoramaModel(points: Bool = false) throws -> (ColmapModel, Camera) {
        var model = ColmapModel()
        let camera = try Camera(model: .simpleRadial, width: 800, height: 533, params: [555, 400, 266.5, -0.08])
        model.cameras[1] = camera
        var views: [(centre: Vector3, yaw: Double)] = []
        for k in 0..<5 {
            let centre = Vector3(0.01 * Double(k), 0, 0.01 * Double(k % 2))
            views.append((centre, Double(k - 2) * 15))
        }
        views.append((Vector3(10, 0, 0), -15))
        for (k, view) in views.enumerated() {
            let worldFromCam = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: view.yaw * .pi / 180), translation: view.centre)
            model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: "db/\(k).jpg", cameraID: 1, camFromWorld: worldFromCam.inverse)
        }
        if points {
            var id: UInt64 = 1
            for x in stride(from: -25.0, through: 25, by: 1) {
                for y in stride(from: -8.0, through: 4, by: 2) {
                    let xyz = Vector3(x, y, Self.facadeDepth)
                    let track = model.sortedImages.filter { image in
                        camera.imageFromCamera(image.camFromWorld.apply(xyz)).map { $0.x >= 0 && $0.x <= 800 && $0.y >= 0 && $0.y <= 533 } ?? false
                    }.map { ColmapModel.TrackElement(imageID: $0.id, point2DIndex: 0) }
                    model.points3D[id] = .init(xyz: xyz, track: track)
                    id += 1
                }
            }
        }
        return (model, camera)
    }

    /// How many façade points (a 0.25 m grid) both images see: the reference the pairs must follow.
    func sharedFacade(_ model: ColmapModel, _ camera: Camera, _ a: Int, _ b: Int) -> Int {
        let images = model.sortedImages
        func sees(_ k: Int, _ xyz: Vector3) -> Bool {
            camera.imageFromCamera(images[k].camFromWorld.apply(xyz)).map { $0.x >= 0 && $0.x <= 800 && $0.y >= 0 && $0.y <= 533 } ?? false
        }
        var count = 0
        for x in stride(from: -25.0, through: 25, by: 0.25) {
            for y in stride(from: -8.0, through: 4, by: 0.25) where sees(a, Vector3(x, y, Self.facadeDepth)) && sees(b, Vector3(x, y, Self.facadeDepth)) {
                count += 1
            }
        }
        return count
    }

    func testCamerasSharingACentrePairAmongThemselvesAndTheFarCameraWithItsBestPartner() throws {
        for points in [false, true] {
            let (model, camera) = try panoramaModel(points: points)
            let shared = (0..<5).map { sharedFacade(model, camera, 5, $0) }
            let best = shared.indices.max { shared[$0] < shared[$1] }!
            XCTAssertEqual(shared.filter { $0 == shared[best] }.count, 1, "one best partner: \(shared)")
            let pairs = Set(DatabasePairs.frustumOverlap(model: model, topK: 2).map { Set([$0.first, $0.second]) })
            // The far camera's partner is the one that sees most of the façade it sees …
            XCTAssertTrue(pairs.contains(["db/5.jpg", "db/\(best).jpg"]), "points: \(points), \(pairs)")
            // … and the cameras of the panorama pair with their neighbours in turn (15° apart).
            for k in 0..<4 {
                XCTAssertTrue(pairs.contains(["db/\(k).jpg", "db/\(k + 1).jpg"]), "points: \(points), \(pairs)")
            }
            // With every pair allowed, each pair that shares façade is there, none that does not.
            let all = Set(DatabasePairs.frustumOverlap(model: model, topK: 10).map { Set([$0.first, $0.second]) })
            for a in 0..<6 {
                for b in (a + 1)..<6 where sharedFacade(model, camera, a, b) > 400 {
                    XCTAssertTrue(all.contains(["db/\(a).jpg", "db/\(b).jpg"]), "points: \(points), \(a)-\(b) missing from \(all)")
                }
            }
        }
    }

    func testDepthsFollowTheSceneNotTheSpacingOfCamerasThatShareACentre() throws {
        let (model, _) = try panoramaModel()
        let images = model.sortedImages
        let depths = FrustumDepths.depths(model: model, images: images, centres: images.map(\.camFromWorld.cameraCenter))
        // The plain spacing is a centimetre (the panorama); the axes converge tens of metres away,
        // so the panorama is one position and the spacing is the 10 m to the far camera: every
        // image's sweep (5–80 m) reaches past the façade 30 m away.
        for (k, sweep) in depths.enumerated() {
            XCTAssertGreaterThanOrEqual(sweep.max()!, Self.facadeDepth, "image \(k): \(sweep)")
        }
        // With points, the depths are those of the points each image observes.
        let (withPoints, _) = try panoramaModel(points: true)
        let observed = FrustumDepths.depths(model: withPoints, images: images, centres: images.map(\.camFromWorld.cameraCenter))
        for sweep in observed {
            XCTAssertEqual(sweep.count, 6)
            for depth in sweep { XCTAssertTrue((20.0...65).contains(depth), "\(sweep)") }  // 30 m away, seen up to 66° off the axis
        }
    }

    func testSpacedCamerasKeepTheSixDepthsOfTheirSpacing() throws {
        // No axes converge beyond 4× the spacing: the sweep is 0.5…8 × the median nearest distance.
        let m = try model([(0, 0), (1, 0), (2, 0), (3, 0)])
        let images = m.sortedImages
        let depths = FrustumDepths.depths(model: m, images: images, centres: images.map(\.camFromWorld.cameraCenter))
        for sweep in depths {
            XCTAssertEqual(sweep.count, 6)
            XCTAssertEqual(sweep[0], 0.5, accuracy: 1e-12)
            XCTAssertEqual(sweep[5], 8, accuracy: 1e-12)
        }
    }
}
