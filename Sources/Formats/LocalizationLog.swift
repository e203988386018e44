import Foundation

/// One query's line in the localization log (`results.txt_logs.jsonl`, JSON lines, keys sorted).
public struct LocalizationLogEntry: Codable, Equatable, Sendable {
    public var query: String
    /// A pose was estimated (not a fallback).
    public var localized: Bool
    /// Why the pose is a fallback (nil when localized).
    public var fallback: String?
    /// Retrieved database images that are in the map.
    public var retrieved: Int
    /// Covisibility clusters tried (1 without clustering).
    public var clusters: Int
    /// Keypoint matches with the retrieved images.
    public var matches: Int
    /// 2D-3D correspondences (deduplicated) of the chosen cluster.
    public var correspondences: Int
    public var inliers: Int
    public var ransacIterations: Int
    public var seconds: Double
    /// World-to-camera pose: qw qx qy qz tx ty tz.
    public var pose: [Double]
    /// The estimated focal length in pixels (unknown-focal queries only).
    public var focal: Double? = nil
    /// The estimated k1 (when it was refined).
    public var k1: Double? = nil
    /// The estimated focal length's standard deviation in pixels (from the inliers' residuals).
    public var focalSigma: Double? = nil
    /// For an image of a rig: its frame (the name after the camera's prefix, `rigN/` first when
    /// the configuration has several rigs), the frame's rig_from_world, the frame's cameras with
    /// correspondences and the inliers over all of them.
    public var frame: String? = nil
    public var rigFromWorld: [Double]? = nil
    public var rigCameras: Int? = nil
    public var rigInliers: Int? = nil

    /// A query's entry; the unknown-focal and rig fields are set afterwards where they apply.
    public init(query: String, localized: Bool, fallback: String?, retrieved: Int, clusters: Int, matches: Int,
                correspondences: Int, inliers: Int, ransacIterations: Int, seconds: Double, pose: [Double]) {
        self.query = query; self.localized = localized; self.fallback = fallback; self.retrieved = retrieved
        self.clusters = clusters; self.matches = matches; self.correspondences = correspondences; self.inliers = inliers
        self.ransacIterations = ransacIterations; self.seconds = seconds; self.pose = pose
    }

    enum CodingKeys: String, CodingKey {
        case query, localized, fallback, retrieved, clusters, matches, correspondences, inliers, seconds, pose, focal, k1, frame
        case ransacIterations = "ransac_iterations"
        case rigFromWorld = "rig_from_world"
        case rigCameras = "rig_cameras"
        case rigInliers = "rig_inliers"
        case focalSigma = "focal_sigma"
    }
}

/// The localization log: one JSON object per line, appended and flushed query by query so a
/// killed run keeps what it finished. A line cut short by a kill is dropped when read back.
public enum LocalizationLog {
    /// The log's first line: the inputs and settings its poses came from.
    public static func header(settings: String) -> String {
        "{\"settings\":\(jsonString(settings))}\n"
    }

    /// Entries of an existing log, by query name (later lines win); empty when the file is missing
    /// or its header names other settings (the poses would be stale).
    public static func read(path: String, settings: String) -> [String: LocalizationLogEntry] {
        guard let data = FileManager.default.contents(atPath: path) else { return [:] }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard let first = lines.first, String(decoding: first, as: UTF8.self) + "\n" == header(settings: settings) else { return [:] }
        var entries: [String: LocalizationLogEntry] = [:]
        let decoder = JSONDecoder()
        for line in lines.dropFirst() where !line.isEmpty {
            if let entry = try? decoder.decode(LocalizationLogEntry.self, from: Data(line)), entry.pose.count == 7,
               entry.pose.allSatisfy(\.isFinite) {
                entries[entry.query] = entry
            }
        }
        return entries
    }

    /// Every complete entry of a log, in file order (whatever its settings); for reports.
    public static func entries(path: String) throws -> [LocalizationLogEntry] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FormatError.file(file: path, message: "no such localization log")
        }
        let decoder = JSONDecoder()
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? decoder.decode(LocalizationLogEntry.self, from: Data($0)) }
    }

    public static func line(_ entry: LocalizationLogEntry) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(entry)) ?? Data(), as: UTF8.self) + "\n"
    }
}

/// Appends lines to a file, each written through to the OS at once.
final package class LineAppender {
    package let path: String
    private let handle: FileHandle

    /// Starts the file with `lines` (the complete lines of an earlier run), then appends.
    package init(path: String, keeping lines: [String]) throws {
        self.path = path
        try AtomicFile.write(lines.joined(), to: path)
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw FormatError.file(file: path, message: "cannot open for appending")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    package func append(_ line: String) throws {
        do { try handle.write(contentsOf: Data(line.utf8)) } catch {
            throw FormatError.file(file: path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    deinit { try? handle.close() }
}
