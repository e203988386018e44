import Geometry

/// A COLMAP reconstruction in memory: cameras, posed images with their 2D
/// points, 3D points with tracks, and (COLMAP ≥ 3.12) rigs and frames.
///
/// IDs are COLMAP's: `camera_t`, `image_t`, `rig_t`, `frame_t` are UInt32,
/// `point3D_t` is UInt64. Files: see `ColmapModel+Text.swift` and
/// `ColmapModel+Binary.swift`; folders: `ColmapModel+Files.swift`.
public struct ColmapModel: Equatable, Sendable {
    public var cameras: [UInt32: Camera] = [:]
    public var images: [UInt32: ModelImage] = [:]
    public var points3D: [UInt64: Point3D] = [:]
    /// Rigs from `rigs.{txt,bin}`; empty for models written before COLMAP 3.12.
    public var rigs: [UInt32: Rig] = [:]
    /// Frames from `frames.{txt,bin}`; empty for models written before COLMAP 3.12.
    public var frames: [UInt32: Frame] = [:]

    public init() {}

    /// A posed image (COLMAP `Image`): `camFromWorld` maps world points into its camera frame.
    public struct ModelImage: Equatable, Sendable {
        public var id: UInt32
        public var name: String
        public var cameraID: UInt32
        public var camFromWorld: Rigid3
        public var points2D: [Point2D]

        public init(id: UInt32, name: String, cameraID: UInt32, camFromWorld: Rigid3, points2D: [Point2D] = []) {
            self.id = id; self.name = name; self.cameraID = cameraID
            self.camFromWorld = camFromWorld; self.points2D = points2D
        }
    }

    /// A keypoint of an image in pixels (COLMAP convention, top-left pixel centre at
    /// (0.5, 0.5)) and the 3D point it observes, if any (`-1` in files).
    public struct Point2D: Equatable, Sendable {
        public var xy: Vector2
        public var point3DID: UInt64?

        public init(xy: Vector2, point3DID: UInt64? = nil) { self.xy = xy; self.point3DID = point3DID }
    }

    /// One observation of a 3D point: image id and index into that image's `points2D`.
    public struct TrackElement: Equatable, Hashable, Sendable {
        public var imageID: UInt32
        public var point2DIndex: UInt32

        public init(imageID: UInt32, point2DIndex: UInt32) { self.imageID = imageID; self.point2DIndex = point2DIndex }
    }

    /// A triangulated 3D point in world coordinates.
    public struct Point3D: Equatable, Sendable {
        public var xyz: Vector3
        public var color: SIMD3<UInt8>
        /// Mean reprojection error in pixels as stored by COLMAP.
        public var error: Double
        public var track: [TrackElement]

        public init(xyz: Vector3, color: SIMD3<UInt8> = .zero, error: Double = 0, track: [TrackElement] = []) {
            self.xyz = xyz; self.color = color; self.error = error; self.track = track
        }
    }

    /// COLMAP's sensor types (`SensorType`: INVALID = -1, CAMERA = 0, IMU = 1).
    public enum SensorType: Int32, Sendable {
        case invalid = -1
        case camera = 0
        case imu = 1

        public var name: String {
            switch self {
            case .invalid: return "INVALID"
            case .camera: return "CAMERA"
            case .imu: return "IMU"
            }
        }

        public init?(name: String) {
            switch name {
            case "INVALID": self = .invalid
            case "CAMERA": self = .camera
            case "IMU": self = .imu
            default: return nil
            }
        }
    }

    public struct SensorID: Equatable, Hashable, Comparable, Sendable {
        public var type: SensorType
        public var id: UInt32

        public init(type: SensorType, id: UInt32) { self.type = type; self.id = id }

        public static func < (a: SensorID, b: SensorID) -> Bool {
            (a.type.rawValue, a.id) < (b.type.rawValue, b.id)
        }
    }

