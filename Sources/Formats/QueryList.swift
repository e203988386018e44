import Geometry

/// A query image with its intrinsics.
public struct QueryEntry: Equatable, Sendable {
    /// Name relative to the dataset's image folder, e.g. `query/night/0001_night.jpg`.
    public var name: String
    public var camera: Camera
    /// The list gave `UNKNOWN W H`: `camera` is then SIMPLE_PINHOLE with the principal point at the
    /// image centre and a placeholder focal length (`QueryList.placeholderFocal`), to be estimated.
    public var focalUnknown: Bool

    public init(name: String, camera: Camera, focalUnknown: Bool = false) {
        self.name = name; self.camera = camera; self.focalUnknown = focalUnknown
    }
}

/// Query lists with intrinsics, as Aachen's `*_queries_with_intrinsics.txt`:
/// one query per line, `NAME MODEL WIDTH HEIGHT PARAMS...` (COLMAP model names and
/// parameter order), or `NAME UNKNOWN WIDTH HEIGHT` for a photograph whose focal length is not
/// known (principal point at the centre; `reloc localize` estimates the focal). Blank lines and
/// `#` comments are skipped.
public enum QueryList {
    /// The focal length an `UNKNOWN` camera holds until it is estimated: 1.2 × the larger side
    /// (COLMAP's default prior for images without EXIF). Only a scale, never used as the focal.
    public static func placeholderFocal(width: Int, height: Int) -> Double { 1.2 * Double(max(width, height)) }

    /// Parses a query list. - Throws: `FormatError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String) throws -> [QueryEntry] {
        var entries: [QueryEntry] = []
        var seen: [String: Int] = [:]
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count >= 4 || (fields.count >= 2 && fields[1] == "UNKNOWN") else {
                throw line.error("expected NAME MODEL WIDTH HEIGHT PARAMS..., got \(fields.count) fields")
            }
            let name = String(fields[0])
            if let problem = imageNameProblem(name) { throw line.error(problem) }
            if let first = seen[name] { throw line.error("duplicate query '\(name)' (first on line \(first))") }
            seen[name] = line.number
            if fields[1] == "UNKNOWN" {
                guard fields.count == 4, let width = Int(fields[2]), let height = Int(fields[3]), width > 0, height > 0 else {
                    throw line.error("expected NAME UNKNOWN WIDTH HEIGHT (positive integers) for a camera of unknown focal length")
                }
                let camera = try Camera(model: .simplePinhole, width: width, height: height,
                                        params: [placeholderFocal(width: width, height: height), Double(width) / 2, Double(height) / 2])
                entries.append(QueryEntry(name: name, camera: camera, focalUnknown: true))
                continue
            }
            entries.append(QueryEntry(name: name, camera: try parseCamera(fields[1...], line: line)))
        }
        return entries
    }

    /// Reads a query list file; an empty list is an error.
    public static func read(path: String) throws -> [QueryEntry] {
        let entries = try parse(try readTextFile(path), file: path)
        guard !entries.isEmpty else { throw FormatError.file(file: path, message: "no queries in this list") }
        return entries
    }

    /// Formats entries one per line.
    public static func format(_ entries: [QueryEntry]) -> String {
        entries.map {
            $0.focalUnknown ? "\($0.name) UNKNOWN \($0.camera.width) \($0.camera.height)\n" : "\($0.name) \($0.camera.colmapDescription)\n"
        }.joined()
    }

    /// Writes a query list atomically.
    public static func write(_ entries: [QueryEntry], to path: String) throws {
        try AtomicFile.write(format(entries), to: path)
    }
}
