@testable import Geometry
import XCTest
import _TestSupport

final class FocalAbsolutePoseTests: XCTestCase {
    /// A problem for `camera`: `count` points 2..20 m in front, 1 px noise, outliers first.
    func problem(_ camera: Camera, truth: Rigid3, count: Int, outlierRatio: Double, noise: Double, rng: inout SeededGenerator)
        -> (points2D: [Vector2], points3D: [Vector3]) {
        let worldFromCam = truth.inverse
        var p2: [Vector2] = [], p3: [Vector3] = []
        for i in 0..<count {
            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
            let uv = camera.normalizedFromImage(pixel)
            p3.append(worldFromCam.apply(Vector3(uv.x, uv.y, 1) * (2 + 18 * rng.nextUnit())))
            p2.append(Double(i) < Double(count) * outlierRatio
                      ? Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
                      : pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()) * noise)
        }
        return (p2, p3)
    }

    func testRecoversPoseAndFocalWithOutliers() throws {
        var rng = SeededGenerator(seed: 61)
        for trial in 0..<10 {
            let focal = 600 + 2000 * rng.nextUnit()
            let truthCamera = try Camera(model: .simplePinhole, width: 1600, height: 1200, params: [focal, 800, 600])
            // What the solver is told: the size and principal point; the focal is a placeholder.
            let unknown = try Camera(model: .simplePinhole, width: 1600, height: 1200, params: [1920, 800, 600])
            let truth = TestSupport.randomRigid(&rng, scale: 5)
            let data = problem(truthCamera, truth: truth, count: 200, outlierRatio: 0.5, noise: 1, rng: &rng)
            let result = try XCTUnwrap(estimateAbsolutePoseWithUnknownFocal(points2D: data.points2D, points3D: data.points3D, camera: unknown,
                                                                            options: FocalAbsolutePoseOptions(pose: AbsolutePoseOptions(seed: UInt64(trial)))))
            XCTAssertEqual(result.camera.focalX, focal, accuracy: 0.01 * focal, "trial \(trial)")
            // The focal's standard deviation is small here and covers the error.
            let sigma = try XCTUnwrap(result.focalStandardDeviation)
            XCTAssertLessThan(sigma, 0.01 * focal)
            XCTAssertLessThan(abs(result.camera.focalX - focal), 5 * sigma, "trial \(trial)")
            XCTAssertLessThan(result.pose.camFromWorld.rotation.angularDistance(to: truth.rotation) * 180 / .pi, 0.2)
            XCTAssertLessThan(norm(result.pose.camFromWorld.cameraCenter - truth.cameraCenter), 0.1)
            XCTAssertGreaterThanOrEqual(result.pose.inlierCount, 95)
        }
    }

    func testRefinesK1WhenAsked() throws {
        var rng = SeededGenerator(seed: 62)
        let truthCamera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [900, 512, 384, -0.08])
        let given = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [1200, 512, 384, 0])
        let truth = TestSupport.randomRigid(&rng, scale: 5)
        let data = problem(truthCamera, truth: truth, count: 300, outlierRatio: 0.2, noise: 0.5, rng: &rng)
        let result = try XCTUnwrap(estimateAbsolutePoseWithUnknownFocal(points2D: data.points2D, points3D: data.points3D, camera: given,
                                                                        options: FocalAbsolutePoseOptions(refineK1: true)))
        XCTAssertEqual(result.camera.params[0], 900, accuracy: 9)
        XCTAssertEqual(result.camera.params[3], -0.08, accuracy: 0.01)
        XCTAssertEqual(result.camera.params[1], 512)
        XCTAssertThrowsError(try estimateAbsolutePoseWithUnknownFocal(points2D: data.points2D, points3D: data.points3D,
                                                                      camera: try Camera(model: .pinhole, width: 10, height: 10, params: [1, 1, 5, 5]),
                                                                      options: FocalAbsolutePoseOptions(refineK1: true)))
    }

    func testRefinementLowersTheCostAndRecoversFocal() throws {
        var rng = SeededGenerator(seed: 63)
        let camera = try Camera(model: .pinhole, width: 1600, height: 1200, params: [1400, 1410, 800, 600])
        let truth = TestSupport.randomRigid(&rng, scale: 5)
        let data = problem(camera, truth: truth, count: 60, outlierRatio: 0, noise: 0, rng: &rng)
        let wrongFocal = try Camera(model: .pinhole, width: 1600, height: 1200, params: [1400 * 1.05, 1410 * 1.05, 800, 600])
        let start = Rigid3(rotation: (Quaternion(rotationVector: Vector3(0.01, 0, -0.01)) * truth.rotation).normalized(),
                           translation: truth.translation + Vector3(0.02, 0.01, -0.05))
        let refined = try XCTUnwrap(refineAbsolutePoseAndFocal(start, points2D: data.points2D, points3D: data.points3D, camera: wrongFocal))
        XCTAssertLessThan(refined.summary.finalCost, refined.summary.initialCost * 1e-6)
        XCTAssertEqual(refined.camera.params[0], 1400, accuracy: 1e-4)
        XCTAssertEqual(refined.camera.params[1], 1410, accuracy: 1e-4)
        assertPoseClose(refined.camFromWorld, truth, rotationDegrees: 1e-6, translation: 1e-6)
    }
}
