import Foundation
import XCTest
@testable import Geometry

final class PolynomialRootsTests: XCTestCase {
    /// `cubeRoot` against libm's `cbrt` over 600 decades, both signs, and at the edges of its own
    /// range, where it hands over to libm.
    func testCubeRootMatchesLibm() {
        var rng = SeededGenerator(seed: 11)
        var worst = 0.0
        for _ in 0..<200_000 {
            let x = (rng.nextUnit() < 0.5 ? -1.0 : 1.0) * pow(10, rng.nextUnit() * 600 - 300)
            worst = max(worst, abs(cubeRoot(x) - cbrt(x)) / abs(cbrt(x)))
        }
        XCTAssertLessThan(worst, 2e-14)
        for x in [0.0, -0.0, 1, -1, 8, -27, 1e-291, 1e-289, 1e289, 1e291, .leastNonzeroMagnitude, .greatestFiniteMagnitude] {
            XCTAssertEqual(cubeRoot(x), cbrt(x), accuracy: 2e-14 * abs(cbrt(x)), "x = \(x)")
        }
        XCTAssertEqual(cubeRoot(.infinity), .infinity)
        XCTAssertEqual(cubeRoot(-.infinity), -.infinity)
        XCTAssertTrue(cubeRoot(.nan).isNaN)
    }

    /// Cubics with known roots (expanded from the roots), one and three real ones.
    func testRealCubicRootsFindsKnownRoots() {
        var rng = SeededGenerator(seed: 12)
        for _ in 0..<1000 {
            let roots = (0..<3).map { _ in rng.nextUnit() * 20 - 10 }.sorted()
            let (r0, r1, r2) = (roots[0], roots[1], roots[2])
            let found = realCubicRoots(2, -2 * (r0 + r1 + r2), 2 * (r0 * r1 + r0 * r2 + r1 * r2), -2 * r0 * r1 * r2)
            let values = (0..<found.count).map { found[$0] }.sorted()
            guard r1 - r0 > 1e-3, r2 - r1 > 1e-3 else { continue }
            XCTAssertEqual(values.count, 3)
            for (value, root) in zip(values, roots) { XCTAssertEqual(value, root, accuracy: 1e-7 * max(1, abs(root))) }
        }
        // (x − 2)(x² + 1): one real root.
        let single = realCubicRoots(1, -2, 1, -2)
        XCTAssertEqual(single.count, 1)
        XCTAssertEqual(single[0], 2, accuracy: 1e-12)
    }
}
