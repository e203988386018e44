import Formats
import Foundation

/// `reloc validate-submission`: a submission checked as the Aachen server would (`SubmissionValidation`).
public struct ValidateSubmissionTask: Sendable {
    public var submissionPath: String
    public var queryListPaths: [String]
    public var format: SubmissionFormat

    public init(submissionPath: String, queryListPaths: [String], format: SubmissionFormat = .aachen) {
        self.submissionPath = submissionPath; self.queryListPaths = queryListPaths; self.format = format
    }

    /// - Returns: every problem found (empty when the submission is valid).
    /// - Throws: `RelocError` when a file cannot be read or a query list is malformed.
    public func run() throws -> [SubmissionProblem] {
        var names: [String] = []
        for path in queryListPaths { names += try QueryList.read(path: path).map(\.name) }
        return SubmissionValidation.validate(try readTextFile(submissionPath), file: submissionPath, queryNames: names, format: format)
    }
}
