import Formats
import Foundation
import Geometry

/// `reloc import kapture SRC`: a kapture dataset as NAVER's downloads lay it out — one kapture
/// folder per split, `SRC/mapping/` for the database and `SRC/query/`, `SRC/query_*/` (Aachen
/// v1.1's `query_day`, `query_night`) or `validation`, `test`, `testing` (Gangnam, RIO10) for the
/// queries, each with `sensors/` — into reloc's layout.
///
/// Conventions converted (`Kapture`): trajectories are device_from_world, which is COLMAP's
/// cam_from_world when the device is the camera; a rig's pose is composed with the camera's pose
/// in it (camera_from_world = camera_from_rig · rig_from_world). Camera parameters are COLMAP's
/// models and order, in kapture as in reloc, so they pass unchanged (pixel centre of the top-left
/// pixel at (0.5, 0.5) in both). Image names are the records' image paths (relative to each
/// split's `sensors/records_data/`).
///
/// The mapping images with a pose make the reference model (one COLMAP camera per distinct
/// intrinsics; without points: reloc triangulates its own); mapping images without a pose are
/// left out and counted. Each query split gives a list — `query` split by a `day`/`night` folder
/// in the image path when it has one (Aachen), `query_X` → list `X` — and the queries with a pose
/// give the ground truth. An `UNKNOWN_CAMERA` query is listed as `NAME UNKNOWN W H`.
public struct KaptureImport: Sendable {
    public var source: String
    /// nil: guessed from the query names (`SubmissionFormat.guess`).
    public var submissionFormat: SubmissionFormat?

    public init(source: String, submissionFormat: SubmissionFormat? = nil) {
        self.source = source; self.submissionFormat = submissionFormat
    }

    /// The split folders under `source` that hold a kapture (`sensors/records_camera.txt`): mapping first.
    /// - Throws: `RelocError.file` naming `source` without a mapping split or without a query split.
    public func splits() throws -> (mapping: String, queries: [String]) {
        let fm = FileManager.default
        let mapping = (source as NSString).appendingPathComponent("mapping")
        func isKapture(_ folder: String) -> Bool { fm.fileExists(atPath: Kapture.recordsPath(folder)) || fm.fileExists(atPath: Kapture.sensorsPath(folder)) }
        guard fm.fileExists(atPath: source) else { throw RelocError.file(file: source, message: "no such folder") }
        guard isKapture(mapping) else {
            throw RelocError.file(file: source, message: "no mapping/ kapture here (expected mapping/sensors/sensors.txt and records_camera.txt, and query/ or query_*/ beside it, as NAVER's downloads)")
        }
        let names = ((try? fm.contentsOfDirectory(atPath: source)) ?? []).sorted().filter { name in
            name != "mapping" && (name == "query" || name.hasPrefix("query_") || ["validation", "test", "testing"].contains(name))
                && isKapture((source as NSString).appendingPathComponent(name))
        }
        guard !names.isEmpty else {
            throw RelocError.file(file: source, message: "no query kapture here (query/, query_*/, validation/, test/ or testing/ with sensors/)")
        }
        return (mapping, names.map { (source as NSString).appendingPathComponent($0) })
    }

    /// Reads the splits and assembles the dataset.
    /// - Parameter warn: told of mapping images left out for want of a pose.
    /// - Throws: `FormatError` naming the file and line of anything malformed, `RelocError` for an
    ///   image that is missing or a camera reloc cannot use.
    public func dataset(warn: (String) -> Void = { _ in }) throws -> ImportedDataset {
        let (mappingFolder, queryFolders) = try splits()
        var dataset = ImportedDataset(info: DatasetInfo(source: "kapture", sourcePath: source))
        let mapping = try Kapture.read(folder: mappingFolder)
        var unposed = 0
        for record in mapping.records.sorted(by: { $0.imagePath < $1.imagePath }) {
            let image = try linkedImage(record, folder: mappingFolder)
            guard let camFromWorld = mapping.camFromWorld(record) else { unposed += 1; continue }
            switch try mapping.intrinsics(ofCamera: record.key.device, file: Kapture.sensorsPath(mappingFolder)) {
            case .known(let camera)?:
                dataset.images.append(image)
                dataset.addDatabaseImage(name: record.imagePath, camera: camera, camFromWorld: camFromWorld)
            default:
                throw RelocError.file(file: Kapture.recordsPath(mappingFolder),
                                      message: "line \(record.line): mapping image '\(record.imagePath)' has a camera of unknown intrinsics (UNKNOWN_CAMERA); the reference model needs them")
            }
        }
        if unposed > 0 { warn("\(Kapture.recordsPath(mappingFolder)): \(unposed) mapping image(s) without a pose in trajectories.txt left out of the reference model") }

        var lists: [String: [QueryEntry]] = [:]
        var order: [String] = []
        for folder in queryFolders {
            let split = (folder as NSString).lastPathComponent
            let kapture = try Kapture.read(folder: folder)
            for record in kapture.records.sorted(by: { $0.imagePath < $1.imagePath }) {
                dataset.images.append(try linkedImage(record, folder: folder))
                let entry: QueryEntry
                switch try kapture.intrinsics(ofCamera: record.key.device, file: Kapture.sensorsPath(folder))! {
                case .known(let camera): entry = QueryEntry(name: record.imagePath, camera: camera)
                case .unknown(let w, let h):
                    entry = QueryEntry(name: record.imagePath, camera: try Camera(model: .simplePinhole, width: w, height: h,
                        params: [QueryList.placeholderFocal(width: w, height: h), Double(w) / 2, Double(h) / 2]), focalUnknown: true)
                }
                let condition = Self.condition(split: split, imagePath: record.imagePath)
                if lists[condition] == nil { order.append(condition) }
                lists[condition, default: []].append(entry)
                if let pose = kapture.camFromWorld(record) { dataset.groundTruth.append(PoseEntry(name: record.imagePath, camFromWorld: pose)) }
            }
        }
        dataset.queryLists = order.sorted().map { ImportedDataset.List(fileName: ImportedDataset.listFileName(condition: $0), entries: lists[$0]!) }
        let names = dataset.queryLists.flatMap { $0.entries.map(\.name) }
        dataset.info.submissionFormat = submissionFormat ?? SubmissionFormat.guess(queryNames: names)
        return dataset
    }

    /// The list a query goes to: split `query` → `day`/`night` by a folder of that name in the path
    /// (else `query`); `query_X` → `X`; other splits by their name.
    static func condition(split: String, imagePath: String) -> String {
        if split == "query" { return Evaluation.conditionFromPath(imagePath) ?? "query" }
        if split.hasPrefix("query_") { return String(split.dropFirst("query_".count)) }
        return split
    }

    /// The record's image, which must exist under the split's records_data.
    func linkedImage(_ record: Kapture.Record, folder: String) throws -> ImportedDataset.Image {
        let path = (Kapture.recordsDataFolder(folder) as NSString).appendingPathComponent(record.imagePath)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FormatError.parse(file: Kapture.recordsPath(folder), line: record.line, message: "image '\(record.imagePath)' does not exist (looked for \(path))")
        }
        return ImportedDataset.Image(name: record.imagePath, source: path)
    }
}
