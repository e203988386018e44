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
}
