import Geometry
import TensorFiles

/// The byte reader over a model file's bytes, failing with `FormatError.binary`.
typealias ModelReader = ByteReader<[UInt8]>

extension ByteReader where Bytes == [UInt8] {
    package init(_ bytes: [UInt8], file: String) {
        self.init(bytes) { offset, message in FormatError.binary(file: file, offset: offset, message: message) }
    }
}

/// COLMAP's binary format (`cameras.bin`, `images.bin`, `points3D.bin`, `rigs.bin`,
/// `frames.bin`), little-endian:
///
/// - cameras.bin: `u64 count`, then per camera `u32 id, i32 model, u64 width, u64 height,
///   f64 params[model's count]`.
/// - images.bin: `u64 count`, then per image `u32 id, f64 qw qx qy qz tx ty tz, u32 camera_id,
///   name NUL-terminated, u64 num_points2D, (f64 x, f64 y, u64 point3D_id)...` where
///   `point3D_id = 2^64-1` means none.
/// - points3D.bin: `u64 count`, then per point `u64 id, f64 x y z, u8 r g b, f64 error,
///   u64 track_length, (u32 image_id, u32 point2D_idx)...`.
/// - rigs.bin: `u64 count`, then per rig `u32 id, u32 num_sensors, [i32 ref_type, u32 ref_id],
///   (i32 type, u32 id, u8 has_pose, [f64 qw qx qy qz tx ty tz])...`.
/// - frames.bin: `u64 count`, then per frame `u32 id, u32 rig_id, f64 qw qx qy qz tx ty tz,
///   u32 num_data_ids, (i32 sensor_type, u32 sensor_id, u64 data_id)...`.
extension ColmapModel {
    static let invalidPoint3DID = UInt64.max

    /// Parses a model from the bytes of its binary files (with `.camerasAndPoses`, images without
    /// their 2D points and `files.points3D` unused).
    /// - Throws: `FormatError.binary` with file and byte offset for truncated or malformed data.
    public static func parseBinary(_ files: ColmapFiles<[UInt8]>, names: ColmapFiles<String>,
                                   content: Content = .full) throws -> ColmapModel {
        var model = ColmapModel()
        if let rigs = files.rigs { try model.parseRigsBinary(ModelReader(rigs, file: names.rigs ?? "rigs.bin")) }
        try model.parseCamerasBinary(ModelReader(files.cameras, file: names.cameras))
        if let frames = files.frames { try model.parseFramesBinary(ModelReader(frames, file: names.frames ?? "frames.bin")) }
        try model.parseImagesBinary(ModelReader(files.images, file: names.images), withPoints: content == .full)
        if content == .full { try model.parsePoints3DBinary(ModelReader(files.points3D, file: names.points3D)) }
        try model.validate(names: names)
        return model
    }

    /// The model as the bytes of COLMAP's binary files (rigs and frames only when present).
    public func formatBinary() -> ColmapFiles<[UInt8]> {
        ColmapFiles(cameras: camerasBinary(), images: imagesBinary(), points3D: points3DBinary(),
                    rigs: rigs.isEmpty ? nil : rigsBinary(), frames: frames.isEmpty ? nil : framesBinary())
    }

    // MARK: Reading

    private static func readPose(_ r: inout ModelReader, _ what: String) throws -> Rigid3 {
        let start = r.offset
        var v = [Double]()
        for name in ["qw", "qx", "qy", "qz", "tx", "ty", "tz"] { v.append(try r.readFiniteDouble("\(what) \(name)")) }
        let q = Quaternion(w: v[0], x: v[1], y: v[2], z: v[3])
        guard q.isUnit(tolerance: PoseConventions.unitQuaternionTolerance) else {
            throw r.error("\(what): quaternion is not unit length (norm \(formatDouble(q.norm)))", at: start)
        }
        return Rigid3(rotation: PoseConventions.readQuaternion(q), translation: Vector3(v[4], v[5], v[6]))
    }

    private static func finish(_ r: ModelReader) throws {
        guard r.isAtEnd else { throw r.error("\(r.remaining) unexpected bytes after the last record") }
    }

