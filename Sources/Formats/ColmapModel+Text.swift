import Geometry

/// The contents of a model's files, as text or bytes, keyed by COLMAP's file
/// roles. `rigs` and `frames` are nil for models without them (COLMAP < 3.12).
public struct ColmapFiles<Content: Sendable>: Sendable {
    public var cameras: Content
    public var images: Content
    public var points3D: Content
    public var rigs: Content?
    public var frames: Content?

    public init(cameras: Content, images: Content, points3D: Content, rigs: Content? = nil, frames: Content? = nil) {
        self.cameras = cameras; self.images = images; self.points3D = points3D; self.rigs = rigs; self.frames = frames
    }
}

/// COLMAP's text format (`cameras.txt`, `images.txt`, `points3D.txt`, `rigs.txt`,
/// `frames.txt`). Lines starting with `#` are comments; fields are separated by spaces.
///
/// - cameras.txt: `CAMERA_ID MODEL WIDTH HEIGHT PARAMS...`
/// - images.txt: two lines per image: `IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME`
///   (camFromWorld, w first; NAME is the rest of the line), then `X Y POINT3D_ID` triples (`-1` = no 3D point); the
///   second line may be empty.
/// - points3D.txt: `POINT3D_ID X Y Z R G B ERROR (IMAGE_ID POINT2D_IDX)...`
/// - rigs.txt: `RIG_ID NUM_SENSORS [REF_TYPE REF_ID] (TYPE ID HAS_POSE [QW QX QY QZ TX TY TZ])...`
/// - frames.txt: `FRAME_ID RIG_ID QW QX QY QZ TX TY TZ NUM_DATA (TYPE SENSOR_ID DATA_ID)...`
///
/// Numbers are written with 17 significant digits, as COLMAP does, so text round-trips exactly.
extension ColmapModel {
    /// Parses a model from the text of its files (with `.camerasAndPoses`, images without their
    /// points lines, which are skipped unparsed, and `files.points3D` unused).
    /// - Parameter names: file names used in error messages.
    /// - Throws: `FormatError.parse` with file and line for malformed content, or
    ///   `FormatError.file` for an inconsistent model.
    public static func parseText(_ files: ColmapFiles<String>, names: ColmapFiles<String>,
                                 content: Content = .full) throws -> ColmapModel {
        var model = ColmapModel()
        if let rigs = files.rigs { try model.parseRigsText(rigs, file: names.rigs ?? "rigs.txt") }
        try model.parseCamerasText(files.cameras, file: names.cameras)
        if let frames = files.frames { try model.parseFramesText(frames, file: names.frames ?? "frames.txt") }
        try model.parseImagesText(files.images, file: names.images, withPoints: content == .full)
        if content == .full { try model.parsePoints3DText(files.points3D, file: names.points3D) }
        try model.validate(names: names)
        return model
    }

    /// The model as the text of COLMAP's files (rigs and frames only when the model has them).
    public func formatText() -> ColmapFiles<String> {
        ColmapFiles(cameras: camerasText(), images: imagesText(), points3D: points3DText(),
                    rigs: rigs.isEmpty ? nil : rigsText(), frames: frames.isEmpty ? nil : framesText())
    }

    // MARK: Reading