    /// A sensor of a rig other than the reference one, with its optional pose.
    public struct RigSensor: Equatable, Sendable {
        public var sensor: SensorID
        public var sensorFromRig: Rigid3?

        public init(sensor: SensorID, sensorFromRig: Rigid3?) { self.sensor = sensor; self.sensorFromRig = sensorFromRig }
    }

    /// A rig: a reference sensor (identity pose) and other sensors posed relative to it.
    public struct Rig: Equatable, Sendable {
        public var id: UInt32
        public var referenceSensor: SensorID?
        public var otherSensors: [RigSensor]

        public init(id: UInt32, referenceSensor: SensorID?, otherSensors: [RigSensor] = []) {
            self.id = id; self.referenceSensor = referenceSensor; self.otherSensors = otherSensors
        }
    }

    /// The data of one sensor in a frame (an image id for a camera).
    public struct DataID: Equatable, Hashable, Comparable, Sendable {
        public var sensor: SensorID
        public var id: UInt64

        public init(sensor: SensorID, id: UInt64) { self.sensor = sensor; self.id = id }

        public static func < (a: DataID, b: DataID) -> Bool { (a.sensor, a.id) < (b.sensor, b.id) }
    }

    /// A frame: one capture of a rig, posed in the world.
    public struct Frame: Equatable, Sendable {
        public var id: UInt32
        public var rigID: UInt32
        public var rigFromWorld: Rigid3
        public var dataIDs: [DataID]

        public init(id: UInt32, rigID: UInt32, rigFromWorld: Rigid3, dataIDs: [DataID]) {
            self.id = id; self.rigID = rigID; self.rigFromWorld = rigFromWorld; self.dataIDs = dataIDs
        }
    }
}

extension ColmapModel {
    /// Images sorted by id.
    public var sortedImages: [ModelImage] { images.keys.sorted().map { images[$0]! } }

    /// The image with this name (as written in the model, e.g. `db/0001.jpg`).
    public func image(named name: String) -> ModelImage? {
        images.values.first { $0.name == name }
    }

    /// Number of 2D points that observe a 3D point, over all images.
    public var observationCount: Int {
        images.values.reduce(0) { $0 + $1.points2D.reduce(0) { $0 + ($1.point3DID == nil ? 0 : 1) } }
    }

    /// Mean number of observations per image (COLMAP's `ComputeMeanObservationsPerRegImage`); 0 without images.
    public var meanObservationsPerImage: Double {
        images.isEmpty ? 0 : Double(observationCount) / Double(images.count)
    }

    /// Mean track length of the 3D points; 0 without points.
    public var meanTrackLength: Double {
        points3D.isEmpty ? 0 : Double(points3D.values.reduce(0) { $0 + $1.track.count }) / Double(points3D.count)
    }

    /// Mean reprojection error in pixels over all observations, recomputed from the
    /// poses and cameras (nil without observations). Points behind a camera count as
    /// infinite error and make the mean infinite.
    public var meanReprojectionError: Double? {
        var sum = 0.0
        var count = 0
        // Per image once (a dictionary lookup of the image per track element would copy it).
        var denseIndex: [UInt32: Int] = [:]
        var posed: [(camera: Camera, camFromWorld: Rigid3)] = []
        var points2D: [[Point2D]] = []
        for (id, image) in images {
            guard let camera = cameras[image.cameraID] else { continue }
            denseIndex[id] = posed.count
            posed.append((camera, image.camFromWorld))
            points2D.append(image.points2D)
        }
        for point in points3D.values {
            for element in point.track {
                guard let k = denseIndex[element.imageID], Int(element.point2DIndex) < points2D[k].count else { continue }
                let observed = points2D[k][Int(element.point2DIndex)].xy
                let (camera, camFromWorld) = posed[k]
                if let projected = camera.imageFromCamera(camFromWorld.apply(point.xyz)) {
                    sum += norm(projected - observed)
                } else {
                    sum = .infinity
                }
                count += 1
            }
        }
        return count == 0 ? nil : sum / Double(count)
    }
}