    mutating func parseCamerasBinary(_ reader: ModelReader) throws {
        var r = reader
        let count = try r.readCount("number of cameras", minimumBytesEach: 24)
        for _ in 0..<count {
            let start = r.offset
            let id = try r.read(UInt32.self, "camera id")
            let modelID = try r.read(Int32.self, "camera model id")
            guard let model = CameraModel(colmapID: modelID) else {
                throw r.error("camera \(id): unknown or unsupported camera model id \(modelID) (supported: \(CameraModel.allCases.map { "\($0.colmapID)=\($0.name)" }.joined(separator: ", ")))", at: start)
            }
            let width = try r.read(UInt64.self, "camera width"), height = try r.read(UInt64.self, "camera height")
            var params: [Double] = []
            for k in 0..<model.parameterCount { params.append(try r.readDouble("camera \(id) parameter \(k)")) }
            guard width <= UInt64(Int32.max), height <= UInt64(Int32.max) else {
                throw r.error("camera \(id): image size \(width)x\(height) is out of range", at: start)
            }
            do {
                let camera = try Camera(model: model, width: Int(width), height: Int(height), params: params)
                guard cameras[id] == nil else { throw r.error("duplicate camera id \(id)", at: start) }
                cameras[id] = camera
            } catch let error as GeometryError {
                throw r.error("camera \(id): \(error.description)", at: start)
            }
        }
        try Self.finish(r)
    }

    /// - Parameter withPoints: false skips each image's 2D points (their bytes are still bounds-checked).
    mutating func parseImagesBinary(_ reader: ModelReader, withPoints: Bool = true) throws {
        var r = reader
        let count = try r.readCount("number of images", minimumBytesEach: 73)
        var names = Set<String>()
        for _ in 0..<count {
            let start = r.offset
            let id = try r.read(UInt32.self, "image id")
            let pose = try Self.readPose(&r, "image \(id) pose")
            let cameraID = try r.read(UInt32.self, "image \(id) camera id")
            let name = try r.readCString("image \(id) name")
            let pointCount = try r.readCount("image \(id) number of 2D points", minimumBytesEach: 24)
            var points: [Point2D] = []
            if withPoints {
                points.reserveCapacity(pointCount)
                for _ in 0..<pointCount {
                    let x = try r.readFiniteDouble("image \(id) point x"), y = try r.readFiniteDouble("image \(id) point y")
                    let pid = try r.read(UInt64.self, "image \(id) point3D id")
                    points.append(Point2D(xy: Vector2(x, y), point3DID: pid == Self.invalidPoint3DID ? nil : pid))
                }
            } else {
                try r.skip(pointCount * 24, "image \(id) 2D points")
            }
            guard images[id] == nil else { throw r.error("duplicate image id \(id)", at: start) }
            if let problem = imageNameProblem(name) { throw r.error(problem, at: start) }
            guard names.insert(name).inserted else { throw r.error("duplicate image name '\(name)'", at: start) }
            images[id] = ModelImage(id: id, name: name, cameraID: cameraID, camFromWorld: pose, points2D: points)
        }
        try Self.finish(r)
    }

    mutating func parsePoints3DBinary(_ reader: ModelReader) throws {
        var r = reader
        let count = try r.readCount("number of 3D points", minimumBytesEach: 51)
        for _ in 0..<count {
            let start = r.offset
            let id = try r.read(UInt64.self, "point3D id")
            let xyz = Vector3(try r.readFiniteDouble("point \(id) x"), try r.readFiniteDouble("point \(id) y"),
                              try r.readFiniteDouble("point \(id) z"))
            let color = SIMD3<UInt8>(try r.read(UInt8.self, "red"), try r.read(UInt8.self, "green"), try r.read(UInt8.self, "blue"))
            let error = try r.readDouble("point \(id) error")
            let length = try r.readCount("point \(id) track length", minimumBytesEach: 8)
            var track: [TrackElement] = []
            track.reserveCapacity(length)
            for _ in 0..<length {
                track.append(TrackElement(imageID: try r.read(UInt32.self, "track image id"),
                                          point2DIndex: try r.read(UInt32.self, "track point2D index")))
            }
            guard points3D[id] == nil else { throw r.error("duplicate point3D id \(id)", at: start) }
            points3D[id] = Point3D(xyz: xyz, color: color, error: error, track: track)
        }
        try Self.finish(r)
    }

    private static func readSensor(_ r: inout ModelReader) throws -> SensorID {
        let start = r.offset
        let raw = try r.read(Int32.self, "sensor type")
        guard let type = SensorType(rawValue: raw) else { throw r.error("unknown sensor type \(raw)", at: start) }
        return SensorID(type: type, id: try r.read(UInt32.self, "sensor id"))
    }

