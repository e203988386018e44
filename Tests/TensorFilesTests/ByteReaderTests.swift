import Foundation
@testable import TensorFiles
import XCTest

/// The one byte reader: values against bytes laid out by hand, offsets of a `Data` slice that
/// does not start at 0, and every failure as the caller's error at the right byte.
final class ByteReaderTests: XCTestCase {
    struct Failure: Error, Equatable { let offset: Int; let message: String }

    func reader<B>(_ bytes: B) -> ByteReader<B> where B: RandomAccessCollection, B.Element == UInt8, B.Index == Int {
        ByteReader(bytes) { Failure(offset: $0, message: $1) }
    }

    func testSequentialReadsAreLittleEndianAndMoveTheOffset() throws {
        var writer = ByteWriter()
        writer.write(UInt32(0xDEAD_BEEF))
        writer.write(Int16(-2))
        writer.write(-1.5)
        writer.writeCString("caméra")
        writer.write(UInt64(3))
        for byte: UInt8 in [7, 8, 9] { writer.write(byte) }
        // The bytes as the formats define them, written out by hand.
        XCTAssertEqual(Array(writer.bytes[0..<6]), [0xEF, 0xBE, 0xAD, 0xDE, 0xFE, 0xFF])
        var r = reader(writer.bytes)
        XCTAssertEqual(try r.read(UInt32.self, "a"), 0xDEAD_BEEF)
        XCTAssertEqual(try r.read(Int16.self, "b"), -2)
        XCTAssertEqual(r.offset, 6)
        XCTAssertEqual(try r.readFiniteDouble("c"), -1.5)
        XCTAssertEqual(try r.readCString("name"), "caméra")
        XCTAssertEqual(try r.readCount("count", minimumBytesEach: 1), 3)
        XCTAssertEqual(Array(try r.take(3, "the items")), [7, 8, 9])
        XCTAssertTrue(r.isAtEnd)
        XCTAssertThrowsError(try r.read(UInt8.self, "one more")) {
            XCTAssertEqual($0 as? Failure, Failure(offset: writer.bytes.count, message: "file ends while reading one more (1 bytes needed, 0 left)"))
        }
    }

    func testVariableWidthIntegersAreSignExtended() throws {
        var r = reader([0xFF, 0x7F, 0x80, 0x00, 0x00, 0x80] as [UInt8])
        XCTAssertEqual(try r.readInteger(size: 1, signed: true, "x"), -1)
        XCTAssertEqual(try r.readInteger(size: 1, signed: false, "x"), 0x7F)
        XCTAssertEqual(try r.readInteger(size: 4, signed: true, "x"), Int64(Int32(bitPattern: 0x8000_0080)))
        XCTAssertEqual(r.remaining, 0)
    }

    func testRandomAccessOnADataSliceCountsFromItsFirstByte() throws {
        let whole = Data([9, 9, 9, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xAA])
        let slice = whole[3...]
        XCTAssertEqual(slice.startIndex, 3)
        let r = reader(slice)
        XCTAssertEqual(try r.value(UInt16.self, at: 0, "h"), 0x1234)
        XCTAssertEqual(try r.value(UInt32.self, at: 2, "w"), 0x1234_5678)
        XCTAssertEqual(try r.int(at: 0, size: 2, "h"), 0x1234)
        XCTAssertEqual(Array(try r.slice(at: 6, count: 1, "tail")), [0xAA])
        XCTAssertThrowsError(try r.value(UInt32.self, at: 5, "past the end")) {
            XCTAssertEqual($0 as? Failure, Failure(offset: 5, message: "file ends inside past the end (4 bytes needed, 2 left)"))
        }
        XCTAssertThrowsError(try r.slice(at: -1, count: 1, "before the start")) { XCTAssertEqual(($0 as? Failure)?.offset, -1) }
        XCTAssertThrowsError(try r.int(at: 0, size: 8, "too wide")) { XCTAssertTrue($0 is Failure) }
    }

    func testCorruptCountsAndStringsFailWhereTheyStart() {
        var count = ByteWriter()
        count.write(UInt64(1_000_000))
        count.write(UInt32(0))
        var r = reader(count.bytes)
        XCTAssertThrowsError(try r.readCount("points", minimumBytesEach: 8)) {
            XCTAssertEqual($0 as? Failure, Failure(offset: 0, message: "points = 1000000 cannot fit in the 4 bytes left (file truncated or corrupt)"))
        }
        var unterminated = reader([0x61, 0x62] as [UInt8])
        XCTAssertThrowsError(try unterminated.readCString("name")) {
            XCTAssertEqual($0 as? Failure, Failure(offset: 0, message: "file ends inside name (no terminating NUL)"))
        }
        var invalid = reader([0xFF, 0x00] as [UInt8])
        XCTAssertThrowsError(try invalid.readCString("name")) {
            XCTAssertEqual($0 as? Failure, Failure(offset: 0, message: "name is not valid UTF-8"))
        }
        var infinite = ByteWriter()
        infinite.write(Double.infinity)
        var r2 = reader(infinite.bytes)
        XCTAssertThrowsError(try r2.readFiniteDouble("x")) { XCTAssertEqual($0 as? Failure, Failure(offset: 0, message: "x is not finite")) }
    }

    func testTensorFilesNameTheFileAndTheByte() {
        let r = ByteReader(Data([1, 2]), file: "w.pth")
        XCTAssertThrowsError(try r.value(UInt32.self, at: 0, "a header field")) {
            XCTAssertEqual("\($0)", "w.pth: at byte 0: file ends inside a header field (4 bytes needed, 2 left)")
        }
    }
}
