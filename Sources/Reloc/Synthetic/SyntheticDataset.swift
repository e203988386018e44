import Features
import Formats
import Foundation
import Geometry

/// The size of a synthetic dataset.
public enum SyntheticPreset: String, CaseIterable, Sendable {
    /// ~12 database images and 4 + 4 queries at 480×360: seconds; for tests.
    case tiny
    /// 30 database images and 10 + 10 queries at 640×480.
    case small
    /// 60 database images and 20 + 20 queries at 1024×768: `make demo`.
    case `default`
    /// The default's database; the queries are 20 day + 20 night frames of a three-camera rig
    /// (front, left and right at ±60°), `rig_config.json` and per-frame ground truth in the dataset.
    case rig
    /// The rig preset at the tiny preset's size (4 + 4 frames of 3 images): for tests.
    case rigTiny = "rig-tiny"

    var isRig: Bool { self == .rig || self == .rigTiny }
    private var isTiny: Bool { self == .tiny || self == .rigTiny }
    var databaseCount: Int { isTiny ? 12 : (self == .small ? 30 : 60) }
    var queryCount: Int { isTiny ? 4 : (self == .small ? 10 : 20) }
    var size: (width: Int, height: Int) { isTiny ? (480, 360) : (self == .small ? (640, 480) : (1024, 768)) }
    /// The stretch of street the database cameras walk along.
    var streetRange: ClosedRange<Double> { isTiny ? 14...40 : (self == .small ? 6...60 : 2...78) }
}

/// One posed image of a synthetic dataset.
public struct SyntheticView: Sendable {
    public var name: String
    public var camera: Camera
    public var camFromWorld: Rigid3
    public var lighting: SyntheticLighting
    public var jpegQuality: Int
    /// A query's coverage by the database (nil for database images).
    public var coverage: SyntheticCoverage? = nil
}

/// The views of a synthetic dataset, before rendering.
public struct SyntheticViews: Sendable {
    public var database: [SyntheticView]
    public var day: [SyntheticView]
    public var night: [SyntheticView]
}

