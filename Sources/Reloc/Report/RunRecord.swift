import Formats
import Foundation

/// What `reloc report` reads of a pipeline output folder: `pipeline.json` (settings, files,
/// seconds per stage), `evaluation.json` (when the dataset had ground truth) and the
/// localization log.
public struct RunRecord: Sendable {
    public struct QueryRow: Sendable {
        public var name: String
        public var condition: String
        public var log: LocalizationLogEntry?
        /// Infinite when the query has no result; nil without ground truth.
        public var positionError: Double?
        public var rotationErrorDegrees: Double?
        /// The share of the query's view the database covers (`coverage.txt`); nil without one.
        public var coverage: Double?
    }

    public var folder: String
    public var label: String
    /// The settings of `pipeline.json` (everything but files and stages), as JSON text per key.
    public var settings: [(key: String, value: String)]
    public var files: RunFiles
    public var stages: [(name: String, seconds: Double)]
    public var queries: [QueryRow]
    /// Per condition (and "all"): errors of the scored queries, for the curves.
    public var errorsByCondition: [String: [(meters: Double, degrees: Double)]]
    public var hasGroundTruth: Bool
    /// The dataset has `coverage.txt` (the report shows each query's share).
    public var hasCoverage = false

    /// - Throws: `RelocError.file` naming the missing or malformed file.
    public init(folder: String) throws {
        self.folder = folder
        label = (URL(fileURLWithPath: folder).standardizedFileURL.path as NSString).lastPathComponent
        let factsPath = (folder as NSString).appendingPathComponent("pipeline.json")
        guard let factsData = FileManager.default.contents(atPath: factsPath) else {
            throw RelocError.file(file: factsPath, message: "no pipeline.json: is this a reloc pipeline output folder?")
        }
        guard let object = try? JSONSerialization.jsonObject(with: factsData) as? [String: Any] else {
            throw RelocError.file(file: factsPath, message: "not a JSON object")
        }
        settings = object.keys.sorted().filter { $0 != "files" && $0 != "stages" }.map { key in
            let value = object[key]!
            if let text = value as? String { return (key, text) }
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data()
            return (key, String(decoding: data, as: UTF8.self))
        }
        guard let filesObject = object["files"], let filesData = try? JSONSerialization.data(withJSONObject: filesObject),
              let files = try? JSONDecoder().decode(RunFiles.self, from: filesData) else {
            throw RelocError.file(file: factsPath, message: "no \"files\" entry (written by an older reloc? rerun the pipeline)")
        }
        self.files = files
        stages = ((object["stages"] as? [[String: Any]]) ?? []).compactMap { stage in
            guard let name = stage["stage"] as? String, let seconds = (stage["seconds"] as? NSNumber)?.doubleValue else { return nil }
            return (name, seconds)
        }

        let logEntries = try LocalizationLog.entries(path: files.results + "_logs.jsonl")
        var logByName: [String: LocalizationLogEntry] = [:]
        for entry in logEntries { logByName[entry.query] = entry }
        var conditionOf: [String: String] = [:]
        var order: [String] = []
        for list in files.queryLists {
            let condition = Evaluation.conditionFromListFile(list)
            for entry in try QueryList.read(path: list) {
                if conditionOf[entry.name] == nil { order.append(entry.name) }
                conditionOf[entry.name] = condition
            }
        }
        var errors: [String: (Double, Double)] = [:]
        let evaluationPath = (folder as NSString).appendingPathComponent("evaluation.json")
        hasGroundTruth = FileManager.default.fileExists(atPath: evaluationPath)
        if hasGroundTruth {
            guard let data = FileManager.default.contents(atPath: evaluationPath),
                  let evaluation = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw RelocError.file(file: evaluationPath, message: "not a JSON object")
            }
            for query in (evaluation["queries"] as? [[String: Any]]) ?? [] {
                guard let name = query["name"] as? String else { continue }
                let meters = (query["position_error_m"] as? NSNumber)?.doubleValue ?? .infinity
                let degrees = (query["rotation_error_deg"] as? NSNumber)?.doubleValue ?? .infinity
                errors[name] = (meters, degrees)
            }
        }
        var coverage: [String: Double] = [:]
        if let path = files.coverage, FileManager.default.fileExists(atPath: path) {
            for entry in try CoverageFile.read(path: path) { coverage[entry.name] = entry.share }
        }
        hasCoverage = !coverage.isEmpty
        queries = order.map { name in
            // Evaluation names a query as the ground truth does: by its path, or by its basename.
            let error = errors[name] ?? errors[imageBasename(name)]
            return QueryRow(name: name, condition: conditionOf[name]!, log: logByName[name],
                            positionError: error?.0, rotationErrorDegrees: error?.1, coverage: coverage[name])
        }
        var byCondition: [String: [(meters: Double, degrees: Double)]] = [:]
        for row in queries {
            guard let meters = row.positionError, let degrees = row.rotationErrorDegrees else { continue }
            byCondition["all", default: []].append((meters, degrees))
            if row.condition != "all" { byCondition[row.condition, default: []].append((meters, degrees)) }
        }
        errorsByCondition = byCondition
    }

    /// Whether a query counts as a failure in the report: not within Aachen's finest class
    /// (0.25 m, 2°) when there is ground truth, else a fallback.
    public func failed(_ row: QueryRow) -> Bool {
        if let meters = row.positionError, let degrees = row.rotationErrorDegrees { return !(meters <= 0.25 && degrees <= 2) }
        return !(row.log?.localized ?? false)
    }
}
