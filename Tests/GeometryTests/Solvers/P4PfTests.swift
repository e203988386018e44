@testable import Geometry
import XCTest
import _TestSupport

/// A random P4Pf instance: focal 500..3000 px, four points 2..10 m deep in a ±45° cone, image
/// points centred on the principal point and divided by `imageScale`.
func randomP4PfInstance(_ rng: inout SeededGenerator, imageScale: Double = 1000)
    -> (camFromWorld: Rigid3, focal: Double, imagePoints: [Vector2], worldPoints: [Vector3]) {
    let camFromWorld = TestSupport.randomRigid(&rng, scale: 5)
    let worldFromCam = camFromWorld.inverse
    let focal = 500 + 2500 * rng.nextUnit()
    var u: [Vector2] = [], X: [Vector3] = []
    for _ in 0..<4 {
        let p = Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (2 + 8 * rng.nextUnit())
        u.append(Vector2(p.x / p.z, p.y / p.z) * focal / imageScale)
        X.append(worldFromCam.apply(p))
    }
    return (camFromWorld, focal, u, X)
}

final class P4PfTests: XCTestCase {
    func testFindsTruePoseAndFocalInRandomInstances() {
        var rng = SeededGenerator(seed: 41)
        let total = 5_000
        var found = 0, most = 0
        var solutions: [FocalPose] = []
        for _ in 0..<total {
            let s = randomP4PfInstance(&rng)
            solutions.removeAll()
            solveP4Pf(imagePoints: s.imagePoints, worldPoints: s.worldPoints, into: &solutions)
            most = max(most, solutions.count)
            let truth = Rigid3Matrix(s.camFromWorld)
            if solutions.contains(where: { abs($0.focal * 1000 - s.focal) < 1e-6 * s.focal
                    && $0.camFromWorld.rotation.maxAbsDifference(truth.rotation) < 1e-6
                    && norm($0.camFromWorld.translation - truth.translation) < 1e-6 * max(1, norm(truth.translation)) }) { found += 1 }
        }
        XCTAssertLessThanOrEqual(most, 8)
        XCTAssertGreaterThanOrEqual(Double(found) / Double(total), 0.99, "true pose found in \(found)/\(total)")
    }

    func testEverySolutionReprojectsTheFourPoints() {
        var rng = SeededGenerator(seed: 42)
        var checked = 0
        for _ in 0..<300 {
            let s = randomP4PfInstance(&rng)
            var solutions: [FocalPose] = []
            solveP4Pf(imagePoints: s.imagePoints, worldPoints: s.worldPoints, into: &solutions)
            for solution in solutions {
                // Three of the four rotation constraints are exact; a solution that reprojects all
                // four points is a true solution of P4Pf.
                let errors = zip(s.imagePoints, s.worldPoints).map { u, X -> Double in
                    let p = solution.camFromWorld.apply(X)
                    return norm(Vector2(p.x / p.z, p.y / p.z) * solution.focal - u)
                }
                XCTAssertTrue(errors.allSatisfy { $0.isFinite })
                if errors.allSatisfy({ $0 < 1e-8 }) { checked += 1 }
            }
        }
        XCTAssertGreaterThanOrEqual(checked, 297)
    }

    func testNoisyInstancesStayClose() {
        var rng = SeededGenerator(seed: 43)
        var errors: [Double] = []
        for _ in 0..<500 {
            let s = randomP4PfInstance(&rng)
            // 0.5 px of noise.
            let noisy = s.imagePoints.map { $0 + Vector2(rng.nextGaussian(), rng.nextGaussian()) * 0.5 / 1000 }
            var solutions: [FocalPose] = []
            solveP4Pf(imagePoints: noisy, worldPoints: s.worldPoints, into: &solutions)
            errors.append(solutions.map { abs($0.focal * 1000 - s.focal) / s.focal }.min() ?? 1)
        }
        errors.sort()
        XCTAssertLessThan(errors[errors.count / 2], 0.02, "median relative focal error with 0.5 px noise")
    }

    func testDegenerateInputGivesNoSolution() {
        var solutions: [FocalPose] = []
        let u = [Vector2(0, 0), Vector2(0.1, 0), Vector2(0, 0.1), Vector2(0.1, 0.1)]
        solveP4Pf(imagePoints: u, worldPoints: [Vector3](repeating: Vector3(1, 2, 3), count: 4), into: &solutions)
        solveP4Pf(imagePoints: u, worldPoints: [Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5), Vector3(.infinity, 1, 5)], into: &solutions)
        solveP4Pf(imagePoints: Array(u.prefix(3)), worldPoints: [Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5)], into: &solutions)
        XCTAssertTrue(solutions.isEmpty)
    }
}

final class PolynomialTests: XCTestCase {
    func testRealRootsOfProductsOfKnownFactors() {
        var rng = SeededGenerator(seed: 44)
        for _ in 0..<500 {
            // Degree 10: k real roots in [-5, 5] and 5 − k/2 complex pairs.
            let realCount = 2 * Int(rng.next() % 6)
            var p = Polynomial(1)
            var truth: [Double] = []
            for _ in 0..<realCount {
                let r = rng.nextUnit() * 10 - 5
                truth.append(r)
                p = p * Polynomial(-r, 1)
            }
            for _ in 0..<((10 - realCount) / 2) {
                let re = rng.nextUnit() * 4 - 2, im = 0.1 + rng.nextUnit()
                p = p * Polynomial(re * re + im * im, -2 * re, 1)
            }
            var roots: [Double] = []
            realPolynomialRoots(3.5 * p, into: &roots)
            truth.sort()
            // Close roots are ill-conditioned (a perturbation of 1e-16 moves them by far more); skip such draws.
            if zip(truth, truth.dropFirst()).contains(where: { $1 - $0 < 0.05 }) { continue }
            XCTAssertEqual(roots.count, truth.count)
            for (a, b) in zip(roots, truth) { XCTAssertEqual(a, b, accuracy: 1e-7) }
        }
    }
}
