import Formats
import Foundation
import Geometry

extension EvaluationReport {
    /// A plain-text table, one row per condition:
    /// count, % within each threshold pair, median position and rotation error.
    public func formatTable() -> String {
        let headers = ["condition", "count"] + thresholds.map { "(\(trim($0.meters))m, \(trim($0.degrees))°)" }
            + ["median pos [m]", "median rot [°]"]
        var rows: [[String]] = [headers]
        for c in conditions {
            rows.append([c.condition, String(c.count)] + c.percentWithin.map { String(format: "%.1f%%", $0) }
                        + [formatError(c.medianPositionError, digits: 3), formatError(c.medianRotationErrorDegrees, digits: 2)])
        }
        var out = Self.align(rows)
        // What Cambridge Landmarks and 7-Scenes papers print, per condition (a scene's list is its condition).
        var small: [[String]] = [["condition", "median pos [cm]", "median rot [°]", "(5cm, 5°)"]]
        for c in conditions {
            small.append([c.condition, formatError(c.medianPositionError * 100, digits: 1), formatError(c.medianRotationErrorDegrees, digits: 2),
                          String(format: "%.1f%%", c.percentWithinSmallScene)])
        }
        out += "\n" + Self.align(small)
        if !queriesWithoutGroundTruth.isEmpty {
            out += "(\(queriesWithoutGroundTruth.count) listed queries have no ground truth and were not scored)\n"
        }
        if !unmatchedResults.isEmpty {
            out += "(\(unmatchedResults.count) result lines match no scored query, e.g. '\(unmatchedResults[0])')\n"
        }
        return out
    }

    /// JSON: `{"conditions": {"all": {"count", "median_position_error_m",
    /// "median_rotation_error_deg", "median_position_error_cm", "percent_within_5cm_5deg",
    /// "thresholds": [{"meters", "degrees", "percent"}]}, ...},
    /// "queries": [{"name", "condition", "position_error_m", "rotation_error_deg"}]}`.
    /// Infinite or undefined errors are written as `null`.
    public func formatJSON() -> String {
        func number(_ v: Double) -> String { v.isFinite ? jsonNumber(v) : "null" }
        var conditionItems: [String] = []
        for c in conditions {
            let thresholdItems = zip(thresholds, c.percentWithin).map { t, p in
                "{\"meters\": \(jsonNumber(t.meters)), \"degrees\": \(jsonNumber(t.degrees)), \"percent\": \(jsonNumber(p))}"
            }
            conditionItems.append("""
                    \(jsonString(c.condition)): {"count": \(c.count), "median_position_error_m": \(number(c.medianPositionError)), \
            "median_rotation_error_deg": \(number(c.medianRotationErrorDegrees)), "median_position_error_cm": \(number(c.medianPositionError * 100)), \
            "percent_within_5cm_5deg": \(jsonNumber(c.percentWithinSmallScene)), "thresholds": [\(thresholdItems.joined(separator: ", "))]}
            """)
        }
        let queryItems = queries.map { q in
            "    {\"name\": \(jsonString(q.name)), \"condition\": \(q.condition.map(jsonString) ?? "null"), \"position_error_m\": \(number(q.positionError)), \"rotation_error_deg\": \(number(q.rotationErrorDegrees))}"
        }
        return "{\n  \"conditions\": {\n" + conditionItems.joined(separator: ",\n") + "\n  },\n  \"queries\": [\n"
            + queryItems.joined(separator: ",\n") + "\n  ]\n}\n"
    }

    /// Rows as columns: the first left-aligned, the others right-aligned, a rule under the header.
    private static func align(_ rows: [[String]]) -> String {
        let widths = (0..<rows[0].count).map { col in rows.map { $0[col].count }.max() ?? 0 }
        var out = ""
        for (index, row) in rows.enumerated() {
            out += zip(row, widths).enumerated().map { col, item in
                let pad = String(repeating: " ", count: item.1 - item.0.count)
                return col == 0 ? item.0 + pad : pad + item.0
            }.joined(separator: "  ") + "\n"
            if index == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        return out
    }

    private func trim(_ v: Double) -> String { jsonNumber(v) }

    private func formatError(_ v: Double, digits: Int) -> String {
        v.isNaN ? "-" : (v.isInfinite ? "inf" : String(format: "%.\(digits)f", v))
    }
}
