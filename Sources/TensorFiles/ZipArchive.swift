import CZlib
import Foundation

/// A zip archive read from memory: the central directory, then each entry's bytes, stored or
/// deflated (PKWARE APPNOTE 6.3; zip64 records when the 32-bit fields overflow). PyTorch's `.pth`
/// files are zip archives of stored entries; Python wheels deflate theirs.
///
/// Nothing is trusted: every offset and size is checked against the archive, and an entry is
/// inflated only up to the size its central directory declares and `maxEntryBytes` allows, so a
/// zip bomb is an error, not an allocation.
public struct ZipArchive: Sendable {
    public struct Entry: Sendable {
        public var name: String
        /// 0 stored, 8 deflated (nothing else is read).
        public var method: UInt16
        public var compressedSize: Int
        public var size: Int
        public var crc32: UInt32
        var localHeaderOffset: Int
    }

    /// The name used in errors (the file's path).
    public let path: String
    public let entries: [Entry]
    let bytes: Data
    /// The largest entry `read` will produce.
    public var maxEntryBytes: Int

    /// - Throws: `TensorFileError.invalid` naming `path` when `bytes` is not a readable zip archive.
    public init(bytes: Data, path: String, maxEntryBytes: Int = 1 << 31) throws {
        self.bytes = bytes
        self.path = path
        self.maxEntryBytes = maxEntryBytes
        let reader = ByteReader(bytes, file: path)
        // The end of central directory record: the last 22 bytes, or earlier by a comment of ≤ 64 KiB.
        let signatureEnd: UInt32 = 0x0605_4b50
        guard bytes.count >= 22 else { throw TensorFileError.invalid(file: path, message: "not a zip archive (\(bytes.count) bytes)") }
        var end = -1
        for offset in stride(from: bytes.count - 22, through: max(0, bytes.count - 22 - 65_535), by: -1)
        where try reader.value(UInt32.self, at: offset, "a zip header field") == signatureEnd {
            end = offset
            break
        }
        guard end >= 0 else { throw TensorFileError.invalid(file: path, message: "not a zip archive (no end of central directory)") }
        var count = Int(try reader.value(UInt16.self, at: end + 10, "a zip header field"))
        var directorySize = Int(try reader.value(UInt32.self, at: end + 12, "a zip header field"))
        var directoryOffset = Int(try reader.value(UInt32.self, at: end + 16, "a zip header field"))
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // Zip64: a locator just before the record points at the zip64 end of central directory.
            guard end >= 20, try reader.value(UInt32.self, at: end - 20, "a zip header field") == 0x0706_4b50 else {
                throw TensorFileError.invalid(file: path, message: "zip64 fields without a zip64 locator")
            }
            let record = try reader.int(at: end - 12, size: 8, "a zip64 field")
            guard try reader.value(UInt32.self, at: record, "a zip header field") == 0x0606_4b50 else { throw TensorFileError.invalid(file: path, message: "bad zip64 end of central directory") }
            count = try reader.int(at: record + 32, size: 8, "a zip64 field")
            directorySize = try reader.int(at: record + 40, size: 8, "a zip64 field")
            directoryOffset = try reader.int(at: record + 48, size: 8, "a zip64 field")
        }
        guard directoryOffset <= bytes.count, directorySize <= bytes.count - directoryOffset, count <= directorySize / 46 else {
            throw TensorFileError.invalid(file: path, message: "the central directory (\(count) entries at \(directoryOffset)) does not fit the archive")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var offset = directoryOffset
        for _ in 0..<count {
            guard try reader.value(UInt32.self, at: offset, "a zip header field") == 0x0201_4b50 else {
                throw TensorFileError.invalid(file: path, message: "bad central directory entry at byte \(offset)")
            }
            let flags = try reader.value(UInt16.self, at: offset + 8, "a zip header field")
            let method = try reader.value(UInt16.self, at: offset + 10, "a zip header field")
            let crc = try reader.value(UInt32.self, at: offset + 16, "a zip header field")
            var compressed = Int(try reader.value(UInt32.self, at: offset + 20, "a zip header field"))
            var size = Int(try reader.value(UInt32.self, at: offset + 24, "a zip header field"))
            let nameLength = Int(try reader.value(UInt16.self, at: offset + 28, "a zip header field"))
            let extraLength = Int(try reader.value(UInt16.self, at: offset + 30, "a zip header field"))
            let commentLength = Int(try reader.value(UInt16.self, at: offset + 32, "a zip header field"))
            var localOffset = Int(try reader.value(UInt32.self, at: offset + 42, "a zip header field"))
            let nameBytes = try reader.slice(at: offset + 46, count: nameLength, "an entry name")
            guard flags & 1 == 0 else { throw TensorFileError.invalid(file: path, message: "entry at byte \(offset) is encrypted") }
            // Zip64 extended information: the overflowing fields, in this order, 8 bytes each.
            var extra = offset + 46 + nameLength
            let extraEnd = extra + extraLength
            while extra + 4 <= extraEnd {
                let id = try reader.value(UInt16.self, at: extra, "an extra field's id")
                let length = Int(try reader.value(UInt16.self, at: extra + 2, "an extra field's length"))
                if id == 1 {
                    var field = extra + 4
                    if size == 0xFFFF_FFFF { size = try reader.int(at: field, size: 8, "a zip64 field"); field += 8 }
                    if compressed == 0xFFFF_FFFF { compressed = try reader.int(at: field, size: 8, "a zip64 field"); field += 8 }
                    if localOffset == 0xFFFF_FFFF { localOffset = try reader.int(at: field, size: 8, "a zip64 field") }
                }
                extra += 4 + length
            }
            entries.append(Entry(name: String(decoding: nameBytes, as: UTF8.self), method: method, compressedSize: compressed,
                                 size: size, crc32: crc, localHeaderOffset: localOffset))
            offset = extraEnd + commentLength
        }
        self.entries = entries
    }

