import Geometry

/// A query image with its intrinsics.
public struct QueryEntry: Equatable, Sendable {
    /// Name relative to the dataset's image folder, e.g. `query/night/0001_night.jpg`.
    public var name: String
    public var camera: Camera

    public init(name: String, camera: Camera) { self.name = name; self.camera = camera }
}

/// Query lists with intrinsics, as Aachen's `*_queries_with_intrinsics.txt`:
/// one query per line, `NAME MODEL WIDTH HEIGHT PARAMS...` (COLMAP model names and
/// parameter order). Blank lines and `#` comments are skipped.
public enum QueryList {
    /// Parses a query list. - Throws: `RelocError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String) throws -> [QueryEntry] {
        var entries: [QueryEntry] = []
        var seen: [String: Int] = [:]
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count >= 4 else {
                throw line.error("expected NAME MODEL WIDTH HEIGHT PARAMS..., got \(fields.count) fields")
            }
            let name = String(fields[0])
            if let problem = imageNameProblem(name) { throw line.error(problem) }
            if let first = seen[name] { throw line.error("duplicate query '\(name)' (first on line \(first))") }
            seen[name] = line.number
            entries.append(QueryEntry(name: name, camera: try parseCamera(fields[1...], line: line)))
        }
        return entries
    }

    /// Reads a query list file; an empty list is an error.
    public static func read(path: String) throws -> [QueryEntry] {
        let entries = try parse(try readTextFile(path), file: path)
        guard !entries.isEmpty else { throw RelocError.file(file: path, message: "no queries in this list") }
        return entries
    }

    /// Formats entries one per line.
    public static func format(_ entries: [QueryEntry]) -> String {
        entries.map { "\($0.name) \($0.camera.colmapDescription)\n" }.joined()
    }

    /// Writes a query list atomically.
    public static func write(_ entries: [QueryEntry], to path: String) throws {
        try AtomicFile.write(format(entries), to: path)
    }
}
