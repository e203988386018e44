import Geometry
import XCTest
import _TestSupport

/// A random P3P instance: camera at a random pose, points in front of it.
func randomP3PInstance(_ rng: inout SeededGenerator) -> (camFromWorld: Rigid3, bearings: (Vector3, Vector3, Vector3), points: (Vector3, Vector3, Vector3)) {
    let camFromWorld = TestSupport.randomRigid(&rng, scale: 5)
    let worldFromCam = camFromWorld.inverse
    var bearings: [Vector3] = [], points: [Vector3] = []
    for _ in 0..<3 {
        // A point in a 60°-ish cone at depth 1..10.
        let pointInCam = Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (1 + 9 * rng.nextUnit())
        bearings.append(normalized(pointInCam))
        points.append(worldFromCam.apply(pointInCam))
    }
    return (camFromWorld, (bearings[0], bearings[1], bearings[2]), (points[0], points[1], points[2]))
}

final class P3PTests: XCTestCase {
    func testFindsTruePoseInRandomInstances() {
        var rng = SeededGenerator(seed: 21)
        let total = 10_000
        var found = 0
        var solutionCounts = [Int](repeating: 0, count: 5)
        for _ in 0..<total {
            let instance = randomP3PInstance(&rng)
            let poses = solveP3P(bearings: instance.bearings, points: instance.points)
            XCTAssertLessThanOrEqual(poses.count, 4)
            solutionCounts[min(poses.count, 4)] += 1
            // The true pose is among the solutions to 1e-6 (rotation matrix and translation).
            let truth = instance.camFromWorld
            if poses.contains(where: { pose in
                pose.rotation.matrix.maxAbsDifference(truth.rotation.matrix) < 1e-6
                    && norm(pose.translation - truth.translation) < 1e-6 * max(1, norm(truth.translation))
            }) { found += 1 }
        }
        let rate = Double(found) / Double(total)
        XCTAssertGreaterThanOrEqual(rate, 0.999, "true pose found in \(found)/\(total); solution counts \(solutionCounts)")
    }

    func testEverySolutionReprojectsTheThreePoints() {
        var rng = SeededGenerator(seed: 22)
        for _ in 0..<500 {
            let instance = randomP3PInstance(&rng)
            let ys = [instance.bearings.0, instance.bearings.1, instance.bearings.2]
            let xs = [instance.points.0, instance.points.1, instance.points.2]
            for pose in solveP3P(bearings: instance.bearings, points: instance.points) {
                for (y, x) in zip(ys, xs) {
                    let p = pose.apply(x)
                    XCTAssertGreaterThan(p.z, 0)
                    XCTAssertLessThan(norm(normalized(p) - y), 1e-6)
                }
            }
        }
    }

    /// The solver reorders the points so that the longest side is opposite the first one and skips
    /// the second line when the cubic has one real root: the set of poses must not depend on the
    /// order the correspondences come in.
    func testSolutionsDoNotDependOnTheOrderOfTheCorrespondences() {
        var rng = SeededGenerator(seed: 23)
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]
        var fourSolutions = 0
        for _ in 0..<2_000 {
            let instance = randomP3PInstance(&rng)
            let ys = [instance.bearings.0, instance.bearings.1, instance.bearings.2]
            let xs = [instance.points.0, instance.points.1, instance.points.2]
            let reference = solveP3P(bearings: instance.bearings, points: instance.points)
            if reference.count == 4 { fourSolutions += 1 }
            for order in orders.dropFirst() {
                let poses = solveP3P(bearings: (ys[order[0]], ys[order[1]], ys[order[2]]),
                                     points: (xs[order[0]], xs[order[1]], xs[order[2]]))
                XCTAssertEqual(poses.count, reference.count, "order \(order)")
                for pose in reference {
                    XCTAssertTrue(poses.contains { $0.rotation.matrix.maxAbsDifference(pose.rotation.matrix) < 1e-7
                        && norm($0.translation - pose.translation) < 1e-7 * max(1, norm(pose.translation)) },
                                  "order \(order): a solution is missing")
                }
            }
        }
        XCTAssertGreaterThan(fourSolutions, 0, "the instances should include four-solution cases")
    }

    func testDegenerateInputGivesNoSolutionAndNoNaN() {
        let y = (normalized(Vector3(0.1, 0, 1)), normalized(Vector3(0, 0.1, 1)), normalized(Vector3(-0.1, 0.05, 1)))
        // Collinear world points.
        XCTAssertTrue(solveP3P(bearings: y, points: (Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(2, 0, 5))).isEmpty)
        // Coincident world points.
        XCTAssertTrue(solveP3P(bearings: y, points: (Vector3(0, 0, 5), Vector3(0, 0, 5), Vector3(2, 0, 5))).isEmpty)
        // Identical bearings.
        XCTAssertTrue(solveP3P(bearings: (y.0, y.0, y.2), points: (Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5))).isEmpty)
        // NaN and infinity.
        XCTAssertTrue(solveP3P(bearings: (Vector3(.nan, 0, 1), y.1, y.2), points: (Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5))).isEmpty)
        XCTAssertTrue(solveP3P(bearings: y, points: (Vector3(.infinity, 0, 5), Vector3(1, 0, 5), Vector3(0, 1, 5))).isEmpty)
        // All zeros.
        XCTAssertTrue(solveP3P(bearings: (.zero, .zero, .zero), points: (.zero, .zero, .zero)).isEmpty)
    }
}
