import Foundation

/// A PyTorch checkpoint (`torch.save` of a state dict) read without Python and without running
/// anything it contains. Both formats `torch.load` reads:
/// - the zip format (PyTorch ≥ 1.6): `NAME/data.pkl` is the pickled dict, whose tensors point by
///   persistent id `('storage', type, key, location, numel)` at the raw entries `NAME/data/<key>`;
/// - the legacy format: five pickles in a row (a magic number, the protocol 1001, system info, the
///   dict, the list of storage keys), then each storage as an int64 element count and its bytes.
///
/// Tensors are `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)` calls; nested
/// dicts (`{'extractor': {...}}`) become dotted names (`extractor.conv1.weight`). Values that are not
/// tensors or dicts (an epoch counter, a config string) are skipped. Storages may be float32,
/// float16, bfloat16, int64 or int32, little-endian.
public final class TorchCheckpoint: TensorArchive, @unchecked Sendable {
    public enum DType: String, Sendable {
        case float32, float16, bfloat16, int64, int32

        init?(storage: String) {
            switch storage {
            case "torch FloatStorage": self = .float32
            case "torch HalfStorage": self = .float16
            case "torch BFloat16Storage": self = .bfloat16
            case "torch LongStorage": self = .int64
            case "torch IntStorage": self = .int32
            default: return nil
            }
        }

        public var size: Int {
            switch self {
            case .float32, .int32: return 4
            case .float16, .bfloat16: return 2
            case .int64: return 8
            }
        }
    }

    public struct Entry: Sendable {
        public var dtype: DType
        public var shape: [Int]
        /// In elements, as PyTorch's `stride()`.
        public var stride: [Int]
        /// In elements from the start of the storage.
        public var offset: Int
        var storage: String
    }

    public let path: String
    /// By flattened name.
    public let entries: [String: Entry]
    /// The raw little-endian bytes of each storage, by key.
    let storages: [String: Data]