    mutating func parseCamerasText(_ text: String, file: String) throws {
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count >= 4 else { throw line.error("expected CAMERA_ID MODEL WIDTH HEIGHT PARAMS..., got \(fields.count) fields") }
            let id: UInt32 = try line.integer(fields[0], "CAMERA_ID")
            let camera = try parseCamera(fields[1...], line: line)
            guard cameras[id] == nil else { throw line.error("duplicate CAMERA_ID \(id)") }
            cameras[id] = camera
        }
    }

    /// - Parameter withPoints: false skips each image's points line unparsed.
    mutating func parseImagesText(_ text: String, file: String, withPoints: Bool = true) throws {
        let lines = textLines(text, file: file)
        var index = 0
        var names = Set<String>()
        while index < lines.count {
            let line = lines[index]
            index += 1
            if line.isBlankOrComment { continue }
            let fields = line.fields
            guard fields.count >= 10 else {
                throw line.error("expected IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME (10 fields), got \(fields.count)")
            }
            let id: UInt32 = try line.integer(fields[0], "IMAGE_ID")
            let pose = try parsePose(fields[1...7], line: line)
            let cameraID: UInt32 = try line.integer(fields[8], "CAMERA_ID")
            // Names may contain single spaces (binary models allow them); the rest of the line is the name.
            let name = fields[9...].joined(separator: " ")
            guard images[id] == nil else { throw line.error("duplicate IMAGE_ID \(id)") }
            if let problem = imageNameProblem(name) { throw line.error(problem) }
            guard names.insert(name).inserted else { throw line.error("duplicate image name '\(name)'") }
            // The points line follows directly; it may be empty, or missing at the end of the file.
            var points: [Point2D] = []
            if !withPoints {
                index += 1
            } else if index < lines.count {
                let pointsLine = lines[index]
                index += 1
                let f = pointsLine.fields
                guard f.count % 3 == 0 else {
                    throw pointsLine.error("POINTS2D of image \(id): expected X Y POINT3D_ID triples, got \(f.count) fields")
                }
                points.reserveCapacity(f.count / 3)
                var k = 0
                while k < f.count {
                    let x = try pointsLine.double(f[k], "X"), y = try pointsLine.double(f[k + 1], "Y")
                    let point3D: UInt64?
                    if f[k + 2] == "-1" {
                        point3D = nil
                    } else {
                        point3D = try pointsLine.integer(f[k + 2], "POINT3D_ID")
                    }
                    points.append(Point2D(xy: Vector2(x, y), point3DID: point3D))
                    k += 3
                }
            }
            images[id] = ModelImage(id: id, name: name, cameraID: cameraID, camFromWorld: pose, points2D: points)
        }
    }

    mutating func parsePoints3DText(_ text: String, file: String) throws {
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            guard fields.count >= 8, (fields.count - 8) % 2 == 0 else {
                throw line.error("expected POINT3D_ID X Y Z R G B ERROR (IMAGE_ID POINT2D_IDX)..., got \(fields.count) fields")
            }
            let id: UInt64 = try line.integer(fields[0], "POINT3D_ID")
            let xyz = Vector3(try line.double(fields[1], "X"), try line.double(fields[2], "Y"), try line.double(fields[3], "Z"))
            let color = SIMD3<UInt8>(try line.integer(fields[4], "R"), try line.integer(fields[5], "G"),
                                     try line.integer(fields[6], "B"))
            let error = try line.double(fields[7], "ERROR")
            var track: [TrackElement] = []
            track.reserveCapacity((fields.count - 8) / 2)
            var k = 8
            while k < fields.count {
                track.append(TrackElement(imageID: try line.integer(fields[k], "IMAGE_ID"),
                                          point2DIndex: try line.integer(fields[k + 1], "POINT2D_IDX")))
                k += 2
            }
            guard points3D[id] == nil else { throw line.error("duplicate POINT3D_ID \(id)") }
            points3D[id] = Point3D(xyz: xyz, color: color, error: error, track: track)
        }
    }

    mutating func parseRigsText(_ text: String, file: String) throws {
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let f = line.fields
            guard f.count >= 2 else { throw line.error("expected RIG_ID NUM_SENSORS ..., got \(f.count) fields") }
            let id: UInt32 = try line.integer(f[0], "RIG_ID")
            let sensorCount: Int = try line.integer(f[1], "NUM_SENSORS")
            var k = 2
            func need(_ n: Int) throws {
                guard k + n <= f.count else { throw line.error("rig \(id): line ends early (NUM_SENSORS = \(sensorCount))") }
            }
            func sensor() throws -> SensorID {
                try need(2)
                guard let type = SensorType(name: String(f[k])) else { throw line.error("unknown sensor type '\(f[k])'") }
                let sensorID: UInt32 = try line.integer(f[k + 1], "SENSOR_ID")
                k += 2
                return SensorID(type: type, id: sensorID)
            }
            var rig = Rig(id: id, referenceSensor: nil)
            if sensorCount > 0 { rig.referenceSensor = try sensor() }
            for _ in 0..<max(0, sensorCount - 1) {
                let s = try sensor()
                try need(1)
                let hasPose = f[k] == "1"
                guard hasPose || f[k] == "0" else { throw line.error("HAS_POSE must be 0 or 1, got '\(f[k])'") }
                k += 1
                var pose: Rigid3?
                if hasPose {
                    try need(7)
                    pose = try parsePose(f[k..<(k + 7)], line: line)
                    k += 7
                }
                rig.otherSensors.append(RigSensor(sensor: s, sensorFromRig: pose))
            }
            guard k == f.count else { throw line.error("rig \(id): \(f.count - k) extra fields") }
            guard rigs[id] == nil else { throw line.error("duplicate RIG_ID \(id)") }
            rigs[id] = rig
        }
    }

    mutating func parseFramesText(_ text: String, file: String) throws {
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let f = line.fields
            guard f.count >= 10 else { throw line.error("expected FRAME_ID RIG_ID QW QX QY QZ TX TY TZ NUM_DATA_IDS ..., got \(f.count) fields") }
            let id: UInt32 = try line.integer(f[0], "FRAME_ID")
            let rigID: UInt32 = try line.integer(f[1], "RIG_ID")
            let pose = try parsePose(f[2...8], line: line)
            let count: Int = try line.integer(f[9], "NUM_DATA_IDS")
            guard count >= 0, f.count == 10 + 3 * count else {
                throw line.error("frame \(id): NUM_DATA_IDS = \(count) needs \(10 + 3 * max(count, 0)) fields, got \(f.count)")
            }
            var data: [DataID] = []
            for j in 0..<count {
                let k = 10 + 3 * j
                guard let type = SensorType(name: String(f[k])) else { throw line.error("unknown sensor type '\(f[k])'") }
                data.append(DataID(sensor: SensorID(type: type, id: try line.integer(f[k + 1], "SENSOR_ID")),
                                   id: try line.integer(f[k + 2], "DATA_ID")))
            }
            guard frames[id] == nil else { throw line.error("duplicate FRAME_ID \(id)") }
            frames[id] = Frame(id: id, rigID: rigID, rigFromWorld: pose, dataIDs: data)
        }
    }

    // MARK: Writing

    func camerasText() -> String {
        var out = "# Camera list with one line of data per camera:\n"
        out += "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]\n"
        out += "# Number of cameras: \(cameras.count)\n"
        for id in cameras.keys.sorted() {
            out += "\(id) \(cameras[id]!.colmapDescription)\n"
        }
        return out
    }

    func imagesText() -> String {
        var out = TextBuffer(capacity: images.count * 64 + observationCount * 40)
        out.append("# Image list with two lines of data per image:\n")
        out.append("#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME\n")
        out.append("#   POINTS2D[] as (X, Y, POINT3D_ID)\n")
        out.append("# Number of images: \(images.count), mean observations per image: \(formatDouble(meanObservationsPerImage))\n")
        for image in sortedImages {
            out.append("\(image.id) \(formatPose(image.camFromWorld)) \(image.cameraID) \(image.name)\n")
            for p in image.points2D {
                out.append(double: p.xy.x)
                out.space()
                out.append(double: p.xy.y)
                out.space()
                if let id = p.point3DID { out.append(integer: id) } else { out.append("-1") }
                // COLMAP ends a non-empty points line with a space; keep byte compatibility.
                out.space()
            }
            out.newline()
        }
        return out.string
    }

    func points3DText() -> String {
        var out = TextBuffer(capacity: points3D.count * 120)
        out.append("# 3D point list with one line of data per point:\n")
        out.append("#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)\n")
        out.append("# Number of points: \(points3D.count), mean track length: \(formatDouble(meanTrackLength))\n")
        for id in points3D.keys.sorted() {
            let p = points3D[id]!
            out.append(integer: id)
            for v in [p.xyz.x, p.xyz.y, p.xyz.z] { out.space(); out.append(double: v) }
            for c in [p.color.x, p.color.y, p.color.z] { out.space(); out.append(integer: c) }
            out.space()
            out.append(double: p.error)
            for element in p.track {
                out.space(); out.append(integer: element.imageID)
                out.space(); out.append(integer: element.point2DIndex)
            }
            out.newline()
        }
        return out.string
    }

    func rigsText() -> String {
        var out = "# Rig calib list with one line of data per calib:\n"
        out += "#   RIG_ID, NUM_SENSORS, REF_SENSOR_TYPE, REF_SENSOR_ID, SENSORS[] as (SENSOR_TYPE, SENSOR_ID, HAS_POSE, [QW, QX, QY, QZ, TX, TY, TZ])\n"
        out += "# Number of rigs: \(rigs.count)\n"
        for id in rigs.keys.sorted() {
            let rig = rigs[id]!
            var fields = ["\(id)", "\(rig.otherSensors.count + (rig.referenceSensor == nil ? 0 : 1))"]
            if let ref = rig.referenceSensor { fields += [ref.type.name, "\(ref.id)"] }
            for s in rig.otherSensors {
                fields += [s.sensor.type.name, "\(s.sensor.id)"]
                if let pose = s.sensorFromRig { fields += ["1", formatPose(pose)] } else { fields.append("0") }
            }
            out += fields.joined(separator: " ") + "\n"
        }
        return out
    }

    func framesText() -> String {
        var out = "# Frame list with one line of data per frame:\n"
        out += "#   FRAME_ID, RIG_ID, RIG_FROM_WORLD[QW, QX, QY, QZ, TX, TY, TZ], NUM_DATA_IDS, DATA_IDS[] as (SENSOR_TYPE, SENSOR_ID, DATA_ID)\n"
        out += "# Number of frames: \(frames.count)\n"
        for id in frames.keys.sorted() {
            let frame = frames[id]!
            out += "\(id) \(frame.rigID) \(formatPose(frame.rigFromWorld)) \(frame.dataIDs.count)"
            for d in frame.dataIDs { out += " \(d.sensor.type.name) \(d.sensor.id) \(d.id)" }
            out += "\n"
        }
        return out
    }
}

