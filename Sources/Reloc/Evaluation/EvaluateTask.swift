import Formats

/// The `reloc evaluate` stage: reads the files, scores, writes the optional JSON.
public struct EvaluateTask: Sendable {
    public var resultsPath: String
    public var groundTruthPath: String
    public var queryListPaths: [String]
    public var thresholds: [ErrorThreshold]
    public var jsonPath: String?

    public init(resultsPath: String, groundTruthPath: String, queryListPaths: [String] = [],
                thresholds: [ErrorThreshold] = ErrorThreshold.aachen, jsonPath: String? = nil) {
        self.resultsPath = resultsPath; self.groundTruthPath = groundTruthPath
        self.queryListPaths = queryListPaths; self.thresholds = thresholds; self.jsonPath = jsonPath
    }

    /// - Throws: `RelocError` naming the file and line of the first problem in any input.
    public func run() throws -> EvaluationReport {
        // An empty results file is a valid (all-failed) submission, unlike empty ground truth.
        let results = try PoseFile.parse(try readTextFile(resultsPath), file: resultsPath)
        let truth = try PoseFile.read(path: groundTruthPath)
        var conditions: [(name: String, condition: String)]?
        if !queryListPaths.isEmpty {
            conditions = []
            for path in queryListPaths {
                let condition = Evaluation.conditionFromListFile(path)
                conditions! += try QueryList.read(path: path).map { ($0.name, condition) }
            }
        }
        let report = try Evaluation.evaluate(results: results, groundTruth: truth, queryConditions: conditions,
                                             thresholds: thresholds)
        if let jsonPath { try AtomicFile.write(report.formatJSON(), to: jsonPath) }
        return report
    }
}
