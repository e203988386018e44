import Geometry
import XCTest
import _TestSupport

final class QuaternionTests: XCTestCase {
    func testMatrixRoundTripOverRandomRotations() {
        var rng = SeededGenerator(seed: 1)
        for _ in 0..<10_000 {
            let q = TestSupport.randomRotation(&rng)
            let back = Quaternion(matrix: q.matrix)
            // q and -q are the same rotation; init(matrix:) returns w >= 0.
            let aligned = q.w < 0 ? q.negated : q
            XCTAssertLessThan(abs(back.w - aligned.w) + abs(back.x - aligned.x) + abs(back.y - aligned.y) + abs(back.z - aligned.z), 1e-12)
        }
    }

    func testHalfTurnsAreExact() {
        // 180° about each axis and about diagonals: trace = -1, the unstable case for naive formulas.
        let axes = [Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, 1), Vector3(1, 1, 0), Vector3(1, -1, 1), Vector3(0, 1, -1)]
        for axis in axes {
            let q = Quaternion(axis: axis, angle: .pi)
            let back = Quaternion(matrix: q.matrix)
            XCTAssertLessThan(back.angularDistance(to: q), 1e-12, "axis \(axis)")
            XCTAssertEqual(back.angle, .pi, accuracy: 1e-12)
            XCTAssertEqual(back.norm, 1, accuracy: 1e-15)
        }
        // A hand-checked case: 180° about z is diag(-1, -1, 1).
        let z = Quaternion(w: 0, x: 0, y: 0, z: 1).matrix
        XCTAssertEqual(z.maxAbsDifference(Matrix3x3(rowMajor: [-1, 0, 0, 0, -1, 0, 0, 0, 1])), 0)
    }

    func testNearIdentityRotationsKeepPrecision() {
        for angle in [1e-3, 1e-6, 1e-9, 1e-12] {
            let q = Quaternion(axis: Vector3(0.3, -0.2, 0.9), angle: angle)
            XCTAssertEqual(q.angle, angle, accuracy: angle * 1e-6)
            XCTAssertEqual(Quaternion(matrix: q.matrix).angle, angle, accuracy: 1e-15 + angle * 1e-6)
        }
    }

    func testRotateMatchesMatrixAndComposition() {
        var rng = SeededGenerator(seed: 2)
        for _ in 0..<1000 {
            let a = TestSupport.randomRotation(&rng), b = TestSupport.randomRotation(&rng)
            let v = Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())
            XCTAssertLessThan(norm(a.rotate(v) - a.matrix * v), 1e-12)
            XCTAssertLessThan(norm((a * b).rotate(v) - a.rotate(b.rotate(v))), 1e-12)
            XCTAssertLessThan((a * b).matrix.maxAbsDifference(a.matrix * b.matrix), 1e-12)
            XCTAssertEqual(a.matrix.determinant, 1, accuracy: 1e-12)
        }
    }

    func testKnownRotation() {
        // 90° about z maps x to y (active rotation, right-handed).
        let q = Quaternion(axis: Vector3(0, 0, 1), angle: .pi / 2)
        XCTAssertLessThan(norm(q.rotate(Vector3(1, 0, 0)) - Vector3(0, 1, 0)), 1e-15)
        XCTAssertEqual(q.w, 2.0.squareRoot() / 2, accuracy: 1e-15)
        XCTAssertEqual(q.z, 2.0.squareRoot() / 2, accuracy: 1e-15)
        XCTAssertEqual(q.angularDistance(to: .identity) * 180 / .pi, 90, accuracy: 1e-12)
    }
}
