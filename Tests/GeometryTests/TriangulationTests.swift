import Geometry
import XCTest
import _TestSupport

final class TriangulationTests: XCTestCase {
    let camera = try! Camera(model: .simpleRadial, width: 1024, height: 768, params: [900, 512, 384, -0.04])

    /// Cameras on a line 1 m apart, looking at +z, a point 10 m away.
    func observations(of point: Vector3, cameras count: Int, noise: Double, rng: inout SeededGenerator) -> [TriangulationObservation] {
        (0..<count).map { k in
            let centre = Vector3(Double(k) - Double(count) / 2, 0.1 * Double(k), 0)
            let pose = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.02 * Double(k)), translation: .zero)
            let camFromWorld = Rigid3(rotation: pose.rotation, translation: -pose.rotation.rotate(centre))
            let pixel = camera.imageFromCamera(camFromWorld.apply(point))! + Vector2(rng.nextGaussian(), rng.nextGaussian()) * noise
            return TriangulationObservation(camFromWorld: camFromWorld, camera: camera, pixel: pixel)
        }
    }

    func testExactWithoutNoise() throws {
        var rng = SeededGenerator(seed: 71)
        let point = Vector3(0.7, -0.4, 10)
        let result = try XCTUnwrap(triangulatePoint(observations(of: point, cameras: 4, noise: 0, rng: &rng)))
        XCTAssertLessThan(norm(result.point - point), 1e-8)
        XCTAssertTrue(result.inlierMask.allSatisfy { $0 })
        XCTAssertGreaterThan(result.triangulationAngleDegrees, 1.5)
    }

    func testNoisyTracksWithinExpectedError() throws {
        // 1 px noise, baseline 5 m at 10 m depth, f = 900: depth error σ ≈ z²σ_px/(f·b) ≈ 0.03 m.
        var rng = SeededGenerator(seed: 72)
        var errors: [Double] = []
        for _ in 0..<200 {
            let point = Vector3(rng.nextUnit() * 4 - 2, rng.nextUnit() * 2 - 1, 8 + rng.nextUnit() * 4)
            guard let result = try triangulatePoint(observations(of: point, cameras: 6, noise: 1, rng: &rng)) else {
                return XCTFail("a well-conditioned point was rejected")
            }
            errors.append(norm(result.point - point))
            XCTAssertLessThan(result.meanInlierError, 2.5)
        }
        let rms = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
        XCTAssertLessThan(rms, 0.08, "RMS 3D error \(rms) m")
    }

    func testRejectsOutliersAndSmallAngles() throws {
        var rng = SeededGenerator(seed: 73)
        let point = Vector3(0.2, 0.1, 10)
        var obs = observations(of: point, cameras: 5, noise: 0.3, rng: &rng)
        obs[2].pixel += Vector2(60, -40)  // a wrong match
        let result = try XCTUnwrap(triangulatePoint(obs))
        XCTAssertEqual(result.inlierMask, [true, true, false, true, true])
        XCTAssertLessThan(norm(result.point - point), 0.1)
        // Same centre twice: zero baseline, no point.
        let same = [obs[0], TriangulationObservation(camFromWorld: obs[0].camFromWorld, camera: camera, pixel: obs[0].pixel + Vector2(0.2, 0))]
        XCTAssertNil(try triangulatePoint(same))
        // Far point with a tiny baseline: angle below 1.5°.
        let far = observations(of: Vector3(0, 0, 1000), cameras: 2, noise: 0, rng: &rng)
        XCTAssertNil(try triangulatePoint(far))
        XCTAssertNotNil(try triangulatePoint(far, options: TriangulationOptions(minTriangulationAngleDegrees: 0.01)))
    }

    func testBadInputs() {
        var rng = SeededGenerator(seed: 74)
        let obs = observations(of: Vector3(0, 0, 10), cameras: 2, noise: 0, rng: &rng)
        XCTAssertThrowsError(try triangulatePoint([obs[0]]))
        var bad = obs
        bad[1].pixel.x = .nan
        XCTAssertThrowsError(try triangulatePoint(bad))
    }
}
