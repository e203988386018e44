import Foundation
import Geometry

/// The self-contained HTML page of `reloc report`: no network, images embedded, inline SVG and a
/// few lines of script (sorting the query table).
enum ReportPage {
    static let style = """
        body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
        h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
        table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 8px;border-bottom:1px solid #eee;text-align:right}
        th{background:#f4f4f4;cursor:pointer;user-select:none}td:first-child,th:first-child{text-align:left}
        tr.failed td{background:#fff1f0}.curve .title{font-weight:600;font-size:13px}.curve .tick{font-size:11px}
        .curves{display:flex;flex-wrap:wrap;gap:16px}.figure{margin:14px 0}.figure svg{max-width:100%;height:auto}
        code{background:#f4f4f4;padding:1px 4px}.muted{color:#777}
        """

    static let script = """
        document.querySelectorAll('table.sortable th').forEach(function(th, column) {
          th.addEventListener('click', function() {
            var table = th.closest('table'), body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var ascending = th.dataset.order !== 'asc'; th.dataset.order = ascending ? 'asc' : 'desc';
            rows.sort(function(a, b) {
              var x = a.cells[column].dataset.value || a.cells[column].textContent;
              var y = b.cells[column].dataset.value || b.cells[column].textContent;
              var nx = parseFloat(x), ny = parseFloat(y);
              var r = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
              return ascending ? r : -r;
            });
            rows.forEach(function(row) { body.appendChild(row); });
          });
        });
        document.body.setAttribute('data-report-ready', 'yes');
        """

    static func number(_ value: Double?, _ digits: Int) -> (text: String, sort: String) {
        guard let value else { return ("–", "") }
        guard value.isFinite else { return ("no result", "1e308") }
        return (String(format: "%.\(digits)f", value), "\(value)")
    }

    static func html(main run: RunRecord, compared: [RunRecord], figures: [(row: RunRecord.QueryRow, figure: MatchFigure?)],
                     notShown: Int) -> String {
        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>reloc report: \(escapeHTML(run.label))</title>"
        h += "<style>\(style)</style></head><body>"
        h += "<h1>reloc report: \(escapeHTML(run.label))</h1>"
        let localized = run.queries.filter { $0.log?.localized ?? false }.count
        h += "<p>\(run.queries.count) queries, \(localized) localized, \(run.queries.count - localized) fallbacks. "
        h += "Images: <code>\(escapeHTML(run.files.imageFolder))</code>; map: <code>\(escapeHTML(run.files.map))</code>.</p>"

        // Accuracy per condition and run.
        let runs = [run] + compared
        if runs.contains(where: \.hasGroundTruth) {
            h += "<h2>Accuracy</h2><table><thead><tr><th>run</th><th>condition</th><th>count</th><th>(0.25 m, 2°)</th><th>(0.5 m, 5°)</th><th>(5 m, 10°)</th><th>median position [m]</th><th>median rotation [°]</th></tr></thead><tbody>"
            for r in runs {
                for condition in r.errorsByCondition.keys.sorted() {
                    let errors = r.errorsByCondition[condition]!
                    func within(_ m: Double, _ d: Double) -> String {
                        String(format: "%.1f%%", 100 * Double(errors.filter { $0.meters <= m && $0.degrees <= d }.count) / Double(max(1, errors.count)))
                    }
                    let mp = median(errors.map(\.meters)), md = median(errors.map(\.degrees))
                    h += "<tr><td>\(escapeHTML(r.label))</td><td>\(condition)</td><td>\(errors.count)</td><td>\(within(0.25, 2))</td><td>\(within(0.5, 5))</td><td>\(within(5, 10))</td>"
                    h += "<td>\(number(mp, 3).text)</td><td>\(number(md, 2).text)</td></tr>"
                }
            }
            h += "</tbody></table>"
            h += "<h2>Error curves</h2><p class=\"muted\">Share of queries with an error at most x; dashed lines: Aachen's thresholds.</p><div class=\"curves\">"
            let conditions = Set(runs.flatMap { $0.errorsByCondition.keys }).sorted()
            for condition in conditions {
                let series = runs.enumerated().map { k, r in
                    ErrorCurve.Series(label: r.label, color: ErrorCurve.colors[k % ErrorCurve.colors.count],
                                      values: (r.errorsByCondition[condition] ?? []).map(\.meters))
                }
                h += ErrorCurve.svg(title: "position error, \(condition)", unit: "m", series: series, decades: (-3, 1), thresholds: [0.25, 0.5, 5])
                let rotation = runs.enumerated().map { k, r in
                    ErrorCurve.Series(label: r.label, color: ErrorCurve.colors[k % ErrorCurve.colors.count],
                                      values: (r.errorsByCondition[condition] ?? []).map(\.degrees))
                }
                h += ErrorCurve.svg(title: "rotation error, \(condition)", unit: "degrees", series: rotation, decades: (-2, 2), thresholds: [2, 5, 10])
            }
            h += "</div>"
        } else {
            h += "<p class=\"muted\">The dataset has no ground truth: no errors or curves.</p>"
        }

        // Every query.
        h += "<h2>Queries</h2><p class=\"muted\">Click a column to sort. Red rows: not within (0.25 m, 2°) (without ground truth: fallbacks).</p>"
        h += "<table class=\"sortable\"><thead><tr><th>query</th><th>condition</th><th>outcome</th><th>retrieved</th><th>matches</th><th>2D-3D</th><th>inliers</th><th>position error [m]</th><th>rotation error [°]</th><th>time [ms]</th>"
        if run.hasCoverage { h += "<th>covered (coverage.txt)</th>" }
        h += "</tr></thead><tbody>"
        for row in run.queries {
            let log = row.log
            let outcome = log.map { $0.localized ? "localized" : "fallback: \($0.fallback ?? "")" } ?? "not in the log"
            let p = number(row.positionError, 3), r = number(row.rotationErrorDegrees, 2)
            h += "<tr\(run.failed(row) ? " class=\"failed\"" : "")><td>\(escapeHTML(row.name))</td><td>\(row.condition)</td><td>\(escapeHTML(outcome))</td>"
            h += "<td>\(log?.retrieved ?? 0)</td><td>\(log?.matches ?? 0)</td><td>\(log?.correspondences ?? 0)</td><td>\(log?.inliers ?? 0)</td>"
            h += "<td data-value=\"\(p.sort)\">\(p.text)</td><td data-value=\"\(r.sort)\">\(r.text)</td>"
            h += "<td>\(String(format: "%.1f", (log?.seconds ?? 0) * 1000))</td>"
            if run.hasCoverage {
                let c = number(row.coverage, 2)
                h += "<td data-value=\"\(c.sort)\">\(c.text)</td>"
            }
            h += "</tr>"
        }
        h += "</tbody></table>"

