import Foundation

/// A `.safetensors` file, memory-mapped: an 8-byte little-endian header length, a JSON header
/// `{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}`, then the
/// raw little-endian data (offsets relative to the end of the header). F32, F16 and BF16 are read
/// (as Float).
public final class SafeTensors: TensorArchive, @unchecked Sendable {
    public struct Entry: Sendable {
        public var dtype: String
        public var shape: [Int]
        var begin: Int
        var end: Int
    }

    public let path: String
    public let entries: [String: Entry]
    let data: Data
    let dataStart: Int

    /// - Throws: `TensorFileError.invalid` naming the file for a missing, truncated or malformed file.
    public init(path: String) throws {
        self.path = path
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            throw TensorFileError.invalid(file: path, message: "cannot read (no such file?)")
        }
        self.data = data
        guard data.count >= 8 else { throw TensorFileError.invalid(file: path, message: "not a safetensors file (shorter than 8 bytes)") }
        let headerLength = try ByteReader(data, file: path).value(UInt64.self, at: 0, "the header length")
        guard headerLength <= UInt64(data.count - 8), headerLength < 100_000_000 else {
            throw TensorFileError.invalid(file: path, message: "header length \(headerLength) exceeds the file")
        }
        dataStart = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<dataStart)) as? [String: Any] else {
            throw TensorFileError.invalid(file: path, message: "the header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        let sizes = ["F32": 4, "F16": 2, "BF16": 2]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                  let shape = (info["shape"] as? [NSNumber])?.map(\.intValue),
                  let offsets = (info["data_offsets"] as? [NSNumber])?.map(\.intValue), offsets.count == 2 else {
                throw TensorFileError.invalid(file: path, message: "malformed header entry '\(name)'")
            }
            guard let size = sizes[dtype] else { throw TensorFileError.invalid(file: path, message: "'\(name)' has dtype \(dtype); F32, F16 or BF16 expected") }
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] - offsets[0] == count * size, dataStart + offsets[1] <= data.count else {
                throw TensorFileError.invalid(file: path, message: "'\(name)' data offsets \(offsets) do not fit its shape \(shape) or the file")
            }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        self.entries = entries
    }

    /// A tensor's values as Float, in its stored (row-major) order.
    /// - Throws: `TensorFileError.invalid` naming the file when the tensor is missing or its
    ///   shape differs from `shape` (when given).
    public func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let entry = entries[name] else { throw TensorFileError.invalid(file: path, message: "no tensor '\(name)'") }
        if let expected, expected != entry.shape {
            throw TensorFileError.invalid(file: path, message: "'\(name)' has shape \(entry.shape), expected \(expected)")
        }
        let count = entry.shape.reduce(1, *)
        var out = [Float](repeating: 0, count: count)
        data.withUnsafeBytes { raw in
            let base = raw.baseAddress! + dataStart + entry.begin
            switch entry.dtype {
            case "F32":
                out.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: count * 4)) }
            case "F16":
                for i in 0..<count {
                    out[i] = Float(Float16(bitPattern: UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))))
                }
            default:  // BF16: the high half of a float32
                for i in 0..<count {
                    let bits = UInt16(littleEndian: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                    out[i] = Float(bitPattern: UInt32(bits) << 16)
                }
            }
        }
        return out
    }

    public func shape(_ name: String) -> [Int]? { entries[name]?.shape }

    public var tensorNames: [String] { entries.keys.sorted() }

    /// Writes tensors as F32 (for tests and tools).
    public static func write(_ tensors: [(name: String, shape: [Int], values: [Float])], to path: String) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var out = Data()
        var length = UInt64(json.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(json)
        for t in tensors { t.values.withUnsafeBytes { out.append(contentsOf: $0) } }
        do { try out.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw TensorFileError.invalid(file: path, message: "cannot write: \(error.localizedDescription)")
        }
    }
}
