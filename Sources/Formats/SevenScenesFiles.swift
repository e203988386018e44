import Geometry

/// Microsoft 7-Scenes' files (Shotton et al., CVPR 2013), one folder per scene:
///
///     TrainSplit.txt, TestSplit.txt   `sequenceN` per line (CRLF in the distributed files) → `seq-0N`
///     seq-XX/frame-XXXXXX.color.png   640×480 RGB (kapture's samples carry .color.jpg)
///     seq-XX/frame-XXXXXX.pose.txt    4×4 camera-to-world matrix in metres, 4 rows of 4 numbers
///
/// The dataset's note gives focal 585 and principal point (320, 240) for the depth camera; the
/// RGB camera is commonly taken with focal 525 (DSAC*, kapture's importer) at the image centre.
public enum SevenScenesFiles {
    /// Parses a split file: the sequence folders it names (`sequence1` → `seq-01`).
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parseSplit(_ text: String, file: String) throws -> [String] {
        var folders: [String] = []
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let f = line.fields
            guard f.count == 1, f[0].hasPrefix("sequence"), let n = Int(f[0].dropFirst("sequence".count)), n >= 0 else {
                throw line.error("expected sequenceN (e.g. sequence1), got '\(line.text)'")
            }
            folders.append(n < 10 ? "seq-0\(n)" : "seq-\(n)")
        }
        guard !folders.isEmpty else { throw FormatError.file(file: file, message: "no sequences listed") }
        return folders
    }

    /// Parses a `frame-*.pose.txt`: camera-to-world, returned as cam_from_world. The rotation must be
    /// orthonormal within `tolerance` (the distributed KinectFusion poses are off by up to ~1.5e-4); it is
    /// taken to a unit quaternion.
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parsePose(_ text: String, file: String, tolerance: Double = 5e-3) throws -> Rigid3 {
        let lines = textLines(text, file: file).filter { !$0.isBlankOrComment }
        guard lines.count == 4 else { throw FormatError.file(file: file, message: "expected a 4×4 matrix (4 rows), got \(lines.count) rows") }
        var m: [[Double]] = []
        for line in lines {
            let f = line.fields
            guard f.count == 4 else { throw line.error("expected 4 numbers, got \(f.count)") }
            m.append(try f.map { try line.double($0, "matrix entry") })
        }
        let last = lines[3]
        guard abs(m[3][0]) < 1e-6, abs(m[3][1]) < 1e-6, abs(m[3][2]) < 1e-6, abs(m[3][3] - 1) < 1e-6 else {
            throw last.error("the last row of a rigid transform must be 0 0 0 1")
        }
        let rotation = Matrix3x3(rowMajor: (0..<3).flatMap { r in (0..<3).map { m[r][$0] } })
        let gram = rotation.transposed * rotation
        var deviation = 0.0
        for r in 0..<3 { for c in 0..<3 { deviation = max(deviation, abs(gram[r, c] - (r == c ? 1.0 : 0.0))) } }
        guard deviation <= tolerance, rotation.determinant > 0 else {
            throw FormatError.file(file: file, message: "the upper-left 3×3 is not a rotation (|RᵀR − I| = \(formatDouble(deviation)), det \(formatDouble(rotation.determinant)))")
        }
        let worldFromCam = Rigid3(rotation: Quaternion(matrix: rotation), translation: Vector3(m[0][3], m[1][3], m[2][3]))
        return worldFromCam.inverse
    }
}