        // Matches.
        h += "<h2>Matches</h2><p class=\"muted\">Each failed query and a sample of good ones, beside the retrieved database image with most inliers; lines: 2D-3D correspondences, green = inlier under the final pose (within the RANSAC threshold), red = outlier; at most 250 drawn.</p>"
        if notShown > 0 { h += "<p class=\"muted\">\(notShown) more failed queries are not drawn.</p>" }
        for (row, figure) in figures {
            let p = number(row.positionError, 3).text, r = number(row.rotationErrorDegrees, 2).text
            h += "<div class=\"figure\"><div><b>\(escapeHTML(row.name))</b> (\(row.condition)) — \(run.failed(row) ? "failed" : "good"), error \(p) m, \(r)°"
            if let figure {
                h += " — with <code>\(escapeHTML(figure.databaseImage))</code>: \(figure.inliers) inliers, \(figure.outliers) outliers</div>\(figure.svg)</div>"
            } else {
                h += "</div><p class=\"muted\">No picture: no features, no retrieved image in the map, or an unreadable image.</p></div>"
            }
        }

        // Run facts.
        h += "<h2>Run</h2><table><thead><tr><th>stage</th><th>seconds</th></tr></thead><tbody>"
        for stage in run.stages { h += "<tr><td>\(escapeHTML(stage.name))</td><td>\(String(format: "%.2f", stage.seconds))</td></tr>" }
        h += "<tr><td><b>total</b></td><td><b>\(String(format: "%.2f", run.stages.map(\.seconds).reduce(0, +)))</b></td></tr></tbody></table>"
        h += "<table><thead><tr><th>setting</th><th>value</th></tr></thead><tbody>"
        for (key, value) in run.settings { h += "<tr><td>\(escapeHTML(key))</td><td>\(escapeHTML(value))</td></tr>" }
        h += "</tbody></table>"
        h += "<p class=\"muted\">Written by \(escapeHTML(RelocVersion.description)).</p>"
        h += "<script>\(script)</script></body></html>\n"
        return h
    }

    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}
