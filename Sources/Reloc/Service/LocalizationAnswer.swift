import Foundation
import Geometry

/// One image to localize against a served map.
public struct LocalizationRequest: Sendable {
    /// The camera type, for modules that see it only through Reloc.
    public typealias CameraValue = Camera

    /// The image file's bytes (JPEG, PNG or binary PGM/PPM).
    public var image: [UInt8]
    public var camera: Camera
    /// The image's name: in answers and logs, and a database image of the same name is never
    /// retrieved for it (as `reloc pairs` never pairs an image with itself).
    public var name: String

    public init(image: [UInt8], camera: Camera, name: String = "query.jpg") {
        self.image = image; self.camera = camera; self.name = name
    }
}

/// What localizing one image gave: the pose (or the fallback pose and why), its support, what
/// was retrieved and the milliseconds of each stage. JSON keys in snake case.
public struct LocalizationAnswer: Codable, Equatable, Sendable {
    public struct Timing: Codable, Equatable, Sendable {
        public var decode = 0.0
        public var extract = 0.0
        public var retrieval = 0.0
        public var matching = 0.0
        public var pose = 0.0
        public var total = 0.0
    }

    public var name: String
    /// A pose was estimated with enough inliers; otherwise `camFromWorld` is the fallback.
    public var localized: Bool
    /// World-to-camera pose, `qw qx qy qz tx ty tz`: a submission line without its name.
    public var camFromWorld: String
    public var inliers: Int
    public var correspondences: Int
    public var matches: Int
    public var keypoints: Int
    public var ransacIterations: Int
    /// Database images matched, in retrieval order.
    public var retrieved: [String]
    /// Why the pose is a fallback (nil when localized).
    public var fallback: String?
    /// Milliseconds per stage.
    public var timingMs: Timing

    enum CodingKeys: String, CodingKey {
        case name, localized, inliers, correspondences, matches, keypoints, retrieved, fallback
        case camFromWorld = "cam_from_world", ransacIterations = "ransac_iterations", timingMs = "timing_ms"
    }

    /// The answer as JSON (sorted keys; a null fallback is written).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(localized, forKey: .localized)
        try c.encode(camFromWorld, forKey: .camFromWorld)
        try c.encode(inliers, forKey: .inliers)
        try c.encode(correspondences, forKey: .correspondences)
        try c.encode(matches, forKey: .matches)
        try c.encode(keypoints, forKey: .keypoints)
        try c.encode(ransacIterations, forKey: .ransacIterations)
        try c.encode(retrieved, forKey: .retrieved)
        try c.encode(fallback, forKey: .fallback)
        try c.encode(timingMs, forKey: .timingMs)
    }
}
