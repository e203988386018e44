@testable import Geometry
import XCTest

/// E3Q3 on nets of quadrics with eight known real intersections: three quadrics through seven
/// random points meet in an eighth (Cayley–Bacharach), so every one of the 8 solutions is real
/// and the degree-8 elimination must report exactly these.
final class ThreeQuadricsTests: XCTestCase {
    /// The quadric of coefficients (x², xy, xz, y², yz, z², x, y, z, 1).
    func quadric(_ c: [Double]) -> Quadric3 {
        var q = Quadric3()
        q[0, 0] = c[0]; q[0, 1] = c[1] / 2; q[0, 2] = c[2] / 2; q[1, 1] = c[3]; q[1, 2] = c[4] / 2; q[2, 2] = c[5]
        q[0, 3] = c[6] / 2; q[1, 3] = c[7] / 2; q[2, 3] = c[8] / 2; q[3, 3] = c[9]
        return q
    }

    /// A basis of the quadrics through `points` (7 points: 3 of them), by Gauss–Jordan elimination.
    func quadricsThrough(_ points: [Vector3]) -> [[Double]] {
        var rows = points.map { p in [p.x * p.x, p.x * p.y, p.x * p.z, p.y * p.y, p.y * p.z, p.z * p.z, p.x, p.y, p.z, 1] }
        var pivots: [Int] = []
        var r = 0
        for column in 0..<10 where r < rows.count {
            guard let best = (r..<rows.count).max(by: { abs(rows[$0][column]) < abs(rows[$1][column]) }), abs(rows[best][column]) > 1e-12 else { continue }
            rows.swapAt(r, best)
            let pivot = rows[r][column]
            rows[r] = rows[r].map { $0 / pivot }
            for k in rows.indices where k != r {
                let factor = rows[k][column]
                rows[k] = zip(rows[k], rows[r]).map { $0 - factor * $1 }
            }
            pivots.append(column); r += 1
        }
        let free = (0..<10).filter { !pivots.contains($0) }
        return free.map { f in
            var v = [Double](repeating: 0, count: 10)
            v[f] = 1
            for (k, column) in pivots.enumerated() { v[column] = -rows[k][f] }
            return v
        }
    }

    func testFindsAllEightRealIntersectionsOfANet() {
        var rng = SeededGenerator(seed: 3)
        var complete = 0
        let total = 500
        var solutions: [Vector3] = []
        for _ in 0..<total {
            let points = (0..<7).map { _ in Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1) }
            let basis = quadricsThrough(points)
            XCTAssertEqual(basis.count, 3)
            // Three random combinations of the net's basis (the same net, a generic system).
            let mixed = (0..<3).map { _ -> Quadric3 in
                let w = (rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, rng.nextUnit() - 0.5)
                return quadric((0..<10).map { w.0 * basis[0][$0] + w.1 * basis[1][$0] + w.2 * basis[2][$0] })
            }
            solutions.removeAll()
            solveThreeQuadrics((mixed[0], mixed[1], mixed[2]), into: &solutions)
            XCTAssertLessThanOrEqual(solutions.count, 8)
            for s in solutions {
                for q in mixed { XCTAssertEqual(q.value(s), 0, accuracy: 1e-8 * max(1, q.magnitude) * (1 + dot(s, s))) }
            }
            let allGiven = points.allSatisfy { p in solutions.contains { norm($0 - p) < 1e-6 } }
            if allGiven && solutions.count == 8 { complete += 1 }
        }
        // Near-degenerate nets (two intersections almost together) may lose a pair.
        XCTAssertGreaterThanOrEqual(complete, total * 98 / 100, "all 8 found in \(complete)/\(total)")
    }
}
