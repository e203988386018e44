import Foundation
import Geometry

/// Multi-camera rigs in COLMAP's `rig_config.json` form (the file `colmap rig_configurator`
/// reads): a JSON list of rigs, each `{"cameras": [...]}` with, per camera,
///
///     {"image_prefix": "rig1/cam0/", "ref_sensor": true}
///     {"image_prefix": "rig1/cam1/", "cam_from_rig_rotation": [qw, qx, qy, qz],
///      "cam_from_rig_translation": [tx, ty, tz]}
///
/// Exactly one camera per rig is the reference sensor (its cam_from_rig is the identity, and any
/// pose given for it must be the identity); every other camera gives its pose (quaternion w
/// first). Other keys (COLMAP's `camera_model_name`, `camera_params`) are accepted and ignored:
/// the query lists give the intrinsics. An image belongs to the camera whose prefix starts its
/// name (the longest, if several do); its frame is the rest of the name, so
/// `rig1/cam0/0001.jpg` and `rig1/cam1/0001.jpg` are one frame, `0001.jpg`, of rig 0.
public struct RigConfig: Equatable, Sendable {
    public struct Sensor: Equatable, Sendable {
        public var imagePrefix: String
        public var isReference: Bool
        public var camFromRig: Rigid3

        public init(imagePrefix: String, isReference: Bool, camFromRig: Rigid3) {
            self.imagePrefix = imagePrefix; self.isReference = isReference; self.camFromRig = camFromRig
        }
    }

    public struct Rig: Equatable, Sendable {
        public var sensors: [Sensor]

        public init(sensors: [Sensor]) { self.sensors = sensors }
    }

    public var rigs: [Rig]

    public init(rigs: [Rig]) { self.rigs = rigs }

    /// A query image's place in a rig.
    public struct Membership: Equatable, Sendable {
        public var rig: Int
        public var sensor: Int
        /// The name after the sensor's prefix.
        public var frame: String
    }

    /// The rig, sensor and frame of an image, nil when no prefix matches.
    public func membership(of name: String) -> Membership? {
        var best: Membership?
        var bestLength = -1
        for (r, rig) in rigs.enumerated() {
            for (s, sensor) in rig.sensors.enumerated() where name.hasPrefix(sensor.imagePrefix) && sensor.imagePrefix.count > bestLength {
                bestLength = sensor.imagePrefix.count
                best = Membership(rig: r, sensor: s, frame: String(name.dropFirst(sensor.imagePrefix.count)))
            }
        }
        return best
    }

    /// Parses a rig configuration. - Throws: `FormatError.file` naming `file` and what is wrong.
    public static func parse(_ data: Data, file: String) throws -> RigConfig {
        func fail(_ message: String) -> FormatError { FormatError.file(file: file, message: message) }
        guard let root = try? JSONSerialization.jsonObject(with: data) else { throw fail("not valid JSON") }
        guard let rigList = root as? [Any], !rigList.isEmpty else { throw fail("expected a JSON list of rigs, each {\"cameras\": [...]}") }
        var rigs: [Rig] = []
        var prefixes = Set<String>()
        for (r, item) in rigList.enumerated() {
            guard let rig = item as? [String: Any], let cameras = rig["cameras"] as? [Any], !cameras.isEmpty else {
                throw fail("rig \(r): expected {\"cameras\": [...]} with at least one camera")
            }
            var sensors: [Sensor] = []
            for (c, cameraItem) in cameras.enumerated() {
                let at = "rig \(r), camera \(c)"
                guard let camera = cameraItem as? [String: Any] else { throw fail("\(at): expected an object") }
                guard let prefix = camera["image_prefix"] as? String, !prefix.isEmpty else { throw fail("\(at): missing \"image_prefix\"") }
                guard prefixes.insert(prefix).inserted else { throw fail("\(at): image_prefix '\(prefix)' appears twice") }
                let isReference = (camera["ref_sensor"] as? Bool) ?? false
                let rotation = try numbers(camera["cam_from_rig_rotation"], count: 4, key: "cam_from_rig_rotation", at: at, fail: fail)
                let translation = try numbers(camera["cam_from_rig_translation"], count: 3, key: "cam_from_rig_translation", at: at, fail: fail)
                var camFromRig = Rigid3.identity
                if let rotation, let translation {
                    let q = Quaternion(w: rotation[0], x: rotation[1], y: rotation[2], z: rotation[3])
                    guard abs(q.norm - 1) < 1e-3 else { throw fail("\(at): cam_from_rig_rotation \(rotation) is not a unit quaternion (w x y z)") }
                    camFromRig = Rigid3(rotation: q.normalized(), translation: Vector3(translation[0], translation[1], translation[2]))
                } else if rotation != nil || translation != nil {
                    throw fail("\(at): give both cam_from_rig_rotation and cam_from_rig_translation")
                } else if !isReference {
                    throw fail("\(at): a camera that is not the ref_sensor needs cam_from_rig_rotation and cam_from_rig_translation")
                }
                if isReference && (camFromRig.rotation.angularDistance(to: .identity) > 1e-9 || norm(camFromRig.translation) > 1e-9) {
                    throw fail("\(at): the ref_sensor's cam_from_rig must be the identity")
                }
                sensors.append(Sensor(imagePrefix: prefix, isReference: isReference, camFromRig: camFromRig))
            }
            let references = sensors.filter(\.isReference).count
            guard references == 1 else { throw fail("rig \(r): needs exactly one camera with \"ref_sensor\": true, found \(references)") }
            rigs.append(Rig(sensors: sensors))
        }
        return RigConfig(rigs: rigs)
    }

    public static func read(path: String) throws -> RigConfig {
        guard let data = FileManager.default.contents(atPath: path) else { throw FormatError.file(file: path, message: "cannot read the rig configuration") }
        return try parse(data, file: path)
    }

    /// The configuration as JSON in COLMAP's form (the reference sensor without a pose).
    public func json() -> String {
        let rigTexts = rigs.map { rig -> String in
            let cameras = rig.sensors.map { s -> String in
                if s.isReference { return "      {\"image_prefix\": \(jsonString(s.imagePrefix)), \"ref_sensor\": true}" }
                let q = s.camFromRig.rotation, t = s.camFromRig.translation
                return "      {\"image_prefix\": \(jsonString(s.imagePrefix)),\n"
                    + "       \"cam_from_rig_rotation\": [\([q.w, q.x, q.y, q.z].map(jsonNumber).joined(separator: ", "))],\n"
                    + "       \"cam_from_rig_translation\": [\([t.x, t.y, t.z].map(jsonNumber).joined(separator: ", "))]}"
            }
            return "  {\"cameras\": [\n" + cameras.joined(separator: ",\n") + "\n  ]}"
        }
        return "[\n" + rigTexts.joined(separator: ",\n") + "\n]\n"
    }

    private static func numbers(_ value: Any?, count: Int, key: String, at: String, fail: (String) -> FormatError) throws -> [Double]? {
        guard let value else { return nil }
        guard let list = value as? [Any], list.count == count else { throw fail("\(at): \(key) must be a list of \(count) numbers") }
        let numbers = list.compactMap { ($0 as? NSNumber).map(\.doubleValue) }
        guard numbers.count == count, numbers.allSatisfy(\.isFinite) else { throw fail("\(at): \(key) must be a list of \(count) finite numbers") }
        return numbers
    }
}
