import Formats
import Geometry

/// A pair of position and rotation thresholds; a query is within it when both errors are.
public struct ErrorThreshold: Equatable, Sendable {
    public var meters: Double
    public var degrees: Double

    public init(meters: Double, degrees: Double) { self.meters = meters; self.degrees = degrees }

    /// Aachen v1.1's three accuracy classes: (0.25 m, 2°), (0.5 m, 5°), (5 m, 10°).
    public static let aachen = [ErrorThreshold(meters: 0.25, degrees: 2), ErrorThreshold(meters: 0.5, degrees: 5),
                                ErrorThreshold(meters: 5, degrees: 10)]

    /// The accuracy class of the small-scene benchmarks (7-Scenes, Cambridge Landmarks papers):
    /// (5 cm, 5°).
    public static let smallScene = ErrorThreshold(meters: 0.05, degrees: 5)

    /// Parses `"0.25,2 0.5,5 5,10"`: space-separated `meters,degrees` pairs.
    /// - Throws: `RelocError.invalidArgument` for a malformed or non-positive pair.
    public static func parseList(_ text: String) throws -> [ErrorThreshold] {
        let items = text.split(whereSeparator: { $0 == " " || $0 == ";" })
        guard !items.isEmpty else { throw RelocError.invalidArgument("--thresholds: no threshold pairs given") }
        return try items.map { item in
            let parts = item.split(separator: ",")
            guard parts.count == 2, let m = Double(parts[0]), let d = Double(parts[1]), m > 0, d > 0,
                  m.isFinite, d.isFinite else {
                throw RelocError.invalidArgument("--thresholds: '\(item)' is not a pair meters,degrees of positive numbers (e.g. \"0.25,2 0.5,5 5,10\")")
            }
            return ErrorThreshold(meters: m, degrees: d)
        }
    }
}

/// The error of one query's estimated pose against ground truth.
public struct QueryError: Equatable, Sendable {
    /// The query's name as in the ground truth.
    public var name: String
    /// `day`, `night`, ... or nil when no condition is known.
    public var condition: String?
    /// |c_est − c_gt| in metres (camera centres c = −Rᵀt); infinite when the query has no result.
    public var positionError: Double
    /// Angle of R_est·R_gtᵀ in degrees; infinite when the query has no result.
    public var rotationErrorDegrees: Double

    public var hasResult: Bool { positionError.isFinite }
}

/// Accuracy of one condition (`all`, `day`, `night`, ...).
public struct ConditionSummary: Equatable, Sendable {
    public var condition: String
    public var count: Int
    public var medianPositionError: Double
    public var medianRotationErrorDegrees: Double
    /// Percent of queries within each threshold pair, in the order of the thresholds.
    public var percentWithin: [Double]
    /// Percent within `ErrorThreshold.smallScene` (5 cm, 5°), as Cambridge Landmarks and 7-Scenes
    /// papers print beside the median errors.
    public var percentWithinSmallScene: Double = 0
}

/// The result of scoring a submission.
public struct EvaluationReport: Equatable, Sendable {
    public var thresholds: [ErrorThreshold]
    public var queries: [QueryError]
    /// `all` first, then `day`, `night`, then any other condition by name.
    public var conditions: [ConditionSummary]
    /// Queries of the lists that have no ground truth (not scored).
    public var queriesWithoutGroundTruth: [String]
    /// Result lines whose name matches no scored query.
    public var unmatchedResults: [String]
}

/// Pose errors and camera centres, in one place.
public enum PoseError {
    /// |c_a − c_b| for two camFromWorld poses.
    public static func position(_ a: Rigid3, _ b: Rigid3) -> Double { norm(a.cameraCenter - b.cameraCenter) }

    /// Angle of R_a·R_bᵀ in degrees.
    public static func rotationDegrees(_ a: Rigid3, _ b: Rigid3) -> Double {
        a.rotation.angularDistance(to: b.rotation) * 180 / Double.pi
    }
}

