import Formats
import Foundation
import Geometry

/// How many of a run's queries the dataset's `coverage.txt` counts as covered, per condition:
/// the queries a method can, in principle, localize (`SyntheticCoverage`), beside which its
/// failures are its own.
public struct QueryCoverage: Sendable, Equatable {
    public struct Condition: Codable, Sendable, Equatable {
        public var condition: String
        public var covered: Int
        public var queries: Int
    }

    public var conditions: [Condition]
    /// The share from which a query counts as covered.
    public var minimumShare: Double

    /// - Parameters:
    ///   - entries: `coverage.txt`'s entries.
    ///   - queries: every query's name (as the lists give it) and condition, in order.
    /// Queries the file does not list count as not covered.
    public init(entries: [CoverageFile.Entry], queries: [(name: String, condition: String)],
                minimumShare: Double = SyntheticCoverage.Limits().minimumShare) {
        let share = Dictionary(entries.map { ($0.name, $0.share) }, uniquingKeysWith: { a, _ in a })
        var order: [String] = []
        var counts: [String: (covered: Int, queries: Int)] = [:]
        for query in queries {
            if counts[query.condition] == nil { order.append(query.condition) }
            let covered = (share[query.name] ?? 0) >= minimumShare
            counts[query.condition, default: (0, 0)].queries += 1
            if covered { counts[query.condition]!.covered += 1 }
        }
        conditions = order.map { Condition(condition: $0, covered: counts[$0]!.covered, queries: counts[$0]!.queries) }
        self.minimumShare = minimumShare
    }

    /// `coverage: day 20 of 20, night 19 of 20 queries covered by the database (...)`.
    public func formatLine() -> String {
        "coverage: " + conditions.map { "\($0.condition) \($0.covered) of \($0.queries)" }.joined(separator: ", ")
            + " queries covered by the database (a share of at least \(String(format: "%g", minimumShare)) of the view; coverage.txt)"
    }
}
