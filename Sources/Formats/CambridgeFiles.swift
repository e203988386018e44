import Geometry

/// Cambridge Landmarks' files (Kendall et al., PoseNet, ICCV 2015), one folder per scene:
///
///     dataset_train.txt, dataset_test.txt   3 header lines, then `IMAGE X Y Z W P Q R` per image:
///                                           X Y Z the camera centre in the world, W P Q R the
///                                           world-to-camera rotation (x_cam = R (X_world − C));
///                                           read so by DSAC*'s and kapture's converters
///     reconstruction.nvm                    VisualSFM's NVM_V3 model of the same scene: per camera
///                                           `NAME FOCAL QW QX QY QZ CX CY CZ RADIAL 0` (the same
///                                           rotation and centre), names `.jpg` where the files are `.png`
///     seqN/frameXXXXX.png
public enum CambridgeFiles {
    /// An image of a split file.
    public struct Frame: Equatable, Sendable {
        public var name: String
        public var camFromWorld: Rigid3
        public var line: Int
    }

    /// An NVM camera: focal length in pixels, VisualSFM's radial distortion, the pose.
    public struct NVMCamera: Equatable, Sendable {
        public var name: String
        public var focal: Double
        public var radial: Double
        public var camFromWorld: Rigid3
        public var line: Int
    }

    /// The pose of a camera at centre `c` with world-to-camera rotation `q`: t = −R c.
    public static func camFromWorld(rotation q: Quaternion, centre c: Vector3) -> Rigid3 {
        Rigid3(rotation: q, translation: -q.rotate(c))
    }

    /// Parses `dataset_train.txt` / `dataset_test.txt`: the first 3 lines are the header.
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parseSplit(_ text: String, file: String) throws -> [Frame] {
        var frames: [Frame] = []
        var seen: [String: Int] = [:]
        for line in textLines(text, file: file) where line.number > 3 && !line.isBlankOrComment {
            let f = line.fields
            guard f.count == 8 else { throw line.error("expected IMAGE X Y Z W P Q R (8 fields), got \(f.count)") }
            let name = String(f[0])
            if let problem = imageNameProblem(name) { throw line.error(problem) }
            if let first = seen[name] { throw line.error("image '\(name)' again (first on line \(first))") }
            seen[name] = line.number
            let v = try f[1...].map { try line.double($0, "pose") }
            let q = Quaternion(w: v[3], x: v[4], y: v[5], z: v[6])
            guard q.isUnit(tolerance: PoseConventions.unitQuaternionTolerance) else {
                throw line.error("quaternion W P Q R is not unit length (norm \(formatDouble(q.norm)))")
            }
            frames.append(Frame(name: name, camFromWorld: camFromWorld(rotation: q.normalized(), centre: Vector3(v[0], v[1], v[2])), line: line.number))
        }
        guard !frames.isEmpty else { throw FormatError.file(file: file, message: "no images after the 3 header lines") }
        return frames
    }

    /// Parses an NVM_V3 file's cameras (its points are not needed).
    /// - Throws: `FormatError.parse` naming `file` and the line.
    public static func parseNVM(_ text: String, file: String) throws -> [NVMCamera] {
        let lines = textLines(text, file: file)
        guard let first = lines.first, first.fields.first == "NVM_V3" else {
            throw FormatError.parse(file: file, line: 1, message: "not an NVM_V3 file (the first line must start with NVM_V3)")
        }
        if first.fields.count > 1 && first.fields[1] == "FixedK" {
            throw first.error("NVM with FixedK calibration is not supported (Cambridge's models have per-camera focal lengths)")
        }
        var index = 1
        while index < lines.count && lines[index].isBlankOrComment { index += 1 }
        guard index < lines.count else { throw FormatError.file(file: file, message: "no camera count after the header") }
        let count: Int = try lines[index].integer(lines[index].fields.first ?? "", "camera count")
        guard count > 0, index + count < lines.count + 1 else { throw lines[index].error("camera count \(count) but \(lines.count - index - 1) lines follow") }
        var cameras: [NVMCamera] = []
        for line in lines[(index + 1)...].prefix(count) {
            let f = line.fields
            guard f.count >= 10 else { throw line.error("expected NAME FOCAL QW QX QY QZ CX CY CZ RADIAL 0, got \(f.count) fields") }
            let v = try f[1...9].map { try line.double($0, "camera") }
            let q = Quaternion(w: v[1], x: v[2], y: v[3], z: v[4])
            guard q.isUnit(tolerance: PoseConventions.unitQuaternionTolerance), v[0] > 0 else {
                throw line.error("focal length must be positive and the quaternion unit length")
            }
            cameras.append(NVMCamera(name: String(f[0]), focal: v[0], radial: v[8],
                                     camFromWorld: camFromWorld(rotation: q.normalized(), centre: Vector3(v[5], v[6], v[7])), line: line.number))
        }
        guard cameras.count == count else { throw FormatError.file(file: file, message: "\(count) cameras announced, \(cameras.count) found") }
        return cameras
    }

    /// The key an NVM name and a split file's name share: the path without its extension
    /// (`seq1/frame00001.jpg` and `seq1/frame00001.png`).
    public static func stem(_ name: String) -> String {
        guard let dot = name.lastIndex(of: "."), !name[dot...].contains("/") else { return name }
        return String(name[..<dot])
    }
}