    /// The legacy format's first bytes: protocol 2, then LONG1 of the magic number 0x1950a86a20f9469cfc6c.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    /// Reads `path` (memory-mapped).
    /// - Throws: `TensorFileError.invalid` naming the file: unreadable, truncated, not a
    ///   checkpoint, or asking for anything but tensors and dicts (the refused global or opcode is named).
    public convenience init(path: String) throws {
        guard let bytes = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw TensorFileError.invalid(file: path, message: "cannot read (no such file?)")
        }
        try self.init(bytes: bytes, path: path)
    }

    /// Reads a checkpoint held in memory; `path` names it in errors.
    public init(bytes: Data, path: String) throws {
        self.path = path
        let root: PickleValue
        var storages: [String: Data] = [:]
        var references: [String: (dtype: DType, count: Int)] = [:]
        /// Parses one tensor rebuild; the storage it names is checked once every storage is known.
        func rebuild(_ global: String, _ arguments: [PickleValue]) throws -> PickleValue {
            guard global == "torch._utils _rebuild_tensor_v2", arguments.count >= 4,
                  case .persistent(.tuple(let id)) = arguments[0], id.count >= 5,
                  case .string("storage") = id[0], case .global(let type) = id[1], let dtype = DType(storage: type),
                  case .string(let key) = id[2], case .int(let count) = id[4],
                  case .int(let offset) = arguments[1], case .tuple(let sizes) = arguments[2], case .tuple(let strides) = arguments[3] else {
                throw TensorFileError.invalid(file: path, message: "a call to \(global.replacingOccurrences(of: " ", with: ".")) that is not a tensor rebuild from a storage")
            }
            if id.count > 5, case .none = id[5] {} else if id.count > 5 {
                throw TensorFileError.invalid(file: path, message: "storage '\(key)' is a view of another storage (not supported)")
            }
            if let known = references[key], known.dtype != dtype || known.count != count {
                throw TensorFileError.invalid(file: path, message: "storage '\(key)' is referenced with two types or sizes")
            }
            references[key] = (dtype, count)
            let shape = try sizes.map { value -> Int in
                guard case .int(let n) = value, n >= 0 else { throw TensorFileError.invalid(file: path, message: "a tensor on storage '\(key)' has a bad size") }
                return n
            }
            let stride = try strides.map { value -> Int in
                guard case .int(let n) = value, n >= 0 else { throw TensorFileError.invalid(file: path, message: "a tensor on storage '\(key)' has a bad stride") }
                return n
            }
            guard shape.count == stride.count, offset >= 0, count >= 0 else {
                throw TensorFileError.invalid(file: path, message: "a tensor on storage '\(key)' has sizes \(shape) and strides \(stride)")
            }
            return .object(TensorReference(Entry(dtype: dtype, shape: shape, stride: stride, offset: offset, storage: key)))
        }

        if bytes.starts(with: Self.legacyMagic) {
            var position = Self.legacyMagic.count
            let protocolVersion = try Pickle(bytes: bytes, file: path, reduce: rebuild).load(from: position)
            guard case .int(1001) = protocolVersion.value else {
                throw TensorFileError.invalid(file: path, message: "legacy checkpoint with protocol \(protocolVersion.value); 1001 expected")
            }
            let info = try Pickle(bytes: bytes, file: path, reduce: rebuild).load(from: protocolVersion.end)
            if case .dict(let dict) = info.value,
               let little = dict.items.first(where: { if case .string("little_endian") = $0.key { return true } else { return false } }),
               case .bool(false) = little.value {
                throw TensorFileError.invalid(file: path, message: "a big-endian checkpoint (not supported)")
            }
            let object = try Pickle(bytes: bytes, file: path, reduce: rebuild).load(from: info.end)
            root = object.value
            let keyList = try Pickle(bytes: bytes, file: path, reduce: rebuild).load(from: object.end)
            guard case .list(let keys) = keyList.value else { throw TensorFileError.invalid(file: path, message: "the legacy storage key list is missing") }
            position = keyList.end
            let reader = ByteReader(bytes, file: path)
            for case .string(let key) in keys.items {
                guard let reference = references[key] else { throw TensorFileError.invalid(file: path, message: "storage '\(key)' is listed but no tensor uses it") }
                let count = try reader.int(at: position, size: 8, "storage '\(key)''s element count")
                guard count == reference.count, count <= (bytes.count - position - 8) / reference.dtype.size else {
                    throw TensorFileError.invalid(file: path, message: "storage '\(key)' holds \(count) elements where \(reference.count) are expected, or runs past the end")
                }
                storages[key] = Data(try reader.slice(at: position + 8, count: count * reference.dtype.size, "storage '\(key)'"))
                position += 8 + count * reference.dtype.size
            }
        } else {
            let archive = try ZipArchive(bytes: bytes, path: path)
            guard let pickle = archive.entries.first(where: { $0.name.hasSuffix("data.pkl") && !$0.name.dropLast(8).contains("data.pkl") }) else {
                throw TensorFileError.invalid(file: path, message: "neither a zip checkpoint (no data.pkl) nor a legacy one")
            }
            let prefix = String(pickle.name.dropLast("data.pkl".count))
            if let order = archive.entry(prefix + "byteorder"), String(decoding: try archive.read(order), as: UTF8.self) != "little" {
                throw TensorFileError.invalid(file: path, message: "a big-endian checkpoint (not supported)")
            }
            root = try Pickle(bytes: try archive.read(pickle), file: path, reduce: rebuild).load().value
            for (key, reference) in references {
                guard let entry = archive.entry(prefix + "data/" + key) else {
                    throw TensorFileError.invalid(file: path, message: "storage '\(key)' has no entry \(prefix)data/\(key)")
                }
                let data = try archive.read(entry)
                guard data.count == reference.count * reference.dtype.size else {
                    throw TensorFileError.invalid(file: path, message: "storage '\(key)' has \(data.count) bytes; \(reference.count) \(reference.dtype) elements expected")
                }
                storages[key] = data
            }
        }
        var entries: [String: Entry] = [:]
        try Self.collect(root, prefix: "", into: &entries, file: path)
        for (name, entry) in entries {
            guard let storage = storages[entry.storage] else { throw TensorFileError.invalid(file: path, message: "'\(name)': storage '\(entry.storage)' was never written") }
            let available = storage.count / entry.dtype.size
            if entry.shape.contains(0) { continue }
            let last = zip(entry.shape, entry.stride).reduce(entry.offset) { $0 + ($1.0 - 1) * $1.1 }
            guard last < available else {
                throw TensorFileError.invalid(file: path, message: "'\(name)' (sizes \(entry.shape), strides \(entry.stride), offset \(entry.offset)) reaches past its storage of \(available) elements")
            }
        }
        self.entries = entries
        self.storages = storages
    }

    /// Tensors of `value` (a dict, possibly nested) under dotted names.
    static func collect(_ value: PickleValue, prefix: String, into entries: inout [String: Entry], file: String) throws {
        guard case .dict(let dict) = value else {
            throw TensorFileError.invalid(file: file, message: "the checkpoint holds no state dict at its top level")
        }
        for (key, item) in dict.items {
            guard case .string(let name) = key else { continue }
            switch item {
            case .object(let object as TensorReference): entries[prefix + name] = object.entry
            case .dict: try collect(item, prefix: prefix + name + ".", into: &entries, file: file)
            default: continue
            }
        }
    }

    public var tensorNames: [String] { entries.keys.sorted() }

    public func shape(_ name: String) -> [Int]? { entries[name]?.shape }

    /// A tensor's values in row-major order of its shape (strides applied), as Float.
    /// - Throws: `TensorFileError.invalid` naming the file when the tensor is missing, is not a
    ///   float tensor, or its shape differs from `shape` (when given).
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        let entry = try entry(name, shape: expected)
        let data = storages[entry.storage]!
        return data.withUnsafeBytes { raw -> [Float] in
            switch entry.dtype {
            case .float32: return Self.gather(entry) { Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian) }
            case .float16: return Self.gather(entry) { Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian)) }
            case .bfloat16: return Self.gather(entry) { Float(bitPattern: UInt32(raw.loadUnaligned(fromByteOffset: 2 * $0, as: UInt16.self).littleEndian) << 16) }
            case .int64: return Self.gather(entry) { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self).littleEndian) }
            case .int32: return Self.gather(entry) { Float(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self).littleEndian) }
            }
        }
    }

    /// An integer tensor's values (int64 or int32 storage), row-major.
    public func integers(_ name: String, shape expected: [Int]? = nil) throws -> [Int64] {
        let entry = try entry(name, shape: expected)
        let data = storages[entry.storage]!
        return try data.withUnsafeBytes { raw -> [Int64] in
            switch entry.dtype {
            case .int64: return Self.gather(entry) { raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self).littleEndian }
            case .int32: return Self.gather(entry) { Int64(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self).littleEndian) }
            default: throw TensorFileError.invalid(file: path, message: "'\(name)' is \(entry.dtype), not an integer tensor")
            }
        }
    }

    func entry(_ name: String, shape expected: [Int]?) throws -> Entry {
        guard let entry = entries[name] else { throw TensorFileError.invalid(file: path, message: "no tensor '\(name)'") }
        if let expected, expected != entry.shape {
            throw TensorFileError.invalid(file: path, message: "'\(name)' has shape \(entry.shape), expected \(expected)")
        }
        return entry
    }

    /// Visits the elements in row-major order of the shape; `element` reads storage element i.
    static func gather<T>(_ entry: Entry, _ element: (Int) -> T) -> [T] {
        let count = entry.shape.reduce(1, *)
        var out: [T] = []
        out.reserveCapacity(count)
        guard count > 0 else { return out }
        var index = [Int](repeating: 0, count: entry.shape.count)
        var source = entry.offset
        for _ in 0..<count {
            out.append(element(source))
            // Odometer increment over the dimensions, last fastest.
            var d = entry.shape.count - 1
            while d >= 0 {
                index[d] += 1
                source += entry.stride[d]
                if index[d] < entry.shape[d] { break }
                source -= entry.stride[d] * entry.shape[d]
                index[d] = 0
                d -= 1
            }
        }
        return out
    }
}

/// A tensor met in the pickle: where its elements are.
final class TensorReference: PickleObject {
    let entry: TorchCheckpoint.Entry
    init(_ entry: TorchCheckpoint.Entry) { self.entry = entry }
}
