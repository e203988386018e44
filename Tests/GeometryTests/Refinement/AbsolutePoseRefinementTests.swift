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

/// The cost that runs (the shim's one-block Cauchy cost with its hand-derived Jacobian) against
/// independent Swift code: Geometry's projection and finite differences.
final class RobustPoseCostTests: XCTestCase {
    struct Problem {
        var camera: Camera
        var rotation: Quaternion
        var omega: Vector3
        var translation: Vector3
        var points2D: [Vector2]
        var points3D: [Vector3]

        /// Observations: projections moved by up to ±`noise` pixels, every fifth by 30 px (an outlier).
        init(camera: Camera, rng: inout SeededGenerator, noise: Double) {
            self.camera = camera
            let pose = TestSupport.randomRigid(&rng, scale: 1)
            rotation = pose.rotation
            omega = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, rng.nextUnit() - 0.5) * 0.02
            translation = pose.translation
            points2D = []
            points3D = []
            let truth = Rigid3(rotation: Quaternion(rotationVector: omega) * rotation, translation: translation)
            for k in 0..<12 {
                let pointInCam = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 1) * (2 + 5 * rng.nextUnit())
                let offset = Vector2(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5) * (k % 5 == 0 ? 60 : 2 * noise)
                points3D.append(truth.inverse.apply(pointInCam))
                points2D.append(camera.imageFromCamera(pointInCam)! + offset)
            }
        }

        /// The plain reprojection errors at (ω, t), by Swift's projection.
        func reprojectionErrors(omega: Vector3, translation: Vector3) -> [Vector2] {
            let pose = Rigid3(rotation: Quaternion(rotationVector: omega) * rotation, translation: translation)
            return zip(points2D, points3D).map { camera.imageFromCamera(pose.apply($1))! - $0 }
        }

        /// ½ Σ a² log(1 + |r|²/a²), the Cauchy cost.
        func cauchyCost(omega: Vector3, translation: Vector3, scale a: Double) -> Double {
            reprojectionErrors(omega: omega, translation: translation).reduce(0) { $0 + 0.5 * a * a * log1p(($1 * $1).sum() / (a * a)) }
        }

        /// (ω, t) with parameter k (0–2: ω, 3–5: t) moved by `step`.
        func moved(_ k: Int, by step: Double) -> (omega: Vector3, translation: Vector3) {
            var (w, t) = (omega, translation)
            if k < 3 { w[k] += step } else { t[k - 3] += step }
            return (w, t)
        }

        func shim(scale: Double, omega: Vector3? = nil, translation: Vector3? = nil)
            -> (residuals: [Double], jacobianOmega: [Double], jacobianTranslation: [Double]) {
            shimPoseCost(camera, points2D: points2D, points3D: points3D, rotation: rotation, omega: omega ?? self.omega,
                         translation: translation ?? self.translation, lossScale: scale)!
        }
    }

    /// With a loss scale far above every residual the loss is the square: the residuals are the
    /// reprojection errors, and the Jacobians are their derivatives (central differences).
    func testUnrobustifiedResidualsAndJacobians() {
        var rng = SeededGenerator(seed: 91)
        let scale = 1e7
        for camera in AbsolutePoseRefinementTests.cameras {
            for _ in 0..<5 {
                let problem = Problem(camera: camera, rng: &rng, noise: 3)
                let cost = problem.shim(scale: scale)
                for (i, r) in problem.reprojectionErrors(omega: problem.omega, translation: problem.translation).enumerated() {
                    XCTAssertEqual(cost.residuals[2 * i], r.x, accuracy: 1e-8 * max(1, abs(r.x)), camera.model.name)
                    XCTAssertEqual(cost.residuals[2 * i + 1], r.y, accuracy: 1e-8 * max(1, abs(r.y)), camera.model.name)
                }
                let h = 1e-6
                for k in 0..<6 {
                    let (plus, minus) = (problem.moved(k, by: h), problem.moved(k, by: -h))
                    let rp = problem.reprojectionErrors(omega: plus.omega, translation: plus.translation)
                    let rm = problem.reprojectionErrors(omega: minus.omega, translation: minus.translation)
                    for i in 0..<rp.count {
                        for c in 0..<2 {
                            let numeric = (rp[i][c] - rm[i][c]) / (2 * h)
                            let analytic = k < 3 ? cost.jacobianOmega[(2 * i + c) * 3 + k] : cost.jacobianTranslation[(2 * i + c) * 3 + k - 3]
                            XCTAssertEqual(analytic, numeric, accuracy: 1e-5 * max(1, abs(numeric)), "\(camera.model.name) parameter \(k)")
                        }
                    }
                }
            }
        }
    }

    /// At the scale that runs (1 px, outliers far out in the loss' tail): ½|e|² is the Cauchy
    /// cost, and Ĵᵀe — what Ceres' steps are built from — is its exact gradient.
    func testCauchyCostAndItsGradient() {
        var rng = SeededGenerator(seed: 92)
        let scale = 1.0
        for camera in AbsolutePoseRefinementTests.cameras {
            for _ in 0..<5 {
                let problem = Problem(camera: camera, rng: &rng, noise: 2)
                let cost = problem.shim(scale: scale)
                let half = 0.5 * cost.residuals.reduce(0) { $0 + $1 * $1 }
                let expected = problem.cauchyCost(omega: problem.omega, translation: problem.translation, scale: scale)
                XCTAssertEqual(half, expected, accuracy: 1e-10 * expected, camera.model.name)
                let h = 1e-6
                for k in 0..<6 {
                    var analytic = 0.0
                    for row in 0..<cost.residuals.count {
                        let j = k < 3 ? cost.jacobianOmega[row * 3 + k] : cost.jacobianTranslation[row * 3 + k - 3]
                        analytic += j * cost.residuals[row]
                    }
                    let (plus, minus) = (problem.moved(k, by: h), problem.moved(k, by: -h))
                    let numeric = (problem.cauchyCost(omega: plus.omega, translation: plus.translation, scale: scale)
                        - problem.cauchyCost(omega: minus.omega, translation: minus.translation, scale: scale)) / (2 * h)
                    XCTAssertEqual(analytic, numeric, accuracy: 1e-5 * max(1, abs(numeric)), "\(camera.model.name) parameter \(k)")
                }
            }
        }
    }

    func testBadInputIsRefused() {
        let camera = AbsolutePoseRefinementTests.cameras[0]
        XCTAssertNil(shimPoseCost(camera, points2D: [], points3D: [], rotation: .identity, omega: .zero, translation: .zero, lossScale: 1))
        XCTAssertNil(shimPoseCost(camera, points2D: [Vector2(1, 1)], points3D: [Vector3(0, 0, 1)],
                                  rotation: Quaternion(w: 0, x: 0, y: 0, z: 0), omega: .zero, translation: .zero, lossScale: 1))
        XCTAssertNil(shimPoseCost(camera, points2D: [Vector2(1, 1)], points3D: [Vector3(0, 0, 1)],
                                  rotation: .identity, omega: .zero, translation: .zero, lossScale: 0))
    }
}