/// Parses `QW QX QY QZ TX TY TZ` (7 fields) into a transform, rejecting non-unit quaternions.
func parsePose(_ fields: ArraySlice<Substring>, line: TextLine) throws -> Rigid3 {
    precondition(fields.count == 7)
    let v = try fields.map { try line.double($0, "pose") }
    let q = Quaternion(w: v[0], x: v[1], y: v[2], z: v[3])
    guard q.isUnit(tolerance: PoseConventions.unitQuaternionTolerance) else {
        throw line.error("quaternion (\(fields.prefix(4).joined(separator: " "))) is not unit length (norm \(formatDouble(q.norm)))")
    }
    return Rigid3(rotation: PoseConventions.readQuaternion(q), translation: Vector3(v[4], v[5], v[6]))
}

/// `QW QX QY QZ TX TY TZ` with 17 significant digits.
package func formatPose(_ pose: Rigid3) -> String {
    let q = pose.rotation, t = pose.translation
    return [q.w, q.x, q.y, q.z, t.x, t.y, t.z].map(formatDouble).joined(separator: " ")
}

/// The conventions shared by every pose reader and writer.
public enum PoseConventions {
    /// How far |q| may be from 1 in a file before the line is rejected. Files written
    /// with fewer digits (e.g. 6) are accepted; quaternions are normalized after reading.
    public static let unitQuaternionTolerance = 1e-3

    /// A quaternion read from a file, after the tolerance check: kept bit-exact when it is
    /// unit to 1e-12 (so files round-trip exactly), normalized otherwise (few digits written).
    public static func readQuaternion(_ q: Quaternion) -> Quaternion {
        q.isUnit(tolerance: 1e-12) ? q : q.normalized()
    }
}
