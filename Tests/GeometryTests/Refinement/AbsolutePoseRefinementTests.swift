import Geometry
import XCTest
import _TestSupport

final class AbsolutePoseRefinementTests: XCTestCase {
    static let cameras = TestSupport.cameraOfEachModel

    func testShimCostProjectionAgreesWithSwiftForEveryModel() {
        var rng = SeededGenerator(seed: 41)
        for camera in Self.cameras {
            for _ in 0..<200 {
                let p = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) * (1 + 10 * rng.nextUnit())
                let swift = camera.imageFromCamera(p)!, shim = shimProjection(camera, pointInCam: p)!
                XCTAssertLessThan(norm(swift - shim), 1e-9 * max(1, norm(swift)), camera.model.name)
            }
        }
    }

    func testNoiselessDataConvergesToTheTruePose() throws {
        // The hand-derived optimum on noiseless data is the true pose with zero cost.
        for (k, camera) in Self.cameras.enumerated() {
            let problem = SyntheticPoseProblem(camera: camera, count: 100, outlierRatio: 0, noisePixels: 0, seed: UInt64(50 + k))
            var rng = SeededGenerator(seed: UInt64(k))
            let start = Rigid3(rotation: Quaternion(rotationVector: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * 0.01)
                                * problem.camFromWorld.rotation,
                               translation: problem.camFromWorld.translation + Vector3(0.05, -0.03, 0.02))
            let refined = try XCTUnwrap(refineAbsolutePose(start, points2D: problem.points2D, points3D: problem.points3D, camera: camera))
            // To Ceres' stopping tolerances (relative step 1e-8): ~1e-7° and ~1e-8 m here.
            assertPoseClose(refined.camFromWorld, problem.camFromWorld, rotationDegrees: 1e-6, translation: 1e-7)
            XCTAssertLessThan(refined.summary.finalCost, 1e-9)
            XCTAssertGreaterThan(refined.summary.initialCost, refined.summary.finalCost)
            XCTAssertEqual(refined.summary.termination, .converged, camera.model.name)
        }
    }

    func testRefinementLowersReprojectionErrorOnNoisyData() throws {
        let camera = Self.cameras[2]
        let problem = SyntheticPoseProblem(camera: camera, count: 300, outlierRatio: 0, noisePixels: 1, seed: 61)
        func meanError(_ pose: Rigid3) -> Double {
            zip(problem.points2D, problem.points3D).map { norm(camera.imageFromCamera(pose.apply($1))! - $0) }.reduce(0, +) / 300
        }
        let start = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.002) * problem.camFromWorld.rotation,
                           translation: problem.camFromWorld.translation)
        let refined = try XCTUnwrap(refineAbsolutePose(start, points2D: problem.points2D, points3D: problem.points3D, camera: camera))
        XCTAssertLessThan(meanError(refined.camFromWorld), meanError(start))
        // Least squares fits the noise: no worse than the truth.
        XCTAssertLessThanOrEqual(meanError(refined.camFromWorld), meanError(problem.camFromWorld) + 1e-6)
    }

    func testRefinedPoseIsAStationaryPointOfTheCauchyCost() throws {
        // The shim hands Ceres a curvature-corrected Jacobian; only its gradient must be exact.
        // Then the result is a minimum of Σ a² log(1 + |r|²/a²), computed here in Swift: no
        // small rotation or translation from it lowers that cost by more than Ceres' stopping
        // tolerance (relative cost change 1e-6).
        for (k, camera) in Self.cameras.enumerated() {
            let problem = SyntheticPoseProblem(camera: camera, count: 200, outlierRatio: 0.2, noisePixels: 1, seed: UInt64(70 + k))
            func cauchyCost(_ pose: Rigid3) -> Double {
                zip(problem.points2D, problem.points3D).reduce(0) { total, pair in
                    let r = camera.imageFromCamera(pose.apply(pair.1))! - pair.0
                    return total + log1p((r * r).sum())
                }
            }
            let start = Rigid3(rotation: Quaternion(axis: Vector3(1, 2, 0.5), angle: 0.3 * .pi / 180) * problem.camFromWorld.rotation,
                               translation: problem.camFromWorld.translation + Vector3(0.01, 0, -0.01))
            let refined = try XCTUnwrap(refineAbsolutePose(start, points2D: problem.points2D, points3D: problem.points3D, camera: camera))
            let pose = refined.camFromWorld
            let best = cauchyCost(pose)
            XCTAssertLessThan(best, cauchyCost(start), camera.model.name)
            for axis in 0..<6 {
                for sign in [-1.0, 1.0] {
                    var delta = Vector3.zero
                    delta[axis % 3] = sign * 1e-5
                    let moved = axis < 3
                        ? Rigid3(rotation: Quaternion(rotationVector: delta) * pose.rotation, translation: pose.translation)
                        : Rigid3(rotation: pose.rotation, translation: pose.translation + delta)
                    XCTAssertGreaterThanOrEqual(cauchyCost(moved), best - 1e-6 * best, "\(camera.model.name) axis \(axis) sign \(sign)")
                }
            }
        }
    }

    func testBadInputs() throws {
        let camera = Self.cameras[0]
        XCTAssertThrowsError(try refineAbsolutePose(.identity, points2D: [Vector2(1, 1)], points3D: [], camera: camera))
        XCTAssertThrowsError(try refineAbsolutePose(.identity, points2D: [Vector2(1, .infinity)], points3D: [Vector3(0, 0, 1)], camera: camera))
        XCTAssertNil(try refineAbsolutePose(.identity, points2D: [Vector2(1, 1)], points3D: [Vector3(0, 0, 1)], camera: camera))
        XCTAssertThrowsError(try refineAbsolutePose(.identity, points2D: [], points3D: [], camera: camera,
                                                    options: RefinementOptions(lossScale: 0)))
    }
}

