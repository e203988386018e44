import _TestSupport
import Formats
import Foundation
import XCTest

/// The sectioned file read in place: sections read back as written (also when produced in
/// pieces that split words), and every kind of damage is refused.
final class ServeSectionFileTests: XCTestCase {
    func testSectionsReadBackAndPiecesHashAsOneRun() throws {
        let folder = TestSupport.temporaryFolder(self)
        let doubles: [Double] = (0..<1000).map { Double($0) * 0.25 - 3 }
        let bytes: [UInt8] = (0..<13).map { UInt8($0 * 7) }
        try ServeSectionFile.write(to: folder + "/a.rlss", kind: "test", source: "src", sections: [
            ("d", doubles.withUnsafeBytes { [UInt8]($0) }), ("b", bytes), ("empty", []),
        ])
        let file = try ServeSectionFile(path: folder + "/a.rlss", kind: "test")
        XCTAssertEqual(file.source, "src")
        XCTAssertEqual(Array(try file.array("d", of: Double.self, count: 1000)), doubles)
        XCTAssertEqual([UInt8](try file.bytes("b")), bytes)
        XCTAssertEqual(try file.array("empty", of: UInt32.self).count, 0)
        XCTAssertThrowsError(try file.array("d", of: Double.self, count: 999))
        XCTAssertThrowsError(try file.array("b", of: UInt32.self), "13 bytes are not whole UInt32s")
        XCTAssertThrowsError(try file.array("missing", of: UInt8.self))
        // The same bytes given in pieces of 3 and 5 bytes: the same checksums, so the file opens.
        let all = doubles.withUnsafeBytes { [UInt8]($0) }
        try ServeSectionFile.write(to: folder + "/b.rlss", kind: "test", source: "src", names: ["d", "b", "empty"]) { k, put in
            let whole = k == 0 ? all : k == 1 ? bytes : []
            var at = 0, step = 3
            while at < whole.count {
                let end = min(whole.count, at + step)
                try whole[at..<end].withUnsafeBytes { try put($0) }
                at = end
                step = step == 3 ? 5 : 3
            }
        }
        // Opening recomputes each checksum over the whole section: the pieces' running hash must equal it.
        let pieces = try ServeSectionFile(path: folder + "/b.rlss", kind: "test")
        XCTAssertEqual(Array(try pieces.array("d", of: Double.self)), doubles)
        XCTAssertEqual([UInt8](try pieces.bytes("b")), bytes)
        // The checksum is FNV-1a over little-endian words: an independent word-by-word fold.
        var fold: UInt64 = 0xcbf2_9ce4_8422_2325
        var word: UInt64 = 0
        for k in 0..<8 { word |= UInt64(bytes[k]) << (8 * UInt64(k)) }
        fold = (fold ^ word) &* 0x100_0000_01B3
        for k in 8..<13 { fold = (fold ^ UInt64(bytes[k])) &* 0x100_0000_01B3 }
        XCTAssertEqual(bytes.withUnsafeBytes { ServeSectionFile.wordChecksum($0) }, fold)
    }

    func testDamageAnotherKindAndTruncationAreRefused() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = folder + "/a.rlss"
        let values: [UInt32] = Array(0..<4096)
        try ServeSectionFile.write(to: path, kind: "map", source: "s", sections: [("v", values.withUnsafeBytes { [UInt8]($0) })])
        XCTAssertThrowsError(try ServeSectionFile(path: path, kind: "global")) { XCTAssertTrue("\($0)".contains("holds 'map'"), "\($0)") }
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        func refused(_ data: Data, saying text: String) throws {
            try data.write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ServeSectionFile(path: path, kind: "map")) {
                XCTAssertTrue("\($0)".contains(text) && "\($0)".contains(path), "\($0)")
            }
        }
        var flipped = original
        flipped[64 + 1000] ^= 1
        try refused(flipped, saying: "section 'v' does not match its checksum")
        try refused(original.prefix(original.count - 3), saying: "truncated or extended")
        try refused(original.prefix(20), saying: "truncated")
        var magic = original
        magic[0] = UInt8(ascii: "X")
        try refused(magic, saying: "not a reloc serve file")
        var version = original
        version[8] = 9
        try refused(version, saying: "version 9")
        var index = original
        index[index.count - 5] ^= 0x20
        try refused(index, saying: "the index does not match its checksum")
        try refused(Data(), saying: "truncated")
    }
}
