import Geometry
import XCTest
import _TestSupport

/// A second, unrelated estimator (2D lines through two points) to show the RANSAC loop is
/// generic: the protocol, not absolute pose, drives it.
struct LineEstimator: RobustEstimator {
    let points: [Vector2]
    var sampleSize: Int { 2 }
    var dataCount: Int { points.count }

    // Model: unit normal n and offset c with n·p = c.
    func minimalModels(sample: [Int], into models: inout [Vector3]) {
        let a = points[sample[0]], b = points[sample[1]]
        let d = b - a
        let length = norm(d)
        guard length > 0 else { return }
        let n = Vector2(-d.y, d.x) / length
        models.append(Vector3(n.x, n.y, (n * a).sum()))
    }

    func squaredResidual(_ m: Vector3, at i: Int) -> Double {
        let r = m.x * points[i].x + m.y * points[i].y - m.z
        return r * r
    }

    func refine(_ m: Vector3, inliers: [Int], threshold: Double) -> Vector3? {
        // Total least squares on the inliers.
        let pts = inliers.map { points[$0] }
        let mean = pts.reduce(Vector2.zero, +) / Double(pts.count)
        var sxx = 0.0, sxy = 0.0, syy = 0.0
        for p in pts { let d = p - mean; sxx += d.x * d.x; sxy += d.x * d.y; syy += d.y * d.y }
        let angle = 0.5 * atan2(2 * sxy, sxx - syy)  // direction of the line
        let n = Vector2(-sin(angle), cos(angle))
        return Vector3(n.x, n.y, (n * mean).sum())
    }
}

final class LORansacTests: XCTestCase {
    func testGenericLoopFitsALineWithOutliers() {
        var rng = SeededGenerator(seed: 31)
        var points: [Vector2] = []
        for i in 0..<300 {
            if i % 3 == 0 {
                let x = rng.nextUnit() * 10
                points.append(Vector2(x, 0.5 * x + 1 + rng.nextGaussian() * 0.01))
            } else {
                points.append(Vector2(rng.nextUnit() * 10, rng.nextUnit() * 10))
            }
        }
        let report = loRansac(LineEstimator(points: points), options: RansacOptions(threshold: 0.05, seed: 1))
        let model = try! XCTUnwrap(report).model
        // y = 0.5x + 1 ⇔ (-0.5, 1)/|·| · p = 1/|·|
        let scale = (1.25).squareRoot()
        let sign = model.y > 0 ? 1.0 : -1.0
        XCTAssertEqual(sign * model.x, -0.5 / scale, accuracy: 3e-3)
        XCTAssertEqual(sign * model.z, 1 / scale, accuracy: 6e-3)
        XCTAssertGreaterThanOrEqual(report!.inlierCount, 100)
        XCTAssertGreaterThan(report!.localOptimizations, 0)
    }