    /// The entry named `name`, if any.
    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// An entry's bytes, inflated when deflated, checked against its declared size and CRC-32.
    /// - Throws: `TensorFileError.invalid` naming the archive and the entry.
    public func read(_ entry: Entry) throws -> Data {
        let (start, compressed) = try dataRange(entry)
        guard entry.size <= maxEntryBytes else {
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' declares \(entry.size) bytes, more than the \(maxEntryBytes) allowed")
        }
        let out: Data
        switch entry.method {
        case 0:
            guard compressed == entry.size else {
                throw TensorFileError.invalid(file: path, message: "stored entry '\(entry.name)' has \(compressed) bytes but declares \(entry.size)")
            }
            out = bytes.subdata(in: bytes.startIndex + start..<bytes.startIndex + start + compressed)
        case 8:
            out = try inflate(entry, from: start, count: compressed)
        default:
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' uses compression method \(entry.method); only stored (0) and deflate (8) are read")
        }
        let crc = out.withUnsafeBytes { raw -> UInt32 in
            UInt32(truncatingIfNeeded: crc32(0, raw.bindMemory(to: Bytef.self).baseAddress, uInt(raw.count)))
        }
        guard crc == entry.crc32 else { throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' fails its CRC-32 check (corrupt archive)") }
        return out
    }

    /// Where an entry's data starts (after its local header) and how many bytes it has.
    func dataRange(_ entry: Entry) throws -> (start: Int, count: Int) {
        let reader = ByteReader(bytes, file: path)
        let header = entry.localHeaderOffset
        guard try reader.value(UInt32.self, at: header, "a zip header field") == 0x0403_4b50 else {
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)': no local header at byte \(header)")
        }
        let nameLength = Int(try reader.value(UInt16.self, at: header + 26, "a local header's name length"))
        let extraLength = Int(try reader.value(UInt16.self, at: header + 28, "a local header's extra length"))
        let start = header + 30 + nameLength + extraLength
        guard start <= bytes.count, entry.compressedSize <= bytes.count - start else {
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' (\(entry.compressedSize) bytes at \(start)) runs past the end of the archive")
        }
        return (start, entry.compressedSize)
    }

    /// Raw deflate (no zlib header) into exactly `entry.size` bytes: more output, or a stream that
    /// ends early, is an error.
    func inflate(_ entry: Entry, from start: Int, count: Int) throws -> Data {
        var out = Data(count: entry.size)
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TensorFileError.invalid(file: path, message: "cannot start zlib")
        }
        defer { inflateEnd(&stream) }
        let status: Int32 = bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { output in
                stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress! + start)
                stream.avail_in = uInt(count)
                // One spare byte catches a stream that inflates to more than it declared.
                var spare: Bytef = 0
                stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
                stream.avail_out = uInt(output.count)
                var status = CZlib.inflate(&stream, Z_FINISH)
                if status == Z_BUF_ERROR || (status == Z_OK && stream.avail_out == 0) {
                    withUnsafeMutablePointer(to: &spare) { stream.next_out = $0 }
                    stream.avail_out = 1
                    status = CZlib.inflate(&stream, Z_FINISH)
                    if stream.avail_out == 0 { return Z_MEM_ERROR }
                }
                return status
            }
        }
        switch status {
        case Z_STREAM_END where Int(stream.total_out) == entry.size: return out
        case Z_MEM_ERROR:
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' inflates to more than the \(entry.size) bytes it declares")
        default:
            throw TensorFileError.invalid(file: path, message: "entry '\(entry.name)' is not a valid deflate stream of \(entry.size) bytes (zlib status \(status), \(stream.total_out) bytes)")
        }
    }
}