/// Scores estimated poses against ground truth.
public enum Evaluation {
    /// A result names a query by its path or the path's last components (`QueryNameIndex`): the
    /// basename for Aachen, `rear/…` for RobotCar, `seq1/frame00001.png` for Cambridge, whose
    /// basenames repeat across sequences.
    /// - Parameters:
    ///   - results: estimated poses (a submission).
    ///   - groundTruth: true poses, named by path (or basename).
    ///   - queryConditions: when query lists are given, each listed query's name (path) and its
    ///     condition; only those queries are scored. When nil, every ground-truth query is
    ///     scored and its condition comes from a `day` or `night` folder in its name.
    ///   - thresholds: the accuracy classes.
    /// - Throws: `RelocError.invalidArgument` when a ground-truth name is given twice.
    public static func evaluate(results: [PoseEntry], groundTruth: [PoseEntry],
                                queryConditions: [(name: String, condition: String)]? = nil,
                                thresholds: [ErrorThreshold] = ErrorThreshold.aachen) throws -> EvaluationReport {
        var seenTruth = Set<String>()
        for entry in groundTruth where !seenTruth.insert(entry.name).inserted {
            throw RelocError.invalidArgument("ground truth names '\(entry.name)' twice")
        }
        let truthIndex = QueryNameIndex(groundTruth.map { ($0.name, $0) })

        var scored: [(PoseEntry, String?)] = []
        var withoutTruth: [String] = []
        if let queryConditions {
            var listed = Set<String>()
            for (name, condition) in queryConditions where listed.insert(name).inserted {
                // Lists name queries by path; ground truth by path or by basename.
                if let truth = truthIndex[name] ?? truthIndex[imageBasename(name)] { scored.append((truth, condition)) } else { withoutTruth.append(name) }
            }
        } else {
            scored = groundTruth.map { ($0, conditionFromPath($0.name)) }
        }

        // Each result to the scored query it names.
        let scoredIndex = QueryNameIndex(scored.map { ($0.0.name, $0.0.name) })
        var resultByTruth: [String: PoseEntry] = [:]
        var unmatched: [String] = []
        for entry in results {
            if let truthName = scoredIndex[entry.name] ?? scoredIndex[imageBasename(entry.name)] {
                resultByTruth[truthName] = entry
            } else {
                unmatched.append(entry.name)
            }
        }

        var queries: [QueryError] = []
        for (truth, condition) in scored {
            if let estimate = resultByTruth[truth.name] {
                queries.append(QueryError(name: truth.name, condition: condition,
                                          positionError: PoseError.position(estimate.camFromWorld, truth.camFromWorld),
                                          rotationErrorDegrees: PoseError.rotationDegrees(estimate.camFromWorld, truth.camFromWorld)))
            } else {
                queries.append(QueryError(name: truth.name, condition: condition, positionError: .infinity,
                                          rotationErrorDegrees: .infinity))
            }
        }

        var conditions = [summarize("all", queries, thresholds)]
        let names = Set(queries.compactMap(\.condition))
        let ordered = ["day", "night"].filter(names.contains) + names.subtracting(["day", "night"]).sorted()
        for name in ordered {
            conditions.append(summarize(name, queries.filter { $0.condition == name }, thresholds))
        }
        return EvaluationReport(thresholds: thresholds, queries: queries, conditions: conditions,
                                queriesWithoutGroundTruth: withoutTruth, unmatchedResults: unmatched)
    }

    /// `day` or `night` when a folder of that name is in the path, else nil.
    public static func conditionFromPath(_ name: String) -> String? {
        let folders = name.split(separator: "/").dropLast().map { $0.lowercased() }
        if folders.contains("night") { return "night" }
        if folders.contains("day") { return "day" }
        return nil
    }

    /// The condition named by a query list's file name: `day_time_...` → `day`,
    /// `night_time_...` → `night`, otherwise the file's stem without `_queries_with_intrinsics`.
    public static func conditionFromListFile(_ path: String) -> String {
        var stem = imageBasename(path)
        if let dot = stem.lastIndex(of: ".") { stem = String(stem[..<dot]) }
        let lower = stem.lowercased()
        if lower.hasPrefix("day") { return "day" }
        if lower.hasPrefix("night") { return "night" }
        for suffix in ["_queries_with_intrinsics", "_queries"] where stem.hasSuffix(suffix) {
            return String(stem.dropLast(suffix.count))
        }
        return stem
    }

    static func summarize(_ name: String, _ queries: [QueryError], _ thresholds: [ErrorThreshold]) -> ConditionSummary {
        func percent(_ t: ErrorThreshold) -> Double {
            guard !queries.isEmpty else { return 0 }
            let within = queries.filter { $0.positionError <= t.meters && $0.rotationErrorDegrees <= t.degrees }.count
            return 100 * Double(within) / Double(queries.count)
        }
        return ConditionSummary(condition: name, count: queries.count,
                                medianPositionError: median(queries.map(\.positionError)),
                                medianRotationErrorDegrees: median(queries.map(\.rotationErrorDegrees)),
                                percentWithin: thresholds.map(percent), percentWithinSmallScene: percent(.smallScene))
    }

    /// The median (mean of the two middle values for an even count); NaN when empty.
    public static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        if sorted.count % 2 == 1 { return sorted[mid] }
        let (a, b) = (sorted[mid - 1], sorted[mid])
        return a.isInfinite || b.isInfinite ? max(a, b) : (a + b) / 2
    }
}
