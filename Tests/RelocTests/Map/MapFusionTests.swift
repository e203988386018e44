import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

/// Two maps of the same images fused: every 2D point and every track is the one of the map it
/// came from, moved to where that map's points lie in the fused image.
final class MapFusionTests: XCTestCase {
    /// A map of images 1 ("a") and 2 ("b") with `count` keypoints each at `pixelBase` + k and a
    /// point for every second keypoint, seen by both images; point ids from `idBase`.
    func map(count: Int, pixelBase: Double, idBase: UInt64, names: [String] = ["a.jpg", "b.jpg"]) -> ColmapModel {
        var model = ColmapModel()
        model.cameras[1] = try! Camera(model: .pinhole, width: 100, height: 100, params: [50, 50, 50, 50])
        for (k, name) in names.enumerated() {
            let id = UInt32(k + 1)
            var points2D: [ColmapModel.Point2D] = []
            for i in 0..<count {
                let point: UInt64? = i % 2 == 0 ? idBase + UInt64(i / 2) : nil
                points2D.append(ColmapModel.Point2D(xy: Vector2(pixelBase + Double(i), Double(k)), point3DID: point))
            }
            model.images[id] = ColmapModel.ModelImage(id: id, name: name, cameraID: 1, camFromWorld: .identity, points2D: points2D)
        }
        for i in stride(from: 0, to: count, by: 2) {
            let track = (1...UInt32(names.count)).map { ColmapModel.TrackElement(imageID: $0, point2DIndex: UInt32(i)) }
            model.points3D[idBase + UInt64(i / 2)] = ColmapModel.Point3D(xyz: Vector3(pixelBase, Double(i), 1), track: track)
        }
        return model
    }

    func testPointsAndTracksKeepTheirMapsObservations() throws {
        let first = map(count: 6, pixelBase: 0, idBase: 1), second = map(count: 4, pixelBase: 1000, idBase: 1)
        let (fused, ranges) = try MapFusion.fuse([(first, "first"), (second, "second")])
        XCTAssertEqual(fused.images.count, 2)
        XCTAssertEqual(fused.points3D.count, first.points3D.count + second.points3D.count)
        XCTAssertEqual(ranges["a.jpg"], MapFusion.ImageRanges(offsets: [0, 6], counts: [6, 4]))
        for (name, image) in fused.images.values.map({ ($0.name, $0) }) {
            let own = [first, second].map { $0.images.values.first { $0.name == name }! }
            // The first map's points, then the second's, at the same pixels.
            XCTAssertEqual(image.points2D.map(\.xy), own[0].points2D.map(\.xy) + own[1].points2D.map(\.xy))
        }
        // Every track element of a fused point names a 2D point that observes that point, at a
        // pixel of the map the point came from (the first map's pixels are below 1000).
        for (id, point) in fused.points3D {
            let fromSecond = point.xyz.x == 1000
            XCTAssertEqual(point.track.count, 2)
            for element in point.track {
                let observation = fused.images[element.imageID]!.points2D[Int(element.point2DIndex)]
                XCTAssertEqual(observation.point3DID, id)
                XCTAssertEqual(observation.xy.x >= 1000, fromSecond)
            }
        }
        // The index localization reads agrees: the second map's keypoint 2 of image b is its point.
        let index = try MapIndex(model: fused, folder: "fused")
        let b = index.index["b.jpg"]!
        XCTAssertEqual(index.keypointCount(b), 10)
        let point = try XCTUnwrap(index.point(image: b, keypoint: 6 + 2))
        XCTAssertEqual(index.position(point).x, 1000)
        XCTAssertNil(index.point(image: b, keypoint: 6 + 1))
    }

    func testMapsOfOtherImagesAreRefusedNamingTheMap() {
        let first = map(count: 4, pixelBase: 0, idBase: 1)
        let other = map(count: 4, pixelBase: 1000, idBase: 1, names: ["a.jpg", "c.jpg"])
        XCTAssertThrowsError(try MapFusion.fuse([(first, "first"), (other, "/maps/other")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/maps/other") && text.contains("b.jpg"), text)
        }
    }

    func testMapsOfOtherPosesAreRefusedNamingTheImage() {
        let first = map(count: 4, pixelBase: 0, idBase: 1)
        var moved = map(count: 4, pixelBase: 1000, idBase: 1)
        moved.images[2]!.camFromWorld = Rigid3(rotation: .identity, translation: Vector3(0, 0, 0.01))
        XCTAssertThrowsError(try MapFusion.fuse([(first, "first"), (moved, "/maps/moved")])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("/maps/moved") && text.contains("b.jpg") && text.contains("another pose"), text)
        }
        // The same poses up to the quaternion's sign fuse.
        var flipped = map(count: 4, pixelBase: 1000, idBase: 1)
        let q = flipped.images[1]!.camFromWorld.rotation
        flipped.images[1]!.camFromWorld.rotation = Quaternion(w: -q.w, x: -q.x, y: -q.y, z: -q.z)
        XCTAssertNoThrow(try MapFusion.fuse([(first, "first"), (flipped, "flipped")]))
    }
}
