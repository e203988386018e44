import Foundation

/// The database images' local features in a file read in place (memory-mapped), for `reloc serve`:
/// opening it costs its header and index, several processes on one node share its pages through
/// the page cache, and a process's resident memory grows only with the images requests touch.
/// The hloc-layout HDF5 store stays the interchange format; this file is made from it.
///
/// Layout (little-endian):
///
///     0   "RLSFEAT1"                 magic (8 bytes)
///     8   UInt32 version (1), UInt32 reserved
///     16  UInt64 index offset, UInt64 index length, UInt64 FNV-1a 64 of the index
///     40  UInt64 file length
///     48  16 bytes reserved; image data from 64 on, each image 16-byte aligned:
///         keypoints n×2 Float32, scores n Float32, descriptors n×d Float16 (when every value is
///         one, as reloc's stores write them) or Float32
///     index: JSON {"source": SOURCE, "images": [{"name", "offset", "count", "dim", "half", "scores",
///         "width", "height", "uncertainty", "checksum"}]}
///
/// `source` names what the file was made from (the store's path, size and modification time, the
/// database's names); a reader compares it with what it would make the file from and rebuilds on
/// any difference. The header and index are checked when the file is opened; each image's
/// checksum when it is first read, so a damaged image is refused, never used.
public final class ServeFeatureFile: @unchecked Sendable {
    public static let magic = Array("RLSFEAT1".utf8)
    public static let version: UInt32 = 1
    static let headerSize = 64

    public struct Entry: Codable, Equatable, Sendable {
        public var name: String
        public var offset: Int
        public var count: Int
        public var dim: Int
        public var half: Bool
        /// The store had detection scores (else `scores` reads back empty, as it was).
        public var scores: Bool
        public var width: Int
        public var height: Int
        public var uncertainty: Double?
        public var checksum: UInt64
    }

    struct Index: Codable {
        var source: String
        var images: [Entry]
    }

    public let path: String
    /// What the file was made from (`source` of `write`).
    public let source: String
    private let entries: [String: Entry]
    private let base: UnsafeRawPointer
    private let length: Int
    private let verified = VerifiedSet()

    public var count: Int { entries.count }
    public var names: [String] { Array(entries.keys) }
    public func contains(_ name: String) -> Bool { entries[name] != nil }
    /// The image's keypoint count, from the index (no page of its features is touched); nil when absent.
    public func keypointCount(_ name: String) -> Int? { entries[name]?.count }

