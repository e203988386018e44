import Foundation

/// Flat arrays in one file read in place (memory-mapped), for `reloc serve`: the map's 2D-3D
/// links and tracks (`MapIndex`) and the retrieval index. Opening it maps the file and checks it;
/// several processes on one node share its pages through the page cache, and a process's
/// resident memory grows only with the pages requests touch.
///
/// Layout (little-endian):
///
///     0   "RLSSECT1"                 magic (8 bytes)
///     8   UInt32 version (1), UInt32 reserved
///     16  UInt64 index offset, UInt64 index length, UInt64 FNV-1a 64 of the index
///     40  UInt64 file length
///     48  16 bytes reserved; sections from 64 on, each 64-byte aligned
///     index: JSON {"kind": KIND, "source": SOURCE, "sections": [{"name", "offset", "length", "checksum"}]}
///
/// `kind` says what the file holds (`map`, `global`); `source` names what it was made from (files'
/// paths, sizes and modification times, names), so that a reader that would make it from
/// something else rebuilds it. Every section's checksum (`wordChecksum`) is verified when the file is
/// opened, reading it with `pread` rather than through the mapping: the pages come into the page
/// cache, not into this process's resident memory.
public final class ServeSectionFile: @unchecked Sendable {
    public static let magic = Array("RLSSECT1".utf8)
    public static let version: UInt32 = 1
    static let headerSize = 64

    struct Section: Codable {
        var name: String
        var offset: Int
        var length: Int
        var checksum: UInt64
    }

    struct Index: Codable {
        var kind: String
        var source: String
        var sections: [Section]
    }

    public let path: String
    public let kind: String
    public let source: String
    private let sections: [String: Section]
    private let base: UnsafeRawPointer
    private let length: Int

