import Foundation
import Geometry

/// One kapture folder (NAVER's kapture format 1.0/1.1, the parts a localization dataset needs):
///
///     sensors/sensors.txt          sensor_id, name, sensor_type, [sensor_params]+
///                                  a camera's params: MODEL, WIDTH, HEIGHT, PARAMS... (COLMAP's models,
///                                  or UNKNOWN_CAMERA, WIDTH, HEIGHT)
///     sensors/rigs.txt             rig_id, sensor_id, qw, qx, qy, qz, tx, ty, tz     (optional)
///                                  the sensor's pose in the rig: sensor_from_rig
///     sensors/trajectories.txt     timestamp, device_id, qw, qx, qy, qz, tx, ty, tz  (optional)
///                                  device_from_world (world-to-device, as COLMAP); the device is a
///                                  sensor or a rig
///     sensors/records_camera.txt   timestamp, device_id, image_path
///                                  image_path relative to sensors/records_data/
///
/// Each file starts with `# kapture format: 1.1`; other `#` lines are comments; fields are separated
/// by commas with optional spaces. Other sensor types (wifi, lidar, ...) are kept as sensors but no
/// camera. Parsing lives in `Kapture+Text.swift`.
public struct Kapture: Equatable, Sendable {
    /// A sensor of sensors.txt with the line it was read from (0 when built in memory).
    public struct Sensor: Equatable, Sendable {
        public var id: String
        public var name: String
        public var type: String
        public var params: [String]
        public var line: Int = 0

        public init(id: String, name: String = "", type: String, params: [String], line: Int = 0) {
            self.id = id; self.name = name; self.type = type; self.params = params; self.line = line
        }
    }

    /// A camera sensor's intrinsics: a COLMAP camera, or only the size (`UNKNOWN_CAMERA`).
    public enum Intrinsics: Equatable, Sendable {
        case known(Camera)
        case unknown(width: Int, height: Int)
    }

    /// A timestamp and a device: the key of trajectories and records.
    public struct Key: Hashable, Comparable, Sendable {
        public var timestamp: Int64
        public var device: String

        public init(timestamp: Int64, device: String) { self.timestamp = timestamp; self.device = device }
        public static func < (a: Key, b: Key) -> Bool { (a.timestamp, a.device) < (b.timestamp, b.device) }
    }

    /// One image record with the line it was read from.
    public struct Record: Equatable, Sendable {
        public var key: Key
        public var imagePath: String
        public var line: Int = 0

        public init(key: Key, imagePath: String, line: Int = 0) { self.key = key; self.imagePath = imagePath; self.line = line }
    }

    /// In the order of sensors.txt.
    public var sensors: [Sensor] = []
    /// rig id → sensor id → sensor_from_rig.
    public var rigs: [String: [String: Rigid3]] = [:]
    /// (timestamp, device) → device_from_world.
    public var trajectories: [Key: Rigid3] = [:]
    /// In the order of records_camera.txt.
    public var records: [Record] = []

    public init() {}

    /// The folder's files, as kapture names them.
    public static func sensorsPath(_ folder: String) -> String { path(folder, "sensors/sensors.txt") }
    public static func rigsPath(_ folder: String) -> String { path(folder, "sensors/rigs.txt") }
    public static func trajectoriesPath(_ folder: String) -> String { path(folder, "sensors/trajectories.txt") }
    public static func recordsPath(_ folder: String) -> String { path(folder, "sensors/records_camera.txt") }
    /// Where the images of records_camera.txt are.
    public static func recordsDataFolder(_ folder: String) -> String { path(folder, "sensors/records_data") }

    static func path(_ folder: String, _ file: String) -> String { (folder as NSString).appendingPathComponent(file) }

    /// The sensor with this id.
    public func sensor(_ id: String) -> Sensor? { sensors.first { $0.id == id } }

    /// The camera_from_world of an image record: its camera's own trajectory entry at the record's
    /// timestamp, else the trajectory entry of a rig holding the camera composed with the camera's
    /// pose in it (camera_from_world = camera_from_rig · rig_from_world, as kapture's `rigs_remove`).
    /// nil when neither exists (an image without a pose: a query without ground truth).
    public func camFromWorld(_ record: Record) -> Rigid3? {
        if let direct = trajectories[record.key] { return direct }
        for rigID in rigs.keys.sorted() {
            guard let camFromRig = rigs[rigID]![record.key.device],
                  let rigFromWorld = trajectories[Key(timestamp: record.key.timestamp, device: rigID)] else { continue }
            return camFromRig * rigFromWorld
        }
        return nil
    }
}
