import Formats
import Foundation

/// A retrieval database in a `ServeSectionFile` of kind `global` (`serve-global-<store>.rlss`
/// beside a run), read in place by `reloc serve`: section `rows`, the database images' unit rows
/// (count × dimension Float32, exactly as `Database(_:)` makes them, so retrieval ranks as it
/// did), and `shape`, two Int64 (count, dimension).
extension GlobalRetrieval.Database {
    static let fileKind = "global"

    /// Writes this database as a file (atomically).
    func write(to path: String, source: String) throws {
        let shape = [Int64(count), Int64(dimension)]
        try ServeSectionFile.write(to: path, kind: Self.fileKind, source: source, names: ["shape", "rows"]) { k, put in
            if k == 0 { try shape.withUnsafeBytes { try put($0) } } else { try put(UnsafeRawBufferPointer(rows.values)) }
        }
    }

    /// The database of a file, in place.
    /// - Throws: `FormatError.file` naming the file when its sections do not agree.
    init(file: ServeSectionFile) throws {
        let shape = try file.array("shape", of: Int64.self, count: 2)
        let (count, dimension) = (Int(shape[0]), Int(shape[1]))
        guard count >= 0, dimension >= 0 else { throw FormatError.file(file: file.path, message: "a negative shape") }
        let values = try file.array("rows", of: Float.self, count: count * dimension)
        self.init(rows: GlobalRetrieval.UnitRows(values: values, owner: file), dimension: dimension, count: count)
    }
}