/// `reloc synth`: a complete dataset in the Aachen-like layout, rendered from the procedural
/// street. Database images along two walking paths (day, varied sun and exposure); day
/// queries 1–5 m and 5–30° away from a database pose, some with SIMPLE_RADIAL distortion
/// rendered in; night queries at the same poses under lamps and lit windows, with colour
/// cast, sensor noise, motion blur on some and stronger JPEG compression. A query is placed only
/// where the database covers its view (`SyntheticCoverage`, `placeQuery`), so that every query
/// can be localized in principle; `coverage.txt` records each one's coverage.
/// Deterministic for a seed (same bytes).
public enum SyntheticDataset {
    /// The views of a dataset (poses, cameras, lighting), without rendering.
    public static func views(preset: SyntheticPreset, seed: UInt64) throws -> SyntheticViews {
        var rng = SeededGenerator(seed: seed &* 0x2545F4914F6CDD1D &+ 1)
        let (width, height) = preset.size
        let w = Double(width), h = Double(height)
        let dbCamera = try Camera(model: .pinhole, width: width, height: height, params: [0.8 * w, 0.8 * w, w / 2, h / 2])

        func sunDirection() -> Vector3 {
            let elevation = (25 + 35 * rng.nextUnit()) * .pi / 180
            let azimuth = (rng.nextUnit() * 2 - 1) * .pi
            return Vector3(cos(elevation) * sin(azimuth), -sin(elevation), cos(elevation) * cos(azimuth))
        }

        var database: [SyntheticView] = []
        let yaws = [0.0, 50, -50, 180, 130, -130]
        let range = preset.streetRange
        for k in 0..<preset.databaseCount {
            let z = range.lowerBound + (range.upperBound - range.lowerBound) * Double(k) / Double(max(1, preset.databaseCount - 1))
            let x = (k % 2 == 0 ? -2.2 : 2.2) + 0.4 * (rng.nextUnit() - 0.5)
            let centre = Vector3(x, -1.6 - 0.1 * rng.nextUnit(), z)
            let yaw = (yaws[k % yaws.count] + 16 * (rng.nextUnit() - 0.5)) * .pi / 180
            let pitch = (-4 + 10 * rng.nextUnit()) * .pi / 180
            let lighting = SyntheticLighting(kind: .day(sunDirection: sunDirection()), exposure: 0.8 + 0.4 * rng.nextUnit(), noise: 0.004)
            database.append(SyntheticView(name: String(format: "db/db_%04d.jpg", k), camera: dbCamera,
                                          camFromWorld: cameraPose(centre: centre, yaw: yaw, pitch: pitch),
                                          lighting: lighting, jpegQuality: 92))
        }

        var day: [SyntheticView] = [], night: [SyntheticView] = []
        let scene = SyntheticScene(seed: seed)
        let distortions = [-0.08, 0.0, -0.04, 0.05]
        for k in 0..<preset.queryCount {
            let cameras: [Camera]
            if preset.isRig {
                cameras = try (0..<3).map { c in
                    try Camera(model: .simpleRadial, width: width, height: height, params: [0.8 * w, w / 2, h / 2, [-0.04, 0.0, -0.02][c]])
                }
            } else {
                let f = (0.75 + 0.2 * rng.nextUnit()) * w
                cameras = [try Camera(model: .simpleRadial, width: width, height: height,
                                      params: [f, w / 2 + 4 * (rng.nextUnit() - 0.5), h / 2 + 4 * (rng.nextUnit() - 0.5),
                                               distortions[k % distortions.count]])]
            }
            let placed = placeQuery(cameras: cameras, database: database, scene: scene, isRig: preset.isRig, rng: &rng)
            let dayLighting = SyntheticLighting(kind: .day(sunDirection: sunDirection()), exposure: 0.6 + 0.8 * rng.nextUnit(), noise: 0.006)
            let blurred = k % 3 == 1
            let motion = blurred ? Vector3(rng.nextUnit() - 0.5, 0, rng.nextUnit() - 0.5) * 0.12 : .zero
            let nightLighting = SyntheticLighting(kind: .night, exposure: 1.2 + 0.8 * rng.nextUnit(), noise: 0.035, motion: motion,
                                                  colorCast: Color(1.0, 0.85 + 0.1 * rng.nextUnit(), 0.65 + 0.15 * rng.nextUnit()))
            for (c, view) in placed.views.enumerated() {
                let prefix = preset.isRig ? syntheticRig.rigs[0].sensors[c].imagePrefix : ""
                day.append(SyntheticView(name: prefix + (preset.isRig ? "" : "query/day/") + String(format: "day_%04d.jpg", k), camera: view.camera,
                                         camFromWorld: view.camFromWorld, lighting: dayLighting, jpegQuality: 88, coverage: placed.coverage))
                night.append(SyntheticView(name: prefix + (preset.isRig ? "" : "query/night/") + String(format: "night_%04d.jpg", k), camera: view.camera,
                                           camFromWorld: view.camFromWorld, lighting: nightLighting, jpegQuality: 65, coverage: placed.coverage))
            }
        }
        return SyntheticViews(database: database, day: day, night: night)
    }

    /// The most poses drawn for one query before the best-covered one is kept.
    static let maxQueryDraws = 400

