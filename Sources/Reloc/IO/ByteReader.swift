/// Reads little-endian values from bytes, tracking the offset so that a truncated
/// or corrupt file is reported with its byte position.
struct ByteReader {
    let bytes: [UInt8]
    let file: String
    private(set) var offset = 0

    init(_ bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    func error(_ message: String, at position: Int? = nil) -> RelocError {
        .binary(file: file, offset: position ?? offset, message: message)
    }

    // `what` describes the value for the error message; it is an autoclosure so that a model with
    // millions of points does not build millions of strings that are only needed on failure.
    mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw error("file ends while reading \(what()) (\(size) bytes needed, \(remaining) left)") }
        var value: T = 0
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[offset + k]) << (8 * k) }
        offset += size
        return value
    }

    mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A double that must be finite.
    mutating func readFiniteDouble(_ what: @autoclosure () -> String) throws -> Double {
        let start = offset
        let value = try readDouble(what())
        guard value.isFinite else { throw error("\(what()) is not finite", at: start) }
        return value
    }

    /// A NUL-terminated UTF-8 string.
    mutating func readCString(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        guard let end = bytes[offset...].firstIndex(of: 0) else {
            throw error("file ends inside \(what()) (no terminating NUL)")
        }
        offset = end + 1
        guard let text = String(validating: bytes[start..<end], as: UTF8.self) else {
            throw error("\(what()) is not valid UTF-8", at: start)
        }
        return text
    }

    /// Moves past `count` bytes.
    mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, remaining >= count else { throw error("file ends inside \(what()) (\(count) bytes needed, \(remaining) left)") }
        offset += count
    }

    /// A count read from the file, checked against the bytes left so that a corrupt count
    /// never triggers a huge allocation.
    mutating func readCount(_ what: @autoclosure () -> String, minimumBytesEach: Int) throws -> Int {
        let start = offset
        let count = try read(UInt64.self, what())
        guard count <= UInt64(remaining / max(minimumBytesEach, 1)) else {
            throw error("\(what()) = \(count) cannot fit in the \(remaining) bytes left (file truncated or corrupt)", at: start)
        }
        return Int(count)
    }
}

/// Writes little-endian values.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func write(_ value: Double) { write(value.bitPattern) }

    mutating func writeCString(_ text: String) {
        bytes.append(contentsOf: Array(text.utf8))
        bytes.append(0)
    }
}
