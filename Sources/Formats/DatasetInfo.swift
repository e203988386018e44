import Foundation

/// `dataset.json` in a dataset folder: what `reloc import` recorded about where the dataset came
/// from and how its benchmark names queries in a submission. Optional: a folder without it is an
/// Aachen-style dataset (`submissionFormat` `aachen`). Keys in snake case.
///
///     {"format_version": 1, "source": "kapture", "source_path": "/data/RobotCar/...",
///      "submission_format": "robotcar", "scene": "..."}
public struct DatasetInfo: Codable, Equatable, Sendable {
    public static let fileName = "dataset.json"
    public static let currentVersion = 1

    public var formatVersion: Int = DatasetInfo.currentVersion
    /// What it was imported from: `kapture`, `cambridge`, `7scenes`, `synthetic`.
    public var source: String
    /// The folder it was imported from, as given.
    public var sourcePath: String?
    /// How `reloc pipeline` / `localize` name the queries in the submission by default.
    public var submissionFormat: SubmissionFormat
    /// The scene's name (Cambridge, 7-Scenes), or nil.
    public var scene: String?

    enum CodingKeys: String, CodingKey {
        case source, scene
        case formatVersion = "format_version", sourcePath = "source_path", submissionFormat = "submission_format"
    }

    public init(source: String, sourcePath: String? = nil, submissionFormat: SubmissionFormat = .aachen, scene: String? = nil) {
        self.source = source; self.sourcePath = sourcePath; self.submissionFormat = submissionFormat; self.scene = scene
    }

    /// Reads `dataset.json`. - Throws: `FormatError.file` naming it when it is malformed or of a newer version.
    public static func read(path: String) throws -> DatasetInfo {
        let text = try readTextFile(path)
        let info: DatasetInfo
        do { info = try JSONDecoder().decode(DatasetInfo.self, from: Data(text.utf8)) } catch {
            throw FormatError.file(file: path, message: "not a dataset.json (format_version, source, submission_format): \(error)")
        }
        guard info.formatVersion <= currentVersion, info.formatVersion >= 1 else {
            throw FormatError.file(file: path, message: "format_version \(info.formatVersion) is not one this reloc reads (1...\(currentVersion))")
        }
        return info
    }

    /// Writes it atomically, keys sorted.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write((try encoder.encode(self)) + Data("\n".utf8), to: path)
    }
}