    /// A query pose where the database covers the view (`SyntheticCoverage`), drawn again until
    /// one is, from the same distribution: 1–5 m from a database camera in the ground plane
    /// (kept inside the street), turned 5–30° from its heading, pitched ±5°. A rig frame's pose
    /// is its front camera's, and the frame is judged as a whole (the points of its three
    /// cameras together): a rig is localized as one. After `maxQueryDraws` draws, the
    /// best-covered pose is kept (its coverage, below the floor, is in `coverage.txt`).
    /// - Returns: the query's views (one, or one per rig camera) and the coverage of the whole
    ///   (every camera of a rig frame carries the frame's).
    static func placeQuery(cameras: [Camera], database: [SyntheticView], scene: SyntheticScene, isRig: Bool,
                           rng: inout SeededGenerator) -> (views: [SyntheticView], coverage: SyntheticCoverage) {
        let limits = SyntheticCoverage.Limits()
        var best: (views: [SyntheticView], coverage: SyntheticCoverage)?
        for _ in 0..<maxQueryDraws {
            let base = database[Int(rng.next() % UInt64(database.count))]
            let baseCentre = base.camFromWorld.cameraCenter
            let distance = 1 + 4 * rng.nextUnit(), heading = rng.nextUnit() * 2 * .pi
            var centre = baseCentre + Vector3(distance * cos(heading), 0.15 * (rng.nextUnit() - 0.5), distance * sin(heading))
            centre.x = max(-4.3, min(4.3, centre.x))
            let baseForward = base.camFromWorld.rotation.conjugate.rotate(Vector3(0, 0, 1))
            let baseYaw = atan2(baseForward.x, baseForward.z)
            let turn = (5 + 25 * rng.nextUnit()) * (rng.nextUnit() < 0.5 ? -1 : 1) * .pi / 180
            let pitch = (-5 + 10 * rng.nextUnit()) * .pi / 180
            let pose = cameraPose(centre: centre, yaw: baseYaw + turn, pitch: pitch)
            let views = cameras.enumerated().map { c, camera in
                let camFromWorld = isRig ? syntheticRig.rigs[0].sensors[c].camFromRig * pose : pose
                return SyntheticView(name: "", camera: camera, camFromWorld: camFromWorld,
                                     lighting: SyntheticLighting(kind: .night, exposure: 1), jpegQuality: 0)
            }
            // The frame as a whole: a rig camera's own share is not what its localization needs.
            let frame = SyntheticCoverage.measure(queries: views, database: database, scene: scene, limits: limits).last!
            if frame.isCovered(limits) { return (views, frame) }
            if best == nil || frame.share > best!.coverage.share { best = (views, frame) }
        }
        return best!
    }

