/// An ordered pair of image names, e.g. (query, database image).
public struct ImagePair: Equatable, Hashable, Sendable {
    public var first: String
    public var second: String

    public init(_ first: String, _ second: String) { self.first = first; self.second = second }
}

/// Pairs files as hloc writes them (`pairs-query-netvlad50.txt`): one pair per line,
/// `NAME0 NAME1`, names relative to the image folder. Blank lines and `#` comments are
/// skipped; order is kept (for a query, earlier pairs rank higher in retrieval).
public enum PairsFile {
    /// Parses a pairs file. - Throws: `FormatError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String) throws -> [ImagePair] {
        var pairs: [ImagePair] = []
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count == 2 else { throw line.error("expected two image names, got \(fields.count) fields") }
            for name in fields { if let problem = imageNameProblem(String(name)) { throw line.error(problem) } }
            pairs.append(ImagePair(String(fields[0]), String(fields[1])))
        }
        return pairs
    }

    public static func read(path: String) throws -> [ImagePair] {
        try parse(try readTextFile(path), file: path)
    }

    public static func format(_ pairs: [ImagePair]) -> String {
        pairs.map { "\($0.first) \($0.second)\n" }.joined()
    }

    public static func write(_ pairs: [ImagePair], to path: String) throws {
        try AtomicFile.write(format(pairs), to: path)
    }
}
