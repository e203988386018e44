import Formats
import Geometry

/// `reloc estimate-pose`: absolute pose for one or more correspondence files, for one calibrated
/// camera, one camera of unknown focal length (`estimateFocal`), or a rig (`rig`: each file is
/// one frame, `CAM x y X Y Z` per line).
public struct EstimatePoseTask: Sendable {
    public var files: [String]
    /// The camera; with a rig, one per rig camera (or one for all).
    public var cameras: [Camera]
    public var options: AbsolutePoseOptions
    /// Estimate the focal length (P4Pf); the camera's focal is then only a scale.
    public var estimateFocal = false
    public var refineK1 = false
    /// Each file is a frame of this rig (its first rig).
    public var rig: RigConfig?

    public var camera: Camera { cameras[0] }

    public init(files: [String], camera: Camera, options: AbsolutePoseOptions) {
        self.files = files; self.cameras = [camera]; self.options = options
    }

    /// The command-line form: cameras as `"MODEL W H params..."` or `"UNKNOWN W H"` (which
    /// implies `estimateFocal`).
    /// - Throws: `RelocError.invalidArgument` for a malformed camera or a camera count that does
    ///   not fit the rig.
    public init(files: [String], cameraArguments: [String], thresholdPixels: Double, seed: UInt64, estimateFocal: Bool = false,
                refineK1: Bool = false, rigConfig: String? = nil) throws {
        var unknown = false
        let cameras = try cameraArguments.map { argument -> Camera in
            let fields = argument.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "UNKNOWN" {
                let entry = try QueryList.parse("camera " + argument, file: "--camera").first!
                unknown = true
                return entry.camera
            }
            return try parseCameraArgument(argument)
        }
        guard !cameras.isEmpty else { throw RelocError.invalidArgument("--camera: give the camera") }
        self.init(files: files, camera: cameras[0], options: AbsolutePoseOptions(thresholdPixels: thresholdPixels, seed: seed))
        self.cameras = cameras
        self.estimateFocal = estimateFocal || unknown
        self.refineK1 = refineK1
        if let rigConfig {
            let rig = try RigConfig.read(path: rigConfig)
            let sensors = rig.rigs[0].sensors.count
            guard cameras.count == 1 || cameras.count == sensors else {
                throw RelocError.invalidArgument("--camera: give one camera for all \(sensors) rig cameras or one per rig camera, not \(cameras.count)")
            }
            if self.estimateFocal || refineK1 { throw RelocError.invalidArgument("--rig-config: rigs need known intrinsics (not with --estimate-focal, --estimate-k1 or UNKNOWN)") }
            self.cameras = cameras.count == 1 ? [Camera](repeating: cameras[0], count: sensors) : cameras
            self.rig = rig
        } else if cameras.count > 1 {
            throw RelocError.invalidArgument("--camera: several cameras need --rig-config")
        }
    }

    /// One problem's outcome.
    public struct Outcome: Sendable {
        public var file: String
        public var correspondenceCount: Int
        /// camFromWorld, or rigFromWorld for a rig; nil when no pose was found.
        public var pose: Rigid3?
        public var inlierCount = 0
        public var ransacInlierCount = 0
        public var ransacIterations = 0
        public var refined = false
        /// The estimated camera (focal, k1) with `estimateFocal`, and the focal's standard deviation (pixels).
        public var estimatedCamera: Camera?
        public var focalStandardDeviation: Double?
        /// Wall time of the estimation alone (reading excluded), in seconds.
        public var seconds: Double

        mutating func record(pose: Rigid3, inliers: Int, ransacInliers: Int, ransacIterations: Int, refinement: RefinementSummary?) {
            self.pose = pose
            (inlierCount, ransacInlierCount, self.ransacIterations, refined) = (inliers, ransacInliers, ransacIterations, refinement != nil)
        }

        mutating func record(_ result: AbsolutePoseResult) {
            record(pose: result.camFromWorld, inliers: result.inlierCount, ransacInliers: result.ransacInlierCount,
                   ransacIterations: result.ransacIterations, refinement: result.refinement)
        }
    }

    /// Reads every file first (so a bad file fails before any work), then solves each.
    /// - Throws: `RelocError` naming the file and line of the first malformed input.
    /// - Throws: `RelocError.invalidOption` naming the setting as the CLI spells it: no files, a
    ///   threshold that is not positive, k1 refined without an estimated focal length.
    public func validate() throws {
        guard !files.isEmpty else { throw RelocError.invalidOption(option: "correspondences", message: "must name at least one file") }
        guard options.thresholdPixels > 0 else { throw RelocError.invalidOption(option: "threshold", message: "must be positive") }
        guard !refineK1 || estimateFocal else { throw RelocError.invalidOption(option: "estimate-k1", message: "needs --estimate-focal") }
    }

