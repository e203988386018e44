@testable import Geometry
import XCTest
import _TestSupport

/// A three-camera rig (front and ±60° yaw, 0.3 m apart), as the synthetic rig preset's.
func testRig() throws -> [RigCamera] {
    let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [800, 512, 384, -0.02])
    return [0.0, 60.0, -60.0].enumerated().map { k, yaw in
        let rigFromCam = Rigid3(rotation: Quaternion(rotationVector: Vector3(0, yaw * .pi / 180, 0)),
                                translation: Vector3(Double(k == 0 ? 0 : (k == 1 ? 0.15 : -0.15)), 0, k == 0 ? 0.1 : 0))
        return RigCamera(camera: camera, camFromRig: rigFromCam.inverse)
    }
}

/// Correspondences for each rig camera: `count` points 2..20 m in front of it, 1 px noise, a
/// fraction of outliers (random pixels).
func rigProblem(_ rig: [RigCamera], rigFromWorld: Rigid3, count: Int, outlierRatio: Double, noise: Double = 1,
                rng: inout SeededGenerator) -> (points2D: [[Vector2]], points3D: [[Vector3]]) {
    var p2: [[Vector2]] = [], p3: [[Vector3]] = []
    for rigCamera in rig {
        let camera = rigCamera.camera
        let worldFromCam = (rigCamera.camFromRig * rigFromWorld).inverse
        var a: [Vector2] = [], b: [Vector3] = []
        for i in 0..<count {
            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
            let uv = camera.normalizedFromImage(pixel)
            b.append(worldFromCam.apply(Vector3(uv.x, uv.y, 1) * (2 + 18 * rng.nextUnit())))
            if Double(i) < Double(count) * outlierRatio {
                a.append(Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height)))
            } else {
                a.append(pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()) * noise)
            }
        }
        p2.append(a)
        p3.append(b)
    }
    return (p2, p3)
}

final class GeneralizedAbsolutePoseTests: XCTestCase {
    func testRecoversTheRigPoseWithOutliers() throws {
        let rig = try testRig()
        var rng = SeededGenerator(seed: 51)
        for trial in 0..<10 {
            let truth = TestSupport.randomRigid(&rng, scale: 5)
            let problem = rigProblem(rig, rigFromWorld: truth, count: 100, outlierRatio: 0.6, rng: &rng)
            let result = try XCTUnwrap(estimateGeneralizedAbsolutePose(points2D: problem.points2D, points3D: problem.points3D, cameras: rig,
                                                                       options: AbsolutePoseOptions(thresholdPixels: 12, seed: UInt64(trial))))
            XCTAssertLessThan(result.rigFromWorld.rotation.angularDistance(to: truth.rotation) * 180 / .pi, 0.1)
            XCTAssertLessThan(norm(result.rigFromWorld.cameraCenter - truth.cameraCenter), 0.05)
            XCTAssertGreaterThanOrEqual(result.inlierCount, 110)
            XCTAssertEqual(result.inlierMasks.map(\.count), [100, 100, 100])
            XCTAssertNotNil(result.refinement)
        }
    }

    func testOneCameraWithDataIsTheSingleCameraEstimate() throws {
        let rig = try testRig()
        var rng = SeededGenerator(seed: 52)
        let truth = TestSupport.randomRigid(&rng, scale: 5)
        var problem = rigProblem(rig, rigFromWorld: truth, count: 80, outlierRatio: 0.3, rng: &rng)
        problem.points2D[0] = []; problem.points3D[0] = []
        problem.points2D[2] = []; problem.points3D[2] = []
        let options = AbsolutePoseOptions(thresholdPixels: 12, seed: 3)
        let rigResult = try XCTUnwrap(estimateGeneralizedAbsolutePose(points2D: problem.points2D, points3D: problem.points3D, cameras: rig, options: options))
        let single = try XCTUnwrap(estimateAbsolutePose(points2D: problem.points2D[1], points3D: problem.points3D[1], camera: rig[1].camera, options: options))
        assertPoseClose(rig[1].camFromRig * rigResult.rigFromWorld, single.camFromWorld, rotationDegrees: 1e-9, translation: 1e-9)
        XCTAssertLessThan(norm(rigResult.rigFromWorld.cameraCenter - truth.cameraCenter), 0.1)
    }

    func testRefinementLowersTheCostAndRecoversTheTruth() throws {
        let rig = try testRig()
        var rng = SeededGenerator(seed: 53)
        let truth = TestSupport.randomRigid(&rng, scale: 5)
        let problem = rigProblem(rig, rigFromWorld: truth, count: 40, outlierRatio: 0, noise: 0, rng: &rng)
        let start = Rigid3(rotation: (Quaternion(rotationVector: Vector3(0.01, -0.02, 0.015)) * truth.rotation).normalized(),
                           translation: truth.translation + Vector3(0.05, -0.03, 0.08))
        let refined = try XCTUnwrap(refineGeneralizedAbsolutePose(start, points2D: problem.points2D, points3D: problem.points3D, cameras: rig))
        XCTAssertLessThan(refined.summary.finalCost, refined.summary.initialCost * 1e-6)
        assertPoseClose(refined.rigFromWorld, truth, rotationDegrees: 1e-6, translation: 1e-6)
    }

    func testEstimatorResidualsAndScoreAgree() throws {
        let rig = try testRig()
        var rng = SeededGenerator(seed: 54)
        let truth = TestSupport.randomRigid(&rng, scale: 5)
        let problem = rigProblem(rig, rigFromWorld: truth, count: 50, outlierRatio: 0.4, rng: &rng)
        let estimator = GeneralizedAbsolutePoseEstimator(normalizedPoints: rig.indices.map { k in problem.points2D[k].map(rig[k].camera.normalizedFromImage) },
                                                         worldPoints: problem.points3D, camFromRig: rig.map(\.camFromRig),
                                                         focalWeights: rig.map(\.camera.meanFocal))
        let model = Rigid3Matrix(truth)
        let fast = estimator.score(model, squaredThreshold: 144, bailout: .infinity)
        var slow = 0.0, inliers = 0
        for i in 0..<estimator.dataCount {
            let r2 = estimator.squaredResidual(model, at: i)
            if r2 < 144 { slow += r2; inliers += 1 } else { slow += 144 }
        }
        XCTAssertEqual(fast.inliers, inliers)
        XCTAssertEqual(fast.score, slow, accuracy: 1e-3 * slow)
        XCTAssertEqual(inliers, 90)
    }

    func testMismatchedInputThrows() throws {
        let rig = try testRig()
        XCTAssertThrowsError(try estimateGeneralizedAbsolutePose(points2D: [[]], points3D: [[]], cameras: rig))
        XCTAssertThrowsError(try estimateGeneralizedAbsolutePose(points2D: [[Vector2(1, 1)], [], []], points3D: [[], [], []], cameras: rig))
        XCTAssertNil(try estimateGeneralizedAbsolutePose(points2D: [[Vector2(1, 1)], [Vector2(2, 2)], []],
                                                         points3D: [[Vector3(0, 0, 5)], [Vector3(1, 0, 5)], []], cameras: rig))
    }
}