    /// The rig of the `rig` preset: the front camera is the reference sensor; the left and right
    /// cameras are turned by ∓60° about the vertical and sit 0.25 m to the side, 0.1 m behind.
    /// Image names `query/rig/camK_{day,night}_NNNN.jpg`: frame `day_NNNN.jpg` (unique basenames,
    /// as a submission needs).
    public static let syntheticRig: RigConfig = {
        func sensor(_ k: Int, yawDegrees: Double, x: Double) -> RigConfig.Sensor {
            let rigFromCam = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: yawDegrees * .pi / 180),
                                    translation: Vector3(x, 0, k == 0 ? 0 : -0.1))
            return RigConfig.Sensor(imagePrefix: "query/rig/cam\(k)_", isReference: k == 0, camFromRig: k == 0 ? .identity : rigFromCam.inverse)
        }
        return RigConfig(rigs: [RigConfig.Rig(sensors: [sensor(0, yawDegrees: 0, x: 0), sensor(1, yawDegrees: -60, x: -0.25),
                                                        sensor(2, yawDegrees: 60, x: 0.25)])])
    }()

    /// camFromWorld of a camera at `centre` turned by `yaw` about the world's vertical axis
    /// (0 = looking along +z) and tilted by `pitch` (positive = up; world y points down).
    public static func cameraPose(centre: Vector3, yaw: Double, pitch: Double) -> Rigid3 {
        let worldFromCamRotation = Quaternion(axis: Vector3(0, 1, 0), angle: yaw) * Quaternion(axis: Vector3(1, 0, 0), angle: pitch)
        let rotation = worldFromCamRotation.conjugate
        return Rigid3(rotation: rotation, translation: -rotation.rotate(centre))
    }

    /// What `generate` did.
    public struct Summary: Sendable {
        public var databaseImages: Int
        public var dayQueries: Int
        public var nightQueries: Int
        /// Query images whose view the database covers (`SyntheticCoverage`), of all query images.
        public var coveredQueries: Int
        /// The lowest share of a query's view covered.
        public var lowestCoverage: Double
        public var seconds: Double
    }

    /// Renders and writes the dataset into `folder` (created; existing files are replaced).
    /// - Parameter progress: called after each image with (done, total).
    /// - Throws: `RelocError.file` when a file cannot be written.
    public static func generate(folder: String, preset: SyntheticPreset, seed: UInt64,
                                progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        let views = try views(preset: preset, seed: seed)
        let (database, day, night) = (views.database, views.day, views.night)
        let renderer = SyntheticRenderer(scene: SyntheticScene(seed: seed), samplesPerAxis: 2)
        let all = database + day + night
        for (index, view) in all.enumerated() {
            let image = renderer.render(camera: view.camera, camFromWorld: view.camFromWorld, lighting: view.lighting,
                                        seed: Int(truncatingIfNeeded: seed) &* 131 &+ index)
            let path = (folder as NSString).appendingPathComponent("images/" + view.name)
            let bytes: [UInt8]
            do { bytes = try JPEG.encode(image, quality: view.jpegQuality, name: path) } catch {
                throw RelocError.file(file: path, message: "\(error)")
            }
            try AtomicFile.write(bytes, to: path)
            progress?(index + 1, all.count)
        }

        var model = ColmapModel()
        // The database cameras share their intrinsics: one COLMAP camera.
        for (k, view) in database.enumerated() {
            model.cameras[1] = view.camera
            model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: view.name, cameraID: 1, camFromWorld: view.camFromWorld)
        }
        try model.write(folder: (folder as NSString).appendingPathComponent("3D-models/reference"), format: .text)
        try QueryList.write(day.map { QueryEntry(name: $0.name, camera: $0.camera) },
                            to: (folder as NSString).appendingPathComponent("queries/day_time_queries_with_intrinsics.txt"))
        try QueryList.write(night.map { QueryEntry(name: $0.name, camera: $0.camera) },
                            to: (folder as NSString).appendingPathComponent("queries/night_time_queries_with_intrinsics.txt"))
        try PoseFile.write((day + night).map { PoseEntry(name: $0.name, camFromWorld: $0.camFromWorld) },
                           to: (folder as NSString).appendingPathComponent("ground_truth.txt"))
        try CoverageFile.write((day + night).map { CoverageFile.Entry(name: $0.name, share: $0.coverage!.share, coveringImages: $0.coverage!.coveringImages) },
                               header: SyntheticCoverage.Limits().coverageFileHeader,
                               to: (folder as NSString).appendingPathComponent(CoverageFile.fileName))
        if preset.isRig {
            try AtomicFile.write(syntheticRig.json(), to: (folder as NSString).appendingPathComponent("rig_config.json"))
            // Per frame: rig_from_world, the reference (front) camera's pose.
            let prefix = syntheticRig.rigs[0].sensors[0].imagePrefix
            try PoseFile.write((day + night).filter { $0.name.hasPrefix(prefix) }.map {
                PoseEntry(name: String($0.name.dropFirst(prefix.count)), camFromWorld: $0.camFromWorld)
            }, to: (folder as NSString).appendingPathComponent("rig_ground_truth.txt"))
        }
        let shares = (day + night).map { $0.coverage!.share }
        return Summary(databaseImages: database.count, dayQueries: day.count, nightQueries: night.count,
                       coveredQueries: shares.filter { $0 >= SyntheticCoverage.Limits().minimumShare }.count,
                       lowestCoverage: shares.min() ?? 0, seconds: Date().timeIntervalSince(start))
    }
}
