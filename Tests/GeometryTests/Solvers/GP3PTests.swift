@testable import Geometry
import XCTest
import _TestSupport

/// A random GP3P instance: a rig at a random pose with three cameras (origins up to 1 m from the
/// rig centre, random orientations); each ray sees a point 2..20 m away in its camera's cone.
func randomGP3PInstance(_ rng: inout SeededGenerator)
    -> (rigFromWorld: Rigid3, origins: (Vector3, Vector3, Vector3), directions: (Vector3, Vector3, Vector3), points: (Vector3, Vector3, Vector3)) {
    let rigFromWorld = TestSupport.randomRigid(&rng, scale: 5)
    let worldFromRig = rigFromWorld.inverse
    var o: [Vector3] = [], d: [Vector3] = [], X: [Vector3] = []
    for _ in 0..<3 {
        let rigFromCam = TestSupport.randomRigid(&rng, scale: 1)
        let pointInCam = Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (2 + 18 * rng.nextUnit())
        let origin = rigFromCam.translation
        let pointInRig = rigFromCam.apply(pointInCam)
        o.append(origin)
        d.append(normalized(pointInRig - origin))
        X.append(worldFromRig.apply(pointInRig))
    }
    return (rigFromWorld, (o[0], o[1], o[2]), (d[0], d[1], d[2]), (X[0], X[1], X[2]))
}

final class GP3PTests: XCTestCase {
    func testFindsTruePoseInRandomInstances() {
        var rng = SeededGenerator(seed: 31)
        let total = 5_000
        var found = 0, most = 0
        var poses: [Rigid3Matrix] = []
        for _ in 0..<total {
            let instance = randomGP3PInstance(&rng)
            poses.removeAll()
            solveGP3P(origins: instance.origins, directions: instance.directions, points: instance.points, into: &poses)
            most = max(most, poses.count)
            let truth = Rigid3Matrix(instance.rigFromWorld)
            if poses.contains(where: { $0.rotation.maxAbsDifference(truth.rotation) < 1e-6
                    && norm($0.translation - truth.translation) < 1e-6 * max(1, norm(truth.translation)) }) { found += 1 }
        }
        XCTAssertLessThanOrEqual(most, 8)
        XCTAssertGreaterThanOrEqual(Double(found) / Double(total), 0.995, "true pose found in \(found)/\(total)")
    }

    func testEverySolutionPutsThePointsOnTheirRays() {
        var rng = SeededGenerator(seed: 32)
        for _ in 0..<300 {
            let s = randomGP3PInstance(&rng)
            var poses: [Rigid3Matrix] = []
            solveGP3P(origins: s.origins, directions: s.directions, points: s.points, into: &poses)
            XCTAssertFalse(poses.isEmpty)
            for pose in poses {
                for (o, d, X) in [(s.origins.0, s.directions.0, s.points.0), (s.origins.1, s.directions.1, s.points.1),
                                  (s.origins.2, s.directions.2, s.points.2)] {
                    let v = pose.apply(X) - o
                    XCTAssertGreaterThan(dot(v, d), 0)
                    XCTAssertLessThan(norm(cross(v, d)), 1e-6 * max(1, norm(v)))
                }
            }
        }
    }

    func testSolutionsDoNotDependOnTheOrder() {
        var rng = SeededGenerator(seed: 33)
        for _ in 0..<200 {
            let s = randomGP3PInstance(&rng)
            var a: [Rigid3Matrix] = [], b: [Rigid3Matrix] = []
            solveGP3P(origins: s.origins, directions: s.directions, points: s.points, into: &a)
            solveGP3P(origins: (s.origins.2, s.origins.0, s.origins.1), directions: (s.directions.2, s.directions.0, s.directions.1),
                      points: (s.points.2, s.points.0, s.points.1), into: &b)
            XCTAssertEqual(a.count, b.count)
            for pose in a {
                XCTAssertTrue(b.contains { $0.rotation.maxAbsDifference(pose.rotation) < 1e-6 && norm($0.translation - pose.translation) < 1e-5 })
            }
        }
    }

    func testCentralRaysGiveTheP3PPoses() {
        var rng = SeededGenerator(seed: 34)
        for _ in 0..<200 {
            let instance = randomP3PInstance(&rng)
            var poses: [Rigid3Matrix] = []
            let o = Vector3.zero
            solveGP3P(origins: (o, o, o), directions: instance.bearings, points: instance.points, into: &poses)
            let truth = Rigid3Matrix(instance.camFromWorld)
            XCTAssertTrue(poses.contains { $0.rotation.maxAbsDifference(truth.rotation) < 1e-6 })
        }
    }

    func testDegenerateInputGivesNoSolution() {
        var poses: [Rigid3Matrix] = []
        let d = normalized(Vector3(0, 0, 1)), o = Vector3.zero
        // Collinear world points.
        solveGP3P(origins: (o, Vector3(1, 0, 0), Vector3(0, 1, 0)), directions: (d, d, d),
                  points: (Vector3(0, 0, 5), Vector3(1, 0, 5), Vector3(2, 0, 5)), into: &poses)
        XCTAssertTrue(poses.isEmpty)
        // Coincident and non-finite points.
        solveGP3P(origins: (o, o, o), directions: (d, d, d), points: (Vector3(0, 0, 5), Vector3(0, 0, 5), Vector3(1, 0, 5)), into: &poses)
        solveGP3P(origins: (o, o, o), directions: (d, d, d), points: (Vector3(.nan, 0, 5), Vector3(0, 1, 5), Vector3(1, 0, 5)), into: &poses)
        XCTAssertTrue(poses.isEmpty)
    }
}
