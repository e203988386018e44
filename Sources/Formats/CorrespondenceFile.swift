import Geometry

/// 2D-3D correspondences for `reloc estimate-pose`: one `x y X Y Z` per line — a pixel
/// (COLMAP convention) and its world point. Blank lines and `#` comments are skipped.
public struct Correspondences: Equatable, Sendable {
    public var points2D: [Vector2]
    public var points3D: [Vector3]
}

public enum CorrespondenceFile {
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String) throws -> Correspondences {
        var result = Correspondences(points2D: [], points3D: [])
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let f = line.fields
            guard f.count == 5 else { throw line.error("expected x y X Y Z (5 numbers), got \(f.count) fields") }
            let v = try f.map { try line.double($0, "coordinate") }
            result.points2D.append(Vector2(v[0], v[1]))
            result.points3D.append(Vector3(v[2], v[3], v[4]))
        }
        return result
    }

    /// Reads a correspondence file; an empty one is an error (a mistake, not a problem without a pose).
    public static func read(path: String) throws -> Correspondences {
        let result = try parse(try readTextFile(path), file: path)
        guard !result.points2D.isEmpty else { throw FormatError.file(file: path, message: "no correspondences in this file") }
        return result
    }

    public static func format(_ c: Correspondences) -> String {
        zip(c.points2D, c.points3D).map { p, X in
            [p.x, p.y, X.x, X.y, X.z].map(formatDouble).joined(separator: " ") + "\n"
        }.joined()
    }
}

/// Parses a camera given on the command line as `"MODEL W H params..."`.
/// - Throws: `FormatError.invalidArgument` describing the problem.
public func parseCameraArgument(_ text: String, option: String = "--camera") throws -> Camera {
    let line = TextLine(file: option, number: 1, text: Substring(text))
    do {
        return try parseCamera(line.fields[...], line: line)
    } catch let error as FormatError {
        if case .parse(_, _, let message) = error { throw FormatError.invalidArgument("\(option): \(message)") }
        throw error
    }
}
