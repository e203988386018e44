import Geometry

/// `reloc estimate-pose`: absolute pose for one or more correspondence files.
public struct EstimatePoseTask: Sendable {
    public var files: [String]
    public var camera: Camera
    public var options: AbsolutePoseOptions

    public init(files: [String], camera: Camera, options: AbsolutePoseOptions) {
        self.files = files; self.camera = camera; self.options = options
    }

    /// The command-line form: the camera as `"MODEL W H params..."`.
    /// - Throws: `RelocError.invalidArgument` for a malformed camera.
    public init(files: [String], cameraArgument: String, thresholdPixels: Double, seed: UInt64) throws {
        self.init(files: files, camera: try parseCameraArgument(cameraArgument),
                  options: AbsolutePoseOptions(thresholdPixels: thresholdPixels, seed: seed))
    }

    /// One problem's outcome.
    public struct Outcome: Sendable {
        public var file: String
        public var correspondenceCount: Int
        public var result: AbsolutePoseResult?
        /// Wall time of `estimateAbsolutePose` alone (reading excluded), in seconds.
        public var seconds: Double
    }

    /// Reads every file first (so a bad file fails before any work), then solves each.
    /// - Throws: `RelocError` naming the file and line of the first malformed input.
    public func run() throws -> [Outcome] {
        let problems = try files.map { ($0, try CorrespondenceFile.read(path: $0)) }
        return try problems.map { file, c in
            let start = DispatchTimeNanoseconds.now
            let result: AbsolutePoseResult?
            do {
                result = try estimateAbsolutePose(points2D: c.points2D, points3D: c.points3D, camera: camera, options: options)
            } catch let error as GeometryError {
                throw RelocError.file(file: file, message: error.description)
            }
            return Outcome(file: file, correspondenceCount: c.points2D.count, result: result,
                           seconds: Double(DispatchTimeNanoseconds.now - start) * 1e-9)
        }
    }

    /// `qw qx qy qz tx ty tz num_inliers`, or a sentence saying no pose was found.
    public static func formatLine(_ outcome: Outcome) -> String {
        guard let result = outcome.result else {
            return "no pose found (\(outcome.correspondenceCount) correspondences)"
        }
        return formatPose(result.camFromWorld) + " \(result.inlierCount)"
    }

    /// One JSON object per problem.
    public static func formatJSON(_ outcome: Outcome) -> String {
        guard let r = outcome.result else {
            return "{\"file\": \(jsonString(outcome.file)), \"correspondences\": \(outcome.correspondenceCount), \"pose_found\": false}"
        }
        let q = r.camFromWorld.rotation, t = r.camFromWorld.translation
        return "{\"file\": \(jsonString(outcome.file)), \"correspondences\": \(outcome.correspondenceCount), \"pose_found\": true, "
            + "\"qvec\": [\([q.w, q.x, q.y, q.z].map(formatDouble).joined(separator: ", "))], "
            + "\"tvec\": [\([t.x, t.y, t.z].map(formatDouble).joined(separator: ", "))], "
            + "\"num_inliers\": \(r.inlierCount), \"ransac_inliers\": \(r.ransacInlierCount), "
            + "\"ransac_iterations\": \(r.ransacIterations), \"refined\": \(r.refinement != nil), "
            + "\"seconds\": \(formatDouble(outcome.seconds))}"
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
