import Geometry

/// A named camera pose.
public struct PoseEntry: Equatable, Sendable {
    public var name: String
    /// World-to-camera transform (COLMAP's `cam_from_world`).
    public var camFromWorld: Rigid3

    public init(name: String, camFromWorld: Rigid3) { self.name = name; self.camFromWorld = camFromWorld }
}

/// Pose files: submissions (Aachen v1.1) and ground truth, one pose per line:
/// `NAME QW QX QY QZ TX TY TZ` — camFromWorld (world-to-camera), quaternion w first.
/// Submissions name queries by basename (`IMG_1234.jpg`); ground-truth files may use
/// the relative path (`query/night/IMG_1234.jpg`). Blank lines and `#` comments are skipped.
public enum PoseFile {
    /// Parses a pose file: 8 fields per line, finite numbers, unit quaternion (within
    /// `PoseConventions.unitQuaternionTolerance`), no name twice.
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String) throws -> [PoseEntry] {
        var entries: [PoseEntry] = []
        var seen: [String: Int] = [:]
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count == 8 else { throw line.error("expected NAME QW QX QY QZ TX TY TZ (8 fields), got \(fields.count)") }
            let name = String(fields[0])
            if let first = seen[name] { throw line.error("duplicate name '\(name)' (first on line \(first))") }
            seen[name] = line.number
            entries.append(PoseEntry(name: name, camFromWorld: try parsePose(fields[1...7], line: line)))
        }
        return entries
    }

    /// Reads a pose file; an empty file is an error.
    public static func read(path: String) throws -> [PoseEntry] {
        let entries = try parse(try readTextFile(path), file: path)
        guard !entries.isEmpty else { throw FormatError.file(file: path, message: "no poses in this file") }
        return entries
    }

    /// Formats entries one per line, numbers with 17 significant digits.
    public static func format(_ entries: [PoseEntry]) -> String {
        entries.map { "\($0.name) \(formatPose($0.camFromWorld))\n" }.joined()
    }

    /// Writes entries atomically.
    public static func write(_ entries: [PoseEntry], to path: String) throws {
        try AtomicFile.write(format(entries), to: path)
    }
}

/// The basename of an image name (`query/day/IMG_1.jpg` → `IMG_1.jpg`), as Aachen submissions use.
public func imageBasename(_ name: String) -> String {
    name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
}