@testable import Geometry

final class ReprojectionJacobianTests: XCTestCase {
    /// The cost's analytic Jacobians against central finite differences, every camera model.
    func testAnalyticJacobiansMatchFiniteDifferences() {
        var rng = SeededGenerator(seed: 91)
        for camera in AbsolutePoseRefinementTests.cameras {
            for _ in 0..<20 {
                let pose = TestSupport.randomRigid(&rng, scale: 1)
                let pointInCam = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) * (2 + 5 * rng.nextUnit())
                let point = pose.inverse.apply(pointInCam)
                let q = pose.rotation.components, t = [pose.translation.x, pose.translation.y, pose.translation.z]
                let observed = Vector2(300, 200)
                let analytic = shimReprojection(camera, quaternion: q, translation: t, point: point, observed: observed)
                let h = 1e-7
                for k in 0..<4 {
                    var qp = q, qm = q
                    qp[k] += h; qm[k] -= h
                    // The cost formula is used for unit quaternions; differentiate the same formula.
                    let rp = shimReprojection(camera, quaternion: qp, translation: t, point: point, observed: observed).residual
                    let rm = shimReprojection(camera, quaternion: qm, translation: t, point: point, observed: observed).residual
                    for r in 0..<2 {
                        let numeric = (rp[r] - rm[r]) / (2 * h)
                        XCTAssertEqual(analytic.jacobianQ[r * 4 + k], numeric, accuracy: 1e-4 * max(1, abs(numeric)), "\(camera.model.name) q\(k)")
                    }
                }
                for k in 0..<3 {
                    var tp = t, tm = t
                    tp[k] += h; tm[k] -= h
                    let rp = shimReprojection(camera, quaternion: q, translation: tp, point: point, observed: observed).residual
                    let rm = shimReprojection(camera, quaternion: q, translation: tm, point: point, observed: observed).residual
                    for r in 0..<2 {
                        let numeric = (rp[r] - rm[r]) / (2 * h)
                        XCTAssertEqual(analytic.jacobianT[r * 3 + k], numeric, accuracy: 1e-4 * max(1, abs(numeric)), "\(camera.model.name) t\(k)")
                    }
                }
            }
        }
    }
}
