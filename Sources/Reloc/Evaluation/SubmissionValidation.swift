import Formats
import Geometry

/// One problem found in a submission, with the line it is on (nil for a missing query).
public struct SubmissionProblem: Equatable, Sendable, CustomStringConvertible {
    public var line: Int?
    public var message: String

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

/// Checks a submission file as the benchmark's evaluation server would: every query of the lists
/// exactly once, named as the format names it (`SubmissionFormat`: Aachen's basename, RobotCar's
/// `camera/basename`, CMU's `img_…_c0_…us.jpg`), 8 fields per line, finite numbers, unit quaternion.
/// Unlike `PoseFile.parse`, it does not stop at the first problem: it lists them all.
public enum SubmissionValidation {
    /// How far |q| may be from 1.
    public static let quaternionTolerance = PoseConventions.unitQuaternionTolerance

    /// - Parameters:
    ///   - text: the submission's content.
    ///   - queryNames: the names in the query lists (paths relative to the image folder).
    ///   - format: how the benchmark names queries.
    /// - Returns: the problems, in line order, then missing queries; empty when valid.
    public static func validate(_ text: String, file: String, queryNames: [String],
                                format: SubmissionFormat = .aachen) -> [SubmissionProblem] {
        var problems: [SubmissionProblem] = []
        let expected = Set(queryNames.map(format.submissionName))
        var seen: [String: Int] = [:]
        for line in textLines(text, file: file) where !line.isBlankOrComment {
            let fields = line.fields
            func problem(_ message: String) { problems.append(SubmissionProblem(line: line.number, message: message)) }
            guard fields.count == 8 else {
                problem("expected 8 fields (name qw qx qy qz tx ty tz), got \(fields.count)")
                continue
            }
            let name = String(fields[0])
            if let wrong = format.nameProblem(name) { problem(wrong) }
            let base = expected.contains(name) ? name : format.submissionName(name)
            if !expected.contains(base) { problem("'\(name)' is not a query of the given lists") }
            if let first = seen[base] { problem("'\(base)' appears again (first on line \(first))") } else { seen[base] = line.number }
            let numbers = fields[1...].map { Double($0) }
            if let bad = numbers.firstIndex(where: { $0 == nil || !$0!.isFinite }) {
                problem("field \(bad + 2) '\(fields[bad + 1])' is not a finite number")
                continue
            }
            let v = numbers.map { $0! }
            let q = Quaternion(w: v[0], x: v[1], y: v[2], z: v[3])
            if !q.isUnit(tolerance: quaternionTolerance) {
                problem("quaternion is not unit length (norm \(formatDouble(q.norm)))")
            }
        }
        let missing = queryNames.map(format.submissionName).filter { seen[$0] == nil }
        var reported = Set<String>()
        for name in missing where reported.insert(name).inserted {
            problems.append(SubmissionProblem(line: nil, message: "query '\(name)' has no pose"))
        }
        return problems
    }
}
