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
        var conditions: [(basename: String, condition: String)]?
        if !queryListPaths.isEmpty {
            conditions = []
            for path in queryListPaths {
                let condition = Evaluation.conditionFromListFile(path)
                conditions! += try QueryList.read(path: path).map { (imageBasename($0.name), condition) }
            }
        }
        let report = try Evaluation.evaluate(results: results, groundTruth: truth, queryConditions: conditions,
                                             thresholds: thresholds)
        if let jsonPath { try AtomicFile.write(report.formatJSON(), to: jsonPath) }
        return report
    }
}

/// The `reloc validate-submission` stage.
public struct SubmissionCheck: Sendable {
    public var submissionPath: String
    public var queryListPaths: [String]

    public init(submissionPath: String, queryListPaths: [String]) {
        self.submissionPath = submissionPath; self.queryListPaths = queryListPaths
    }

    /// - Returns: every problem found (empty when the submission is valid).
    /// - Throws: `RelocError` when a file cannot be read or a query list is malformed.
    public func run() throws -> [SubmissionProblem] {
        var names: [String] = []
        for path in queryListPaths { names += try QueryList.read(path: path).map(\.name) }
        return SubmissionValidation.validate(try readTextFile(submissionPath), file: submissionPath, queryNames: names)
    }
}