    /// FNV-1a 64 over bytes (the file's checksums; serve's fingerprint of the names it was made from).
    public static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return hash
    }

    /// Writes the file atomically from `names`' features, read one at a time by `read`.
    /// - Throws: `FormatError.file` naming `path` when it cannot be written.
    public static func write(to path: String, source: String, names: [String], read: (String) throws -> ImageFeatures) throws {
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
            var images: [Entry] = []
            for name in names {
                let f = try read(name)
                var bytes = [UInt8]()
                func append<T>(_ values: [T]) { values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
                append(f.keypoints.flatMap { [$0.x, $0.y] })
                append(f.scores.count == f.count ? f.scores : [Float](repeating: 0, count: f.count))
                let half = f.descriptors.map { Float16($0) }
                let isHalf = zip(half, f.descriptors).allSatisfy { Float($0) == $1 }
                if isHalf { append(half) } else { append(f.descriptors) }
                let checksum = bytes.withUnsafeBytes { fnv1a($0) }
                while bytes.count % 16 != 0 { bytes.append(0) }
                images.append(Entry(name: name, offset: offset, count: f.count, dim: f.descriptorDimension, half: isHalf, scores: f.scores.count == f.count,
                                    width: f.imageSize.x, height: f.imageSize.y, uncertainty: f.uncertainty, checksum: checksum))
                try handle.write(contentsOf: Data(bytes))
                offset += bytes.count
            }
            let index = try JSONEncoder().encode(Index(source: source, images: images))
            try handle.write(contentsOf: index)
            var header = magic
            func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
            put(version); put(UInt32(0))
            put(UInt64(offset)); put(UInt64(index.count))
            put(index.withUnsafeBytes { fnv1a($0) })
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

    /// Opens (maps) a file and checks its header and index.
    /// - Throws: `FormatError` naming `path`: missing, truncated, another version, a damaged index.
    public init(path: String) throws {
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
        // Sizes beyond the file (a damaged header) read as -1, never trap.
        func u64(_ at: Int) -> Int { let v = raw64(at); return v <= UInt64(length) ? Int(v) : -1 }
        guard Array(header[0..<8]) == Self.magic else { throw fail("not a reloc serve feature file (no RLSFEAT1 header)") }
        let version = UInt32(littleEndian: header.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
        guard version == Self.version else { throw fail("version \(version), this reloc reads \(Self.version)") }
        let (indexOffset, indexLength, fileLength) = (u64(16), u64(24), u64(40))
        guard fileLength == length, indexOffset >= Self.headerSize, indexLength >= 0, indexOffset + indexLength == length else {
            throw fail("truncated or extended: \(length) bytes, the header says \(fileLength)")
        }
        let indexBytes = UnsafeRawBufferPointer(start: base + indexOffset, count: indexLength)
        guard raw64(32) == Self.fnv1a(indexBytes) else { throw fail("the index does not match its checksum (damaged)") }
        guard let index = try? JSONDecoder().decode(Index.self, from: Data(indexBytes)) else { throw fail("the index is not readable") }
        var entries: [String: Entry] = [:]
        for e in index.images {
            guard e.count >= 0, e.dim >= 0, e.count <= length, e.dim <= length, e.offset >= Self.headerSize,
                  e.offset + e.count * (12 + e.dim * (e.half ? 2 : 4)) <= indexOffset else {
                throw fail("image '\(e.name)' lies outside the data")
            }
            entries[e.name] = e
        }
        self.entries = entries
        self.base = base
        self.length = length
        source = index.source
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), length) }

    /// The features of one image, copied out of the mapping; nil when the file has none.
    /// - Throws: `FormatError.file` when the image's bytes do not match their checksum.
    public func read(_ name: String) throws -> ImageFeatures? {
        guard let e = entries[name] else { return nil }
        let bytes = e.count * (12 + e.dim * (e.half ? 2 : 4))
        let raw = UnsafeRawBufferPointer(start: base + e.offset, count: bytes)
        if !verified.contains(name) {
            guard Self.fnv1a(raw) == e.checksum else {
                throw FormatError.file(file: path, message: "the features of '\(name)' do not match their checksum (damaged): remove the file, reloc serve makes it again")
            }
            verified.insert(name)
        }
        let n = e.count
        let points = Array(UnsafeBufferPointer(start: (base + e.offset).assumingMemoryBound(to: Float.self), count: 2 * n))
        let keypoints = (0..<n).map { SIMD2(points[2 * $0], points[2 * $0 + 1]) }
        let scores = e.scores ? Array(UnsafeBufferPointer(start: (base + e.offset + 8 * n).assumingMemoryBound(to: Float.self), count: n)) : []
        let descriptorStart = base + e.offset + 12 * n
        let descriptors = e.half
            ? UnsafeBufferPointer(start: descriptorStart.assumingMemoryBound(to: Float16.self), count: n * e.dim).map { Float($0) }
            : Array(UnsafeBufferPointer(start: descriptorStart.assumingMemoryBound(to: Float.self), count: n * e.dim))
        return ImageFeatures(keypoints: keypoints, descriptors: descriptors, descriptorDimension: e.dim, scores: scores,
                             imageSize: SIMD2(e.width, e.height), uncertainty: e.uncertainty)
    }
}

/// Names whose checksum was verified, shared by concurrent readers.
final class VerifiedSet: @unchecked Sendable {
    private var names = Set<String>()
    private let lock = NSLock()
    func contains(_ name: String) -> Bool { lock.lock(); defer { lock.unlock() }; return names.contains(name) }
    func insert(_ name: String) { lock.lock(); names.insert(name); lock.unlock() }
}
