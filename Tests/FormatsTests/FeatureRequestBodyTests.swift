import _TestSupport
import Formats
import Geometry
import Foundation
import XCTest

/// The features body of `POST /v1/localize/features`: what is encoded decodes to the same
/// features, the layout is the documented one, and malformed bodies are refused by what is wrong.
final class FeatureRequestBodyTests: XCTestCase {
    func features(half: Bool, scores: Bool) -> ImageFeatures {
        var rng = SeededGenerator(seed: 7)
        let n = 9, d = 8
        let descriptors = (0..<(n * d)).map { _ -> Float in let v = Float.random(in: -1...1, using: &rng); return half ? Float(Float16(v)) : v }
        return ImageFeatures(keypoints: (0..<n).map { _ in SIMD2(Float.random(in: 0...640, using: &rng), Float.random(in: 0...480, using: &rng)) },
                             descriptors: descriptors, descriptorDimension: d, scores: scores ? (0..<n).map { Float($0) } : [],
                             imageSize: SIMD2(640, 480), uncertainty: nil)
    }

    func testRoundTripsAndHasTheDocumentedLayout() throws {
        for (half, scores) in [(true, false), (false, true), (true, true)] {
            let f = features(half: half, scores: scores)
            let body = FeatureRequestBody.encode(f)
            XCTAssertEqual(body.count, 32 + 9 * 8 + (scores ? 9 * 4 : 0) + 9 * 8 * (half ? 2 : 4))
            XCTAssertEqual(Array(body[0..<8]), Array("RLQFEAT1".utf8))
            XCTAssertEqual(body[24], half ? 2 : 4)
            XCTAssertEqual(try FeatureRequestBody.decode(body), f)
        }
        // Built by hand as a numpy client would: header, keypoints, float16 descriptors.
        var body = Array("RLQFEAT1".utf8)
        for v: UInt32 in [1, 2, 100, 50, 2, 0] { withUnsafeBytes(of: v.littleEndian) { body += $0 } }
        for v: Float in [10.5, 20.25] { withUnsafeBytes(of: v.bitPattern.littleEndian) { body += $0 } }
        for v: Float16 in [0.5, -1] { withUnsafeBytes(of: v.bitPattern.littleEndian) { body += $0 } }
        let decoded = try FeatureRequestBody.decode(body)
        XCTAssertEqual(decoded.keypoints, [SIMD2(10.5, 20.25)])
        XCTAssertEqual(decoded.descriptors, [0.5, -1])
        XCTAssertEqual(decoded.imageSize, SIMD2(100, 50))
    }

    func testMalformedBodiesAreRefused() throws {
        let good = FeatureRequestBody.encode(features(half: true, scores: false))
        func refused(_ body: [UInt8], saying text: String, line: UInt = #line) {
            XCTAssertThrowsError(try FeatureRequestBody.decode(body), line: line) { XCTAssertTrue("\($0)".contains(text), "\($0)", line: line) }
        }
        refused([], saying: "does not start with the RLQFEAT1 header")
        refused(Array(good.dropLast()), saying: "the header gives")
        refused(good + [0], saying: "the header gives")
        func with(_ at: Int, _ value: UInt32) -> [UInt8] {
            var b = good
            withUnsafeBytes(of: value.littleEndian) { for k in 0..<4 { b[at + k] = $0[k] } }
            return b
        }
        refused(with(8, 1 << 30), saying: "more than")
        refused(with(12, 0), saying: "descriptor dimension 0")
        refused(with(16, 0), saying: "image size")
        refused(with(24, 3), saying: "values of 3 bytes")
        refused(with(28, 2), saying: "unknown flags")
        refused(with(32, Float.nan.bitPattern), saying: "not finite")
    }
}
