/// Bounds-checked little-endian reads from bytes, the one reader of the package's binary files
/// (zip archives, pickles, safetensors headers, COLMAP's binary models): in sequence from
/// `offset`, which then moves past what was read, or at a given offset without moving. Every
/// failure is the caller's own error, made by `failure` from the byte offset and a message, so
/// that each module reports its files in its own terms (`file: at byte offset N: …`).
///
/// Offsets count from the first byte of `bytes` (a `Data` slice need not start at index 0).
/// Generic and inlinable, so that reading a model of millions of points is specialised for
/// `[UInt8]` and `Data` in the module that reads it.
public struct ByteReader<Bytes: RandomAccessCollection> where Bytes.Element == UInt8, Bytes.Index == Int {
    public let bytes: Bytes
    /// Where the next sequential read starts.
    public var offset: Int
    @usableFromInline let failure: (_ offset: Int, _ message: String) -> any Error

    /// - Parameter failure: the error for a read that fails at `offset` with `message`.
    @inlinable
    public init(_ bytes: Bytes, offset: Int = 0, failure: @escaping (_ offset: Int, _ message: String) -> any Error) {
        self.bytes = bytes
        self.offset = offset
        self.failure = failure
    }

    @inlinable public var count: Int { bytes.count }
    @inlinable public var remaining: Int { bytes.count - offset }
    @inlinable public var isAtEnd: Bool { offset == bytes.count }

    /// The caller's error for `message` at `position` (default: the current offset).
    @inlinable
    public func error(_ message: String, at position: Int? = nil) -> any Error { failure(position ?? offset, message) }

    /// Throws unless `count` bytes lie at `position`.
    @inlinable
    public func check(_ position: Int, _ count: Int, _ what: @autoclosure () -> String) throws {
        guard position >= 0, count >= 0, position <= bytes.count, count <= bytes.count - position else {
            let left = max(0, bytes.count - max(position, 0))
            throw failure(position, "file ends inside \(what()) (\(count) bytes needed, \(left) left)")
        }
    }

    // MARK: Random access

    /// The unsigned little-endian integer of `size` ≤ 8 bytes at `position`.
    @inlinable
    public func unsigned(at position: Int, size: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
        try check(position, size, what())
        var value: UInt64 = 0
        let base = bytes.startIndex + position
        for k in 0..<size { value |= UInt64(bytes[base + k]) << (8 * UInt64(k)) }
        return value
    }

    /// A fixed-width integer at `position`.
    @inlinable
    public func value<T: FixedWidthInteger>(_ type: T.Type, at position: Int, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        try check(position, size, what())
        var value: T = 0
        let base = bytes.startIndex + position
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[base + k]) << (8 * k) }
        return value
    }

    /// A count or offset of `size` bytes at `position` that must fit an `Int`.
    @inlinable
    public func int(at position: Int, size: Int, _ what: @autoclosure () -> String) throws -> Int {
        let value = try unsigned(at: position, size: size, what())
        guard value <= UInt64(Int.max) else { throw failure(position, "\(what()) = \(value) is out of range") }
        return Int(value)
    }

    /// `count` bytes at `position`.
    @inlinable
    public func slice(at position: Int, count: Int, _ what: @autoclosure () -> String) throws -> Bytes.SubSequence {
        try check(position, count, what())
        return bytes[(bytes.startIndex + position)..<(bytes.startIndex + position + count)]
    }

    // MARK: In sequence

    /// A fixed-width integer at the offset, which moves past it.
    @inlinable
    public mutating func read<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw failure(offset, "file ends while reading \(what()) (\(size) bytes needed, \(remaining) left)")
        }
        var value: T = 0
        let base = bytes.startIndex + offset
        for k in 0..<size { value |= T(truncatingIfNeeded: bytes[base + k]) << (8 * k) }
        offset += size
        return value
    }

    /// A little-endian integer of `size` ≤ 8 bytes, sign-extended when `signed`.
    @inlinable
    public mutating func readInteger(size: Int, signed: Bool, _ what: @autoclosure () -> String) throws -> Int64 {
        var value = try unsigned(at: offset, size: size, what())
        if signed, size > 0, size < 8, value & (1 << (8 * UInt64(size) - 1)) != 0 { value |= ~0 << (8 * UInt64(size)) }
        offset += size
        return Int64(bitPattern: value)
    }

    @inlinable
    public mutating func readDouble(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try read(UInt64.self, what()))
    }

    /// A double that must be finite.
    @inlinable
    public mutating func readFiniteDouble(_ what: @autoclosure () -> String) throws -> Double {
        let start = offset
        let value = try readDouble(what())
        guard value.isFinite else { throw failure(start, "\(what()) is not finite") }
        return value
    }

    /// The next `count` bytes.
    @inlinable
    public mutating func take(_ count: Int, _ what: @autoclosure () -> String) throws -> Bytes.SubSequence {
        let piece = try slice(at: offset, count: count, what())
        offset += count
        return piece
    }

    /// Moves past `count` bytes.
    @inlinable
    public mutating func skip(_ count: Int, _ what: @autoclosure () -> String) throws {
        try check(offset, count, what())
        offset += count
    }

    /// The bytes up to the next `terminator`, which is consumed but not returned.
    @inlinable
    public mutating func take(until terminator: UInt8, _ what: @autoclosure () -> String) throws -> Bytes.SubSequence {
        let start = bytes.startIndex + offset
        guard let end = bytes[start...].firstIndex(of: terminator) else {
            let name = terminator == 0 ? "NUL" : terminator == 0x0A ? "newline" : "byte \(terminator)"
            throw failure(offset, "file ends inside \(what()) (no terminating \(name))")
        }
        offset = end - bytes.startIndex + 1
        return bytes[start..<end]
    }

    /// A NUL-terminated UTF-8 string.
    @inlinable
    public mutating func readCString(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        let raw = try take(until: 0, what())
        guard let text = String(validating: raw, as: UTF8.self) else { throw failure(start, "\(what()) is not valid UTF-8") }
        return text
    }

    /// A count read as a uint64 and checked against the bytes left, so that a corrupt count never
    /// triggers a huge allocation.
    @inlinable
    public mutating func readCount(_ what: @autoclosure () -> String, minimumBytesEach: Int) throws -> Int {
        let start = offset
        let count = try read(UInt64.self, what())
        guard count <= UInt64(remaining / max(minimumBytesEach, 1)) else {
            throw failure(start, "\(what()) = \(count) cannot fit in the \(remaining) bytes left (file truncated or corrupt)")
        }
        return Int(count)
    }
}

/// Writes little-endian values.
public struct ByteWriter {
    @usableFromInline var storage: [UInt8] = []

    public init() {}

    public var bytes: [UInt8] { storage }

    @inlinable
    public mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { append($0) }
    }

    @inlinable
    public mutating func write(_ value: Double) { write(value.bitPattern) }

    public mutating func writeCString(_ text: String) {
        storage.append(contentsOf: Array(text.utf8))
        storage.append(0)
    }

    @inlinable
    mutating func append(_ raw: UnsafeRawBufferPointer) { storage.append(contentsOf: raw) }
}
