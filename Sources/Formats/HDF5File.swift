import CHDF5Shim
import Foundation

/// How a store's file is opened.
public enum StoreMode: Sendable {
    case read
    /// Read and write; the file is created when missing.
    case update
    /// A new, empty file (an existing one is replaced).
    case create
}

/// An open HDF5 file: the typed operations reloc's stores need over CHDF5Shim, with errors that
/// name the file and the dataset. Paths inside the file are HDF5 paths (`a/b/keypoints`);
/// missing intermediate groups are created on write. Closed when released (or by `close()`).
/// Not thread-safe (neither is libhdf5 as Debian builds it): one thread uses a file at a time.
final package class HDF5File {
    package let path: String
    private let id: Int64
    private var isOpen = true

    /// Opens (or creates) a store; the folder of a file to write is created when missing. An
    /// existing file is first walked by `HDF5Guard` (libhdf5 can crash on damaged headers).
    /// - Parameter what: the kind of file, for the error when it does not exist.
    /// - Throws: `FormatError.file` naming the path.
    package init(path: String, mode: StoreMode, what: String) throws {
        if mode == .read && !FileManager.default.fileExists(atPath: path) {
            throw FormatError.file(file: path, message: "no such \(what)")
        }
        if mode != .read {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }
        if mode != .create && FileManager.default.fileExists(atPath: path) { try HDF5Guard.check(path) }
        if mode != .read { HDF5Guard.trustOwnWrites(path) }
        let code: Int
        switch mode {
        case .read: code = CHDF5_OPEN_READ
        case .update: code = CHDF5_OPEN_UPDATE
        case .create: code = CHDF5_OPEN_CREATE
        }
        let file = chdf5_open(path, Int32(code))
        guard file >= 0 else {
            throw FormatError.file(file: path, message: mode == .read ? "not an HDF5 file, or unreadable" : "cannot open for writing (not an HDF5 file?)")
        }
        self.path = path
        id = file
    }

    /// A scratch file of this process (a merge's or a rebuild's output before it is renamed into
    /// place): created or truncated, no structure check.
    package init(creatingScratch path: String) throws {
        let file = chdf5_open(path, Int32(CHDF5_OPEN_CREATE))
        guard file >= 0 else { throw FormatError.file(file: path, message: "cannot create") }
        self.path = path
        id = file
    }

    /// A file HDF5 can open read-only, or nil; no error (a rebuild salvages what it can).
    package init?(salvaging path: String) {
        let file = chdf5_open(path, Int32(CHDF5_OPEN_READ))
        guard file >= 0 else { return nil }
        self.path = path
        id = file
    }

    deinit { if isOpen { _ = chdf5_close(id) } }

    /// Closes the file now. - Returns: false when HDF5 could not write what it buffered.
    @discardableResult
    package func close() -> Bool {
        guard isOpen else { return true }
        isOpen = false
        return chdf5_close(id) >= 0
    }

    /// Writes buffered data to disk.
    package func flush() throws {
        guard chdf5_flush(id) == 0 else { throw FormatError.file(file: path, message: "cannot flush") }
    }

    /// Whether a dataset exists at `dataset`.
    package func isDataset(_ dataset: String) -> Bool { chdf5_kind(id, dataset) == Int32(CHDF5_KIND_DATASET) }

    /// Whether anything (group or dataset) exists at `object`.
    package func contains(_ object: String) -> Bool { chdf5_kind(id, object) > Int32(CHDF5_KIND_ABSENT) }

    /// Removes the group or dataset at `object` when there is one.
    /// - Throws: `FormatError.file` when it exists and cannot be removed.
    package func remove(_ object: String) throws {
        if chdf5_exists(id, object) == 1, chdf5_delete(id, object) != 0 {
            throw FormatError.file(file: path, message: "cannot remove \(object)")
        }
    }

    /// Copies the object at `object` (types and attributes kept) into `destination`.
    /// - Returns: false when HDF5 could not copy it.
    package func copy(_ object: String, to destination: HDF5File) -> Bool { chdf5_copy(id, destination.id, object) == 0 }

    /// The shape of a numeric dataset.
    /// - Throws: `FormatError.file` when it is missing, not numeric, or claims more data than the
    ///   file could hold (a damaged header: readers allocate what it claims).
    package func shape(_ dataset: String) throws -> [Int] {
        var rank: Int32 = 0, elementClass: Int32 = 0, elementSize: Int32 = 0
        var dims = [UInt64](repeating: 0, count: 8)
        guard isDataset(dataset) else { throw FormatError.file(file: path, message: "no dataset \(dataset)") }
        guard chdf5_shape(id, dataset, &rank, &dims, &elementClass, &elementSize) == 0 else {
            throw FormatError.file(file: path, message: "cannot read the shape of \(dataset)")
        }
        guard elementClass != Int32(CHDF5_CLASS_OTHER) else { throw FormatError.file(file: path, message: "\(dataset) is not numeric") }
        let sizes = Array(dims.prefix(Int(rank)))
        // A shape whose data could not fit in the file (even compressed 64:1) is refused.
        var bytes = UInt64(max(elementSize, 1)), overflow = false
        for size in sizes where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: size) }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        guard !overflow, bytes <= max(fileBytes.multipliedReportingOverflow(by: 64).partialValue, 1 << 26) else {
            throw FormatError.file(file: path, message: "\(dataset) claims shape \(sizes), more data than the file can hold (damaged?)")
        }
        return sizes.map { Int($0) }
    }

    /// `count` values of any float or integer dataset as Float.
    package func readFloats(_ dataset: String, count: Int) throws -> [Float] {
        // float16 data is read as it is and widened here (exactly), not by HDF5's converter.
        var rank: Int32 = 0, elementClass: Int32 = 0, elementSize: Int32 = 0
        var dims = [UInt64](repeating: 0, count: 8)
        if chdf5_shape(id, dataset, &rank, &dims, &elementClass, &elementSize) == 0,
           elementClass == Int32(CHDF5_CLASS_FLOAT), elementSize == 2 {
            let halves: [UInt16] = try read(dataset, count: count, as: CHDF5_FLOAT16)
            return halves.map { Float(Float16(bitPattern: $0)) }
        }
        return try read(dataset, count: count, as: CHDF5_FLOAT32)
    }

    package func readInt64s(_ dataset: String, count: Int) throws -> [Int64] { try read(dataset, count: count, as: CHDF5_INT64) }

    package func readInt32s(_ dataset: String, count: Int) throws -> [Int32] { try read(dataset, count: count, as: CHDF5_INT32) }

    private func read<T: BitwiseCopyable>(_ dataset: String, count: Int, as memoryType: Int) throws -> [T] {
        let values = try [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            let status = chdf5_read(id, dataset, Int32(memoryType), UnsafeMutableRawPointer(buffer.baseAddress), UInt64(count))
            guard status == 0 else { throw FormatError.file(file: path, message: "cannot read \(dataset) (\(count) values)") }
            initialized = count
        }
        return values
    }

    /// Writes (or replaces) a float dataset stored as `fileType` (float32, or float16 rounded to
    /// nearest here: HDF5 1.10's float32 → float16 conversion gets the carry of some values wrong,
    /// 0.06249 stored as 0).
    package func write(_ dataset: String, floats: [Float], dims: [Int], fileType: Int = CHDF5_FLOAT32) throws {
        if fileType == CHDF5_FLOAT16 {
            try write(dataset, floats.map { Float16($0).bitPattern }, memoryType: CHDF5_FLOAT16, fileType: fileType, dims: dims)
        } else {
            try write(dataset, floats, memoryType: CHDF5_FLOAT32, fileType: fileType, dims: dims)
        }
    }

    package func write(_ dataset: String, int64s: [Int64], dims: [Int]) throws {
        try write(dataset, int64s, memoryType: CHDF5_INT64, fileType: CHDF5_INT64, dims: dims)
    }

    package func write(_ dataset: String, int32s: [Int32], dims: [Int]) throws {
        try write(dataset, int32s, memoryType: CHDF5_INT32, fileType: CHDF5_INT32, dims: dims)
    }

    private func write<T>(_ dataset: String, _ values: [T], memoryType: Int, fileType: Int, dims: [Int]) throws {
        let sizes = dims.map { UInt64($0) }
        let status = values.withUnsafeBytes {
            chdf5_write(id, dataset, Int32(memoryType), Int32(fileType), Int32(dims.count), sizes, $0.baseAddress)
        }
        guard status == 0 else { throw FormatError.file(file: path, message: "cannot write \(dataset)") }
    }

    /// A double attribute of the object at `object`, nil when absent.
    package func readAttribute(_ object: String, _ name: String) -> Double? {
        var value = 0.0
        return chdf5_read_attribute(id, object, name, &value) == 0 ? value : nil
    }

    package func writeAttribute(_ object: String, _ name: String, _ value: Double) throws {
        guard chdf5_write_attribute(id, object, name, value) == 0 else {
            throw FormatError.file(file: path, message: "cannot write the \(name) attribute of \(object)")
        }
    }

    /// A string attribute of the object at `object`, nil when absent.
    /// - Throws: `FormatError.file` when it is there but not a string that can be read.
    package func readStringAttribute(_ object: String, _ name: String) throws -> String? {
        var capacity = 4096
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            var length: UInt64 = 0
            let status = chdf5_read_string_attribute(id, object, name, &buffer, UInt64(capacity), &length)
            if status == 1 { return nil }
            guard status == 0 else { throw FormatError.file(file: path, message: "the \(name) attribute of \(object) is not a readable string") }
            if Int(length) <= capacity {
                return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity = Int(length)
        }
    }

    package func writeStringAttribute(_ object: String, _ name: String, _ value: String) throws {
        let status = value.withCString { chdf5_write_string_attribute(id, object, name, $0, UInt64(value.utf8.count)) }
        guard status == 0 else { throw FormatError.file(file: path, message: "cannot write the \(name) attribute of \(object)") }
    }

    /// Groups that hold a dataset named `leaf`, sorted.
    package func parents(holding leaf: String) throws -> [String] {
        var capacity = 1 << 16
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let length = chdf5_list_parents(id, leaf, &buffer, UInt64(capacity))
            guard length >= 0 else { throw FormatError.file(file: path, message: "cannot list the file's groups") }
            if Int(length) <= capacity {
                let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return text.split(separator: "\n").map(String.init).sorted()
            }
            capacity = Int(length) + 1
        }
    }
}