    mutating func parseRigsBinary(_ reader: ModelReader) throws {
        var r = reader
        let count = try r.readCount("number of rigs", minimumBytesEach: 8)
        for _ in 0..<count {
            let start = r.offset
            let id = try r.read(UInt32.self, "rig id")
            let sensorCount = try r.read(UInt32.self, "rig \(id) number of sensors")
            guard UInt64(sensorCount) <= UInt64(r.remaining / 8) + 1 else {
                throw r.error("rig \(id): \(sensorCount) sensors cannot fit in the bytes left", at: start)
            }
            var rig = Rig(id: id, referenceSensor: nil)
            if sensorCount > 0 { rig.referenceSensor = try Self.readSensor(&r) }
            if sensorCount > 1 {
                for _ in 0..<(sensorCount - 1) {
                    let sensor = try Self.readSensor(&r)
                    let hasPose = try r.read(UInt8.self, "has_pose")
                    let pose = hasPose != 0 ? try Self.readPose(&r, "rig \(id) sensor pose") : nil
                    rig.otherSensors.append(RigSensor(sensor: sensor, sensorFromRig: pose))
                }
            }
            guard rigs[id] == nil else { throw r.error("duplicate rig id \(id)", at: start) }
            rigs[id] = rig
        }
        try Self.finish(r)
    }

    mutating func parseFramesBinary(_ reader: ModelReader) throws {
        var r = reader
        let count = try r.readCount("number of frames", minimumBytesEach: 68)
        for _ in 0..<count {
            let start = r.offset
            let id = try r.read(UInt32.self, "frame id")
            let rigID = try r.read(UInt32.self, "frame \(id) rig id")
            let pose = try Self.readPose(&r, "frame \(id) pose")
            let dataCount = try r.read(UInt32.self, "frame \(id) number of data ids")
            guard UInt64(dataCount) <= UInt64(r.remaining / 16) else {
                throw r.error("frame \(id): \(dataCount) data ids cannot fit in the bytes left", at: start)
            }
            var data: [DataID] = []
            for _ in 0..<dataCount {
                let sensor = try Self.readSensor(&r)
                data.append(DataID(sensor: sensor, id: try r.read(UInt64.self, "data id")))
            }
            guard frames[id] == nil else { throw r.error("duplicate frame id \(id)", at: start) }
            frames[id] = Frame(id: id, rigID: rigID, rigFromWorld: pose, dataIDs: data)
        }
        try Self.finish(r)
    }

    // MARK: Writing

    private static func writePose(_ w: inout ByteWriter, _ pose: Rigid3) {
        for v in [pose.rotation.w, pose.rotation.x, pose.rotation.y, pose.rotation.z,
                  pose.translation.x, pose.translation.y, pose.translation.z] { w.write(v) }
    }

    func camerasBinary() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(cameras.count))
        for id in cameras.keys.sorted() {
            let camera = cameras[id]!
            w.write(id)
            w.write(camera.model.colmapID)
            w.write(UInt64(camera.width))
            w.write(UInt64(camera.height))
            for p in camera.params { w.write(p) }
        }
        return w.bytes
    }

    func imagesBinary() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(images.count))
        for image in sortedImages {
            w.write(image.id)
            Self.writePose(&w, image.camFromWorld)
            w.write(image.cameraID)
            w.writeCString(image.name)
            w.write(UInt64(image.points2D.count))
            for p in image.points2D {
                w.write(p.xy.x)
                w.write(p.xy.y)
                w.write(p.point3DID ?? Self.invalidPoint3DID)
            }
        }
        return w.bytes
    }

    func points3DBinary() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(points3D.count))
        for id in points3D.keys.sorted() {
            let p = points3D[id]!
            w.write(id)
            w.write(p.xyz.x); w.write(p.xyz.y); w.write(p.xyz.z)
            w.write(p.color.x); w.write(p.color.y); w.write(p.color.z)
            w.write(p.error)
            w.write(UInt64(p.track.count))
            for e in p.track { w.write(e.imageID); w.write(e.point2DIndex) }
        }
        return w.bytes
    }

    func rigsBinary() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(rigs.count))
        for id in rigs.keys.sorted() {
            let rig = rigs[id]!
            w.write(id)
            w.write(UInt32(rig.otherSensors.count + (rig.referenceSensor == nil ? 0 : 1)))
            if let ref = rig.referenceSensor { w.write(ref.type.rawValue); w.write(ref.id) }
            for s in rig.otherSensors {
                w.write(s.sensor.type.rawValue); w.write(s.sensor.id)
                w.write(UInt8(s.sensorFromRig == nil ? 0 : 1))
                if let pose = s.sensorFromRig { Self.writePose(&w, pose) }
            }
        }
        return w.bytes
    }

    func framesBinary() -> [UInt8] {
        var w = ByteWriter()
        w.write(UInt64(frames.count))
        for id in frames.keys.sorted() {
            let frame = frames[id]!
            w.write(id)
            w.write(frame.rigID)
            Self.writePose(&w, frame.rigFromWorld)
            w.write(UInt32(frame.dataIDs.count))
            for d in frame.dataIDs { w.write(d.sensor.type.rawValue); w.write(d.sensor.id); w.write(d.id) }
        }
        return w.bytes
    }
}