    func testRecoversPoseWithEightyPercentOutliers() throws {
        let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [900, 512, 384, -0.05])
        for seed: UInt64 in 1...5 {
            let problem = SyntheticPoseProblem(camera: camera, count: 500, outlierRatio: 0.8, noisePixels: 1, seed: seed)
            let result = try XCTUnwrap(estimateAbsolutePose(points2D: problem.points2D, points3D: problem.points3D,
                                                            camera: camera, options: AbsolutePoseOptions(seed: seed)))
            assertPoseClose(result.camFromWorld, problem.camFromWorld, rotationDegrees: 0.2, translation: 0.05)
            // Nearly all true inliers are found, and few outliers pass the 12 px threshold.
            let trueInliers = zip(result.inlierMask, problem.isInlier).filter { $0.0 && $0.1 }.count
            XCTAssertGreaterThanOrEqual(trueInliers, 95, "seed \(seed)")
            XCTAssertNotNil(result.refinement)
        }
    }

    /// 4 % inliers (20 of 500): a P3P sample is all inliers once in 15,600 draws, so the old
    /// 10,000-iteration cap found the pose about half the time; PoseLib's 100,000 finds it nearly
    /// always. Night queries against a learned map look like this (35 inliers of 1,263).
    func testDefaultsSolveFourPercentInliers() throws {
        let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [900, 512, 384, -0.05])
        for seed: UInt64 in 11...16 {
            let problem = SyntheticPoseProblem(camera: camera, count: 500, outlierRatio: 0.96, noisePixels: 1, seed: seed)
            let result = try XCTUnwrap(estimateAbsolutePose(points2D: problem.points2D, points3D: problem.points3D,
                                                            camera: camera, options: AbsolutePoseOptions(seed: seed)),
                                       "seed \(seed)")
            assertPoseClose(result.camFromWorld, problem.camFromWorld, rotationDegrees: 0.5, translation: 0.1)
            let trueInliers = zip(result.inlierMask, problem.isInlier).filter { $0.0 && $0.1 }.count
            XCTAssertGreaterThanOrEqual(trueInliers, 18, "seed \(seed)")
        }
    }

    /// The scoring loop runs in float on centred points; it must count the same inliers as the
    /// double-precision residuals, also for a scene 100 km from the origin (UTM-like coordinates).
    func testFloatScoringAgreesWithDoubleResiduals() throws {
        let camera = try Camera(model: .pinhole, width: 1024, height: 768, params: [900, 900, 512, 384])
        for (seed, offset) in [(UInt64(1), Vector3.zero), (2, Vector3(4.2e5, 5.6e6, 180))] {
            let problem = SyntheticPoseProblem(camera: camera, count: 1003, outlierRatio: 0.5, noisePixels: 3, seed: seed)
            // Move the world; the camera moves with it.
            let world = problem.points3D.map { $0 + offset }
            var shifted = problem.camFromWorld
            shifted.translation = shifted.translation - shifted.rotation.rotate(offset)
            let pose = Rigid3Matrix(shifted)
            let normalized = problem.points2D.map { camera.normalizedFromImage($0) }
            let estimator = AbsolutePoseEstimator(normalizedPoints: normalized, worldPoints: world)
            for thresholdPixels in [2.0, 5.0, 12.0] {
                let tau2 = (thresholdPixels / 900) * (thresholdPixels / 900)
                var expectedCount = 0, expectedScore = 0.0
                for i in 0..<world.count {
                    let r2 = estimator.squaredResidual(pose, at: i)
                    // Skip residuals within float rounding of the threshold (either answer is right).
                    if abs(r2 - tau2) < 1e-6 * tau2 { continue }
                    if r2 < tau2 { expectedCount += 1; expectedScore += r2 } else { expectedScore += tau2 }
                }
                let (score, count) = estimator.score(pose, squaredThreshold: tau2, bailout: .infinity)
                XCTAssertEqual(count, expectedCount, "seed \(seed), \(thresholdPixels) px")
                XCTAssertEqual(score, expectedScore, accuracy: 1e-4 * expectedScore, "seed \(seed)")
            }
        }
    }

    func testDeterministicForASeed() throws {
        let camera = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
        let problem = SyntheticPoseProblem(camera: camera, count: 200, outlierRatio: 0.5, noisePixels: 1, seed: 9)
        let options = AbsolutePoseOptions(seed: 42)
        let a = try XCTUnwrap(estimateAbsolutePose(points2D: problem.points2D, points3D: problem.points3D, camera: camera, options: options))
        let b = try XCTUnwrap(estimateAbsolutePose(points2D: problem.points2D, points3D: problem.points3D, camera: camera, options: options))
        XCTAssertEqual(a.camFromWorld, b.camFromWorld)
        XCTAssertEqual(a.ransacIterations, b.ransacIterations)
    }

    func testBadInputs() throws {
        let camera = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
        // Too few correspondences: no pose, no error.
        XCTAssertNil(try estimateAbsolutePose(points2D: [Vector2(1, 2)], points3D: [Vector3(0, 0, 5)], camera: camera))
        XCTAssertNil(try estimateAbsolutePose(points2D: [], points3D: [], camera: camera))
        // Mismatched counts and NaN: clear errors.
        XCTAssertThrowsError(try estimateAbsolutePose(points2D: [Vector2(1, 2)], points3D: [], camera: camera))
        let nan = [Vector2(.nan, 1), Vector2(1, 1), Vector2(2, 2), Vector2(3, 1)]
        let points = [Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5), Vector3(1, 1, 6)]
        XCTAssertThrowsError(try estimateAbsolutePose(points2D: nan, points3D: points, camera: camera))
        XCTAssertThrowsError(try estimateAbsolutePose(points2D: Array(nan.dropFirst()), points3D: Array(points.dropFirst()),
                                                      camera: camera, options: AbsolutePoseOptions(thresholdPixels: -1)))
        // Pure noise: either nil or a pose with few inliers, never a crash.
        var rng = SeededGenerator(seed: 5)
        let noise2D = (0..<50).map { _ in Vector2(rng.nextUnit() * 640, rng.nextUnit() * 480) }
        let noise3D = (0..<50).map { _ in Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) }
        if let result = try estimateAbsolutePose(points2D: noise2D, points3D: noise3D, camera: camera) {
            XCTAssertLessThan(result.inlierCount, 25)
        }
    }
}
