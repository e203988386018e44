import Foundation

/// `coverage.txt` of a synthetic dataset (`reloc synth`): per query image, the share of its view
/// that the database covers and how many database images cover it. `#` lines are comments;
/// entries are `name share covering_images`.
public enum CoverageFile {
    public struct Entry: Sendable, Equatable {
        public var name: String
        /// In [0, 1].
        public var share: Double
        public var coveringImages: Int

        public init(name: String, share: Double, coveringImages: Int) {
            self.name = name; self.share = share; self.coveringImages = coveringImages
        }
    }

    /// The file's name inside a dataset folder.
    public static let fileName = "coverage.txt"

    /// Writes the entries (share to three decimals) after `header` as comment lines, atomically.
    /// - Throws: `FormatError.file` when the file cannot be written.
    public static func write(_ entries: [Entry], header: [String], to path: String) throws {
        var text = header.map { "# \($0)\n" }.joined() + "# name share covering_images\n"
        for entry in entries { text += "\(entry.name) \(String(format: "%.3f", entry.share)) \(entry.coveringImages)\n" }
        try AtomicFile.write(text, to: path)
    }

    /// - Throws: `FormatError.parse` naming the file and line of a malformed entry;
    ///   `FormatError.file` when the file is missing or unreadable.
    public static func read(path: String) throws -> [Entry] {
        try textLines(try readTextFile(path), file: path).compactMap { line in
            guard !line.isBlankOrComment else { return nil }
            let fields = line.fields
            guard fields.count == 3 else { throw line.error("expected 'name share covering_images', got '\(line.text)'") }
            let share = try line.double(fields[1], "share")
            guard share >= 0 && share <= 1 else { throw line.error("share: \(share) is not in [0, 1]") }
            let images: Int = try line.integer(fields[2], "covering_images")
            guard images >= 0 else { throw line.error("covering_images: \(images) is negative") }
            return Entry(name: String(fields[0]), share: share, coveringImages: images)
        }
    }
}
