@testable import Features
import XCTest

/// The eight-wide scale-space extremum test against the definition written out here: |v| above
/// the pre-threshold and v ≥ (v > 0) or ≤ (v < 0) each of the 26 neighbours.
final class ExtremumScanTests: XCTestCase {
    func testEightWideScanAgreesWithTheDefinition() {
        let w = 40, h = 12, threshold: Float = 0.25
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var extremaSeen = 0, tiesSeen = 0
        for trial in 0..<200 {
            // Few levels, so that equal neighbours (ties, plateaus) are common; some NaN.
            func layer() -> [Float] {
                (0..<(w * h)).map { _ in
                    let r = next() % 100
                    if r == 0 && trial % 2 == 0 { return .nan }
                    return Float(Int(next() % 9) - 4) / 4
                }
            }
            let below = layer(), current = layer(), above = layer()
            below.withUnsafeBufferPointer { b in
            current.withUnsafeBufferPointer { c in
            above.withUnsafeBufferPointer { a in
                for y in 1..<(h - 1) {
                    var x = 1
                    while x + 8 <= w - 1 {
                        let mask = SIFT.extremumMask(b.baseAddress!, c.baseAddress!, a.baseAddress!, y * w + x, w, threshold)
                        for lane in 0..<8 {
                            let v = current[y * w + x + lane]
                            var expected = abs(v) > threshold
                            var tie = false
                            for dy in -1...1 {
                                for dx in -1...1 {
                                    let k = (y + dy) * w + x + lane + dx
                                    for n in [below[k], current[k], above[k]] {
                                        if v > 0 ? n > v : n < v { expected = false }
                                        if n == v && !(dx == 0 && dy == 0) { tie = true }
                                    }
                                }
                            }
                            XCTAssertEqual(mask[lane], expected, "trial \(trial) x \(x + lane) y \(y)")
                            let scalar = abs(v) > threshold
                                && SIFT.isExtremum(v, b.baseAddress!, c.baseAddress!, a.baseAddress!, x + lane, y, w)
                            XCTAssertEqual(scalar, expected, "trial \(trial) x \(x + lane) y \(y) (one by one)")
                            if expected { extremaSeen += 1; if tie { tiesSeen += 1 } }
                        }
                        x += 8
                    }
                }
            }
            }
            }
        }
        // The data must exercise both outcomes, ties included.
        XCTAssertGreaterThan(extremaSeen, 100)
        XCTAssertGreaterThan(tiesSeen, 10)
    }
}
