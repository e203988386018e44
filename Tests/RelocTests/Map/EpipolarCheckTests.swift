import Geometry
@testable import Reloc
import XCTest
import _TestSupport

final class EpipolarCheckTests: XCTestCase {
    func testTrueCorrespondencesHaveZeroDistanceAndShiftedOnesTheShift() throws {
        var rng = SeededGenerator(seed: 5)
        let camera = try Camera(model: .pinhole, width: 800, height: 600, params: [600, 600, 400, 300])
        let cam0 = TestSupport.randomRigid(&rng, scale: 1)
        // Second camera 1 m to the side (x of camera 0), same orientation: epipolar lines horizontal.
        let cam1 = Rigid3(rotation: cam0.rotation, translation: cam0.translation - Vector3(1, 0, 0))
        let check = EpipolarCheck(cam0FromWorld: cam0, camera0: camera, cam1FromWorld: cam1, camera1: camera)
        for _ in 0..<50 {
            let inCam0 = Vector3(Double.random(in: -2...2, using: &rng), Double.random(in: -2...2, using: &rng), Double.random(in: 4...10, using: &rng))
            let world = cam0.inverse.apply(inCam0)
            let p0 = camera.imageFromCamera(cam0.apply(world))!, p1 = camera.imageFromCamera(cam1.apply(world))!
            let x0 = camera.normalizedFromImage(p0), x1 = camera.normalizedFromImage(p1)
            XCTAssertLessThan(check.sampsonPixels(x0, x1), 1e-6)
            // A vertical shift of d pixels in image 1 (perpendicular to the horizontal epipolar line):
            // Sampson distance d/√2 (the error is shared by both points).
            let shifted = camera.normalizedFromImage(p1 + Vector2(0, 6))
            XCTAssertEqual(check.sampsonPixels(x0, shifted), 6 / 2.0.squareRoot(), accuracy: 1e-6)
        }
    }

    /// The guide's line of a keypoint passes through the true correspondence in image 1 (with
    /// lens distortion undone), and a point moved off the line by d pixels is d pixels away.
    func testGuideLinesPassThroughTrueCorrespondences() throws {
        var rng = SeededGenerator(seed: 6)
        let camera0 = try Camera(model: .pinhole, width: 800, height: 600, params: [600, 600, 400, 300])
        let camera1 = try Camera(model: .simpleRadial, width: 1000, height: 700, params: [700, 500, 350, -0.08])
        let cam0 = TestSupport.randomRigid(&rng, scale: 1)
        let cam1 = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.2) * cam0.rotation,
                          translation: cam0.translation + Vector3(-1.5, 0.2, 0.1))
        var keypoints0: [Vector2] = [], keypoints1: [Vector2] = []
        for _ in 0..<40 {
            let inCam0 = Vector3(Double.random(in: -1...1, using: &rng), Double.random(in: -1...1, using: &rng), Double.random(in: 4...10, using: &rng))
            let world = cam0.inverse.apply(inCam0)
            guard let p0 = camera0.imageFromCamera(cam0.apply(world)), let p1 = camera1.imageFromCamera(cam1.apply(world)) else { continue }
            keypoints0.append(p0)
            keypoints1.append(p1)
        }
        XCTAssertGreaterThan(keypoints0.count, 20)
        let check = EpipolarCheck(cam0FromWorld: cam0, camera0: camera0, cam1FromWorld: cam1, camera1: camera1)
        let guide = try XCTUnwrap(check.guide(keypoints0: keypoints0, camera0: camera0, keypoints1: keypoints1, camera1: camera1,
                                              thresholdPixels: 4))
        XCTAssertEqual(guide.threshold, Float(4.0 / 700), accuracy: 1e-9)
        for k in keypoints0.indices {
            let l = guide.lines0[k], p = guide.points1[k]
            XCTAssertLessThan(abs(l.x * p.x + l.y * p.y + l.z) * 700, 0.01)
            // 10 px along the line's normal, in normalized units: 10/700 away.
            let moved = p + 10.0 / 700 * SIMD2(l.x, l.y)
            XCTAssertEqual(abs(l.x * moved.x + l.y * moved.y + l.z) * 700, 10, accuracy: 0.01)
        }
        // Two cameras at one centre have no epipolar geometry: no guide.
        let turned = Quaternion(axis: Vector3(0, 1, 0), angle: 0.3) * cam0.rotation
        let centre = cam0.inverse.translation
        let rotated = Rigid3(rotation: turned, translation: -turned.rotate(centre))
        XCTAssertNil(EpipolarCheck(cam0FromWorld: cam0, camera0: camera0, cam1FromWorld: rotated, camera1: camera1)
            .guide(keypoints0: keypoints0, camera0: camera0, keypoints1: keypoints1, camera1: camera1, thresholdPixels: 4))
    }
}