    /// A checksum over 64-bit words (FNV-1a's step on each little-endian word, then on the tail
    /// bytes): eight bytes a multiply, so checking a section costs about what reading it does.
    public static func wordChecksum(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0xcbf2_9ce4_8422_2325) -> UInt64 {
        var hash = seed
        let words = bytes.count / 8
        for k in 0..<words {
            hash = (hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self))) &* 0x0000_0100_0000_01B3
        }
        for k in (8 * words)..<bytes.count { hash = (hash ^ UInt64(bytes[k])) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Writes a file atomically (a temporary file renamed into place).
    /// - Parameter sections: (name, bytes), in the order they are laid out; names unique.
    /// - Throws: `FormatError.file` naming `path` when it cannot be written.
    public static func write(to path: String, kind: String, source: String, sections: [(String, [UInt8])]) throws {
        try write(to: path, kind: kind, source: source, names: sections.map(\.0)) { k, put in
            try sections[k].1.withUnsafeBytes { try put($0) }
        }
    }

    /// Writes a file atomically, each section's bytes given by `produce(k, put)` in one or more
    /// `put` calls (large sections need not be in memory at once).
    public static func write(to path: String, kind: String, source: String, names: [String],
                             produce: (Int, (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        guard Set(names).count == names.count else { throw FormatError.invalidArgument("section names repeat") }
        let temporary = path + ".\(getpid()).tmp"
        FileManager.default.createFile(atPath: temporary, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: temporary) else {
            throw FormatError.file(file: path, message: "cannot write (temporary file \(temporary))")
        }
        var ok = false
        defer { if !ok { try? handle.close(); try? FileManager.default.removeItem(atPath: temporary) } }
        do {
            try handle.write(contentsOf: Data(count: headerSize))
            var offset = headerSize
            var written: [Section] = []
            for (k, name) in names.enumerated() {
                var length = 0
                var hash: UInt64 = 0xcbf2_9ce4_8422_2325
                var carry: [UInt8] = []   // bytes not yet a whole word, so chunks hash as one run
                try produce(k) { chunk in
                    try handle.write(contentsOf: Data(chunk))
                    length += chunk.count
                    var bytes = UnsafeRawBufferPointer(chunk)
                    if !carry.isEmpty {
                        let take = min(8 - carry.count, bytes.count)
                        carry += bytes[0..<take]
                        bytes = UnsafeRawBufferPointer(rebasing: bytes[take...])
                        if carry.count == 8 { hash = carry.withUnsafeBytes { wordChecksum($0, seed: hash) }; carry = [] }
                    }
                    let whole = bytes.count / 8 * 8
                    hash = wordChecksum(UnsafeRawBufferPointer(rebasing: bytes[0..<whole]), seed: hash)
                    carry += bytes[whole...]
                }
                hash = carry.withUnsafeBytes { wordChecksum($0, seed: hash) }
                written.append(Section(name: name, offset: offset, length: length, checksum: hash))
                offset += length
                let padding = (64 - offset % 64) % 64
                try handle.write(contentsOf: Data(count: padding))
                offset += padding
            }
            let index = try JSONEncoder().encode(Index(kind: kind, source: source, sections: written))
            try handle.write(contentsOf: index)
            var header = magic
            func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
            put(version); put(UInt32(0))
            put(UInt64(offset)); put(UInt64(index.count))
            put(index.withUnsafeBytes { ServeFeatureFile.fnv1a($0) })
            put(UInt64(offset + index.count))
            header += [UInt8](repeating: 0, count: headerSize - header.count)
            try handle.seek(toOffset: 0)
            try handle.write(contentsOf: Data(header))
            try handle.synchronize()
            try handle.close()
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError.file(file: path, message: "cannot write: \(error.localizedDescription)")
        }
        guard rename(temporary, path) == 0 else {
            throw FormatError.file(file: path, message: "cannot rename the temporary file into place: \(String(cString: strerror(errno)))")
        }
        ok = true
    }

    /// Opens (maps) a file and checks its header, index and every section's checksum.
    /// - Throws: `FormatError` naming `path`: missing, truncated, another version or kind, damaged.
    public init(path: String, kind: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw FormatError.file(file: path, message: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw FormatError.file(file: path, message: "cannot stat") }
        let length = Int(info.st_size)
        guard length >= Self.headerSize else { throw FormatError.file(file: path, message: "truncated (\(length) bytes, no header)") }
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), mapped != MAP_FAILED else {
            throw FormatError.file(file: path, message: "cannot map: \(String(cString: strerror(errno)))")
        }
        let base = UnsafeRawPointer(mapped)
        func fail(_ message: String) -> FormatError { munmap(mapped, length); return FormatError.file(file: path, message: message) }
        let header = UnsafeRawBufferPointer(start: base, count: Self.headerSize)
        func raw64(_ at: Int) -> UInt64 { UInt64(littleEndian: header.loadUnaligned(fromByteOffset: at, as: UInt64.self)) }
        func u64(_ at: Int) -> Int { let v = raw64(at); return v <= UInt64(length) ? Int(v) : -1 }
        guard Array(header[0..<8]) == Self.magic else { throw fail("not a reloc serve file (no RLSSECT1 header)") }
        let version = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version else { throw fail("version \(version), this reloc reads \(Self.version)") }
        let (indexOffset, indexLength, fileLength) = (u64(16), u64(24), u64(40))
        guard fileLength == length, indexOffset >= Self.headerSize, indexLength >= 0, indexOffset + indexLength == length else {
            throw fail("truncated or extended: \(length) bytes, the header says \(fileLength)")
        }
        let indexBytes = UnsafeRawBufferPointer(start: base + indexOffset, count: indexLength)
        guard raw64(32) == ServeFeatureFile.fnv1a(indexBytes) else { throw fail("the index does not match its checksum (damaged)") }
        guard let index = try? JSONDecoder().decode(Index.self, from: Data(indexBytes)) else { throw fail("the index is not readable") }
        guard index.kind == kind else { throw fail("holds '\(index.kind)', not '\(kind)'") }
        var sections: [String: Section] = [:]
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        for s in index.sections {
            guard s.offset >= Self.headerSize, s.length >= 0, s.offset % 64 == 0, s.offset + s.length <= indexOffset else {
                throw fail("section '\(s.name)' lies outside the data")
            }
            // Read, not touched through the mapping: the check costs no resident memory.
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var done = 0
            while done < s.length {
                let want = min(buffer.count, s.length - done)
                let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(s.offset + done)) }
                guard got == want else { throw fail("cannot read section '\(s.name)'") }
                // Chunks are a multiple of 8 bytes but the last: the words line up with the writer's.
                hash = buffer.withUnsafeBytes { Self.wordChecksum(UnsafeRawBufferPointer(rebasing: $0[0..<want]), seed: hash) }
                done += want
            }
            guard hash == s.checksum else { throw fail("section '\(s.name)' does not match its checksum (damaged)") }
            sections[s.name] = s
        }
        self.sections = sections
        self.base = base
        self.length = length
        self.kind = index.kind
        source = index.source
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// A section as `count` values of `T`, in place (valid while this file lives).
    /// - Throws: `FormatError.file` when the section is missing or its length is not `count` values
    ///   (`count` nil: any whole number of values).
    public func array<T>(_ name: String, of type: T.Type, count: Int? = nil) throws -> UnsafeBufferPointer<T> {
        guard let s = sections[name] else { throw FormatError.file(file: path, message: "no section '\(name)'") }
        let stride = MemoryLayout<T>.stride
        guard s.length % stride == 0, count.map({ $0 * stride == s.length }) ?? true else {
            throw FormatError.file(file: path, message: "section '\(name)' has \(s.length) bytes, not \(count.map { "\($0)" } ?? "whole") values of \(stride) bytes")
        }
        return UnsafeBufferPointer(start: (base + s.offset).assumingMemoryBound(to: T.self), count: s.length / stride)
    }

    /// A section's bytes, copied.
    public func bytes(_ name: String) throws -> Data {
        let raw = try array(name, of: UInt8.self)
        return Data(buffer: raw)
    }
}