    public func run() throws -> [Outcome] {
        try validate()
        if let rig {
            let problems = try files.map { ($0, try RigCorrespondenceFile.read(path: $0, cameraCount: rig.rigs[0].sensors.count)) }
            let rigCameras = zip(cameras, rig.rigs[0].sensors).map { RigCamera(camera: $0, camFromRig: $1.camFromRig) }
            return try problems.map { file, c in
                let start = DispatchTimeNanoseconds.now
                let result = try geometry(file) {
                    try estimateGeneralizedAbsolutePose(points2D: c.points2D, points3D: c.points3D, cameras: rigCameras, options: options)
                }
                var outcome = Outcome(file: file, correspondenceCount: c.points2D.reduce(0) { $0 + $1.count },
                                      seconds: Double(DispatchTimeNanoseconds.now - start) * 1e-9)
                if let result {
                    outcome.record(pose: result.rigFromWorld, inliers: result.inlierCount, ransacInliers: result.ransacInlierCount,
                                   ransacIterations: result.ransacIterations, refinement: result.refinement)
                }
                return outcome
            }
        }
        let problems = try files.map { ($0, try CorrespondenceFile.read(path: $0)) }
        return try problems.map { file, c in
            let start = DispatchTimeNanoseconds.now
            var outcome = Outcome(file: file, correspondenceCount: c.points2D.count, seconds: 0)
            if estimateFocal {
                var camera = self.camera
                if refineK1 && camera.model == .simplePinhole {
                    camera = try Camera(model: .simpleRadial, width: camera.width, height: camera.height, params: camera.params + [0])
                }
                let result = try geometry(file) {
                    try estimateAbsolutePoseWithUnknownFocal(points2D: c.points2D, points3D: c.points3D, camera: camera,
                                                             options: FocalAbsolutePoseOptions(pose: options, refineK1: refineK1))
                }
                if let result {
                    outcome.record(result.pose)
                    outcome.estimatedCamera = result.camera
                    outcome.focalStandardDeviation = result.focalStandardDeviation
                }
            } else {
                let result = try geometry(file) {
                    try estimateAbsolutePose(points2D: c.points2D, points3D: c.points3D, camera: camera, options: options)
                }
                if let result { outcome.record(result) }
            }
            outcome.seconds = Double(DispatchTimeNanoseconds.now - start) * 1e-9
            return outcome
        }
    }

    private func geometry<T>(_ file: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as GeometryError { throw RelocError.file(file: file, message: error.description) }
    }

    /// `qw qx qy qz tx ty tz num_inliers` (plus the focal length and, when refined, k1, with an
    /// estimated focal), or a sentence saying no pose was found.
    public static func formatLine(_ outcome: Outcome) -> String {
        guard let pose = outcome.pose else {
            return "no pose found (\(outcome.correspondenceCount) correspondences)"
        }
        var line = formatPose(pose) + " \(outcome.inlierCount)"
        if let camera = outcome.estimatedCamera {
            line += " " + formatDouble(camera.meanFocal)
            if let k1 = camera.model.k1Index { line += " " + formatDouble(camera.params[k1]) }
        }
        return line
    }

    /// One JSON object per problem.
    public static func formatJSON(_ outcome: Outcome) -> String {
        guard let pose = outcome.pose else {
            return "{\"file\": \(jsonString(outcome.file)), \"correspondences\": \(outcome.correspondenceCount), \"pose_found\": false}"
        }
        let q = pose.rotation, t = pose.translation
        var text = "{\"file\": \(jsonString(outcome.file)), \"correspondences\": \(outcome.correspondenceCount), \"pose_found\": true, "
            + "\"qvec\": [\([q.w, q.x, q.y, q.z].map(formatDouble).joined(separator: ", "))], "
            + "\"tvec\": [\([t.x, t.y, t.z].map(formatDouble).joined(separator: ", "))], "
            + "\"num_inliers\": \(outcome.inlierCount), \"ransac_inliers\": \(outcome.ransacInlierCount), "
            + "\"ransac_iterations\": \(outcome.ransacIterations), \"refined\": \(outcome.refined), "
        if let camera = outcome.estimatedCamera {
            text += "\"focal\": \(formatDouble(camera.meanFocal)), \"camera\": \(jsonString(camera.colmapDescription)), "
            if let sigma = outcome.focalStandardDeviation { text += "\"focal_sigma\": \(formatDouble(sigma)), " }
        }
        return text + "\"seconds\": \(formatDouble(outcome.seconds))}"
    }
}

/// A rig frame's 2D-3D correspondences for `reloc estimate-pose --rig-config`: one
/// `CAM x y X Y Z` per line, CAM the camera's index in the rig (0-based, the configuration's order).
public enum RigCorrespondenceFile {
    /// - Throws: `RelocError.parse` naming `file` and the line.
    public static func parse(_ text: String, file: String, cameraCount: Int) throws -> (points2D: [[Vector2]], points3D: [[Vector3]]) {
        var p2 = [[Vector2]](repeating: [], count: cameraCount), p3 = [[Vector3]](repeating: [], count: cameraCount)
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let f = line.fields
            guard f.count == 6 else { throw line.error("expected CAM x y X Y Z (6 fields), got \(f.count)") }
            guard let k = Int(f[0]), k >= 0, k < cameraCount else {
                throw line.error("camera index '\(f[0])' is not in 0..<\(cameraCount) (the rig's cameras)")
            }
            let v = try f.dropFirst().map { try line.double($0, "coordinate") }
            p2[k].append(Vector2(v[0], v[1]))
            p3[k].append(Vector3(v[2], v[3], v[4]))
        }
        return (p2, p3)
    }

    public static func read(path: String, cameraCount: Int) throws -> (points2D: [[Vector2]], points3D: [[Vector3]]) {
        let result = try parse(try readTextFile(path), file: path, cameraCount: cameraCount)
        guard result.points2D.contains(where: { !$0.isEmpty }) else { throw RelocError.file(file: path, message: "no correspondences in this file") }
        return result
    }
}

/// A monotonic clock in nanoseconds.
enum DispatchTimeNanoseconds {
    static var now: UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
