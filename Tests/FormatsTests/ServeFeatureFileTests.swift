import _TestSupport
import Formats
import Geometry
import Foundation
import XCTest

/// The memory-mapped feature file: the same features as written, and every kind of damage refused.
final class ServeFeatureFileTests: XCTestCase {
    func features(_ k: Int, half: Bool) -> ImageFeatures {
        var rng = SeededGenerator(seed: UInt64(k + 1))
        let n = 5 + k, d = 4
        let keypoints = (0..<n).map { _ in SIMD2(Float.random(in: 0...640, using: &rng), Float.random(in: 0...480, using: &rng)) }
        let descriptors = (0..<(n * d)).map { _ -> Float in
            let v = Float.random(in: -1...1, using: &rng)
            return half ? Float(Float16(v)) : v
        }
        return ImageFeatures(keypoints: keypoints, descriptors: descriptors, descriptorDimension: d,
                             scores: k == 2 ? [] : (0..<n).map { Float($0) / 10 }, imageSize: SIMD2(640, 480 + k),
                             uncertainty: k == 1 ? 1.5 : nil)
    }

    func testWhatIsWrittenReadsBackAndDamageIsRefused() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = folder + "/f.rlsf"
        let written = ["a.jpg": features(0, half: true), "b/c.jpg": features(1, half: false), "d.jpg": features(2, half: true)]
        try ServeFeatureFile.write(to: path, source: "src-1", names: written.keys.sorted(), read: { written[$0]! })
        let file = try ServeFeatureFile(path: path)
        XCTAssertEqual(file.source, "src-1")
        XCTAssertEqual(file.count, 3)
        for (name, f) in written { XCTAssertEqual(try file.read(name), f, name) }
        XCTAssertNil(try file.read("none.jpg"))

        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        func damaged(_ change: (inout [UInt8]) -> Void) throws -> String {
            var copy = bytes
            change(&copy)
            let p = folder + "/damaged-\(UUID().uuidString.prefix(6)).rlsf"
            try Data(copy).write(to: URL(fileURLWithPath: p))
            return p
        }
        // Header, length, index: refused when opened.
        for (what, change) in [("magic", { (b: inout [UInt8]) in b[0] = 0 }), ("truncated", { (b: inout [UInt8]) in b.removeLast(3) }),
                               ("index", { (b: inout [UInt8]) in b[b.count - 5] ^= 0x20 }), ("version", { (b: inout [UInt8]) in b[8] = 9 })] {
            let p = try damaged(change)
            XCTAssertThrowsError(try ServeFeatureFile(path: p), what) { XCTAssertTrue("\($0)".hasPrefix(p + ": "), "\($0)") }
        }
        // An image's bytes: refused when that image is read, the others still read.
        let p = try damaged { $0[64 + 3] ^= 0x01 }
        let opened = try ServeFeatureFile(path: p)
        XCTAssertThrowsError(try opened.read("a.jpg")) { XCTAssertTrue("\($0)".contains("'a.jpg' do not match their checksum"), "\($0)") }
        XCTAssertEqual(try opened.read("d.jpg"), written["d.jpg"])
        XCTAssertThrowsError(try ServeFeatureFile(path: folder + "/none.rlsf")) { XCTAssertTrue("\($0)".contains("none.rlsf")) }
    }
}
