import Formats
import Foundation
import Geometry

/// `reloc export kapture RUN`: a localization run's poses as a kapture folder that kapture's
/// tools read (`KaptureWriter`): the queries of the run's dataset as camera records with their
/// intrinsics, each query's pose from the run's submission as its trajectory (cam_from_world,
/// kapture's device_from_world), and the query images linked under `sensors/records_data/`.
///
/// RUN is a `reloc pipeline` output folder (its `pipeline.json` names the dataset, `results.txt`
/// holds the poses); `dataset` and `results` override either. With `localizedOnly`, queries that
/// got the fallback pose (per the run's log) have a record but no trajectory.
public struct KaptureExport: Sendable {
    public var runFolder: String
    public var output: String
    public var dataset: String?
    public var results: String?
    public var localizedOnly = false

    public init(run: String, output: String) { self.runFolder = run; self.output = output }

    public struct Summary: Equatable, Sendable {
        public var queries = 0
        public var poses = 0
    }

    func join(_ a: String, _ b: String) -> String { (a as NSString).appendingPathComponent(b) }

    /// The dataset the run localized, from its pipeline.json.
    func datasetFolder() throws -> String {
        if let dataset { return dataset }
        let record = join(runFolder, "pipeline.json")
        guard let data = FileManager.default.contents(atPath: record) else {
            throw RelocError.file(file: record, message: "missing: RUN must be a finished reloc pipeline output folder (or give --dataset and --results)")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any], let folder = object["dataset"] as? String else {
            throw RelocError.file(file: record, message: "not a pipeline record with a \"dataset\" entry")
        }
        return folder
    }

    public func run() throws -> Summary {
        let layout = try DatasetLayout.detect(root: try datasetFolder())
        let resultsPath = results ?? join(runFolder, "results.txt")
        let poses = try PoseFile.parse(try readTextFile(resultsPath), file: resultsPath)
        var queries: [QueryEntry] = []
        var seen = Set<String>()
        for list in layout.queryLists { for entry in try QueryList.read(path: list) where seen.insert(entry.name).inserted { queries.append(entry) } }
        let index = QueryNameIndex(queries.map { ($0.name, $0.name) })
        var poseOf: [String: Rigid3] = [:]
        for entry in poses {
            guard let name = index[entry.name] ?? index[imageBasename(entry.name)] else {
                throw RelocError.file(file: resultsPath, message: "'\(entry.name)' names no query of \(layout.root)")
            }
            poseOf[name] = entry.camFromWorld
        }
        if localizedOnly {
            let log = resultsPath + "_logs.jsonl"
            guard FileManager.default.fileExists(atPath: log) else {
                throw RelocError.file(file: log, message: "missing: --localized-only needs the run's per-query log")
            }
            for entry in try LocalizationLog.entries(path: log) where !entry.localized { poseOf[entry.query] = nil }
        }
        let images = queries.map { q in
            KaptureWriter.Image(name: q.name,
                                intrinsics: q.focalUnknown ? .unknown(width: q.camera.width, height: q.camera.height) : .known(q.camera),
                                camFromWorld: poseOf[q.name], source: join(layout.imageFolder, q.name))
        }
        try KaptureWriter.write(images, to: output, transfer: .link)
        return Summary(queries: images.count, poses: images.filter { $0.camFromWorld != nil }.count)
    }
}
