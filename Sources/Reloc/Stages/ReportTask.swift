import Formats
import Foundation
import Geometry

/// `reloc report`: one self-contained HTML file about a pipeline output folder — accuracy per
/// condition, error curves (several runs overlaid with `compare`), every query, the matches of
/// failed queries and of a sample of good ones, settings and time per stage.
public struct ReportTask: Sendable {
    public var run: String
    public var compare: [String]
    /// Default: `run/report.html`.
    public var output: String?
    /// Failed queries drawn at most (the rest are listed in the table only).
    public var maxFailedFigures = 30
    /// Good queries drawn (evenly spread over the list).
    public var goodFigures = 4

    public init(run: String, compare: [String] = [], output: String? = nil) {
        self.run = run; self.compare = compare; self.output = output
    }

    /// - Returns: the path of the page written.
    public func run(warn: (String) -> Void = { _ in }) throws -> String {
        let main = try RunRecord(folder: run)
        let others = try compare.map { try RunRecord(folder: $0) }
        let threshold = (main.settings.first { $0.key == "threshold_px" }.flatMap { Double($0.value) }) ?? 12
        let failed = main.queries.filter { main.failed($0) }
        let good = main.queries.filter { !main.failed($0) }
        var chosen = Array(failed.prefix(maxFailedFigures))
        if !good.isEmpty {
            let step = max(1, good.count / max(1, goodFigures))
            chosen += stride(from: 0, to: good.count, by: step).prefix(goodFigures).map { good[$0] }
        }
        var figures: [(row: RunRecord.QueryRow, figure: MatchFigure?)] = []
        var sources: MatchFigure.Sources?
        do { sources = try MatchFigure.Sources(files: main.files, threshold: threshold) } catch {
            warn("warning: no match pictures: \(error)")
        }
        for row in chosen {
            guard let sources, let log = row.log else { figures.append((row, nil)); continue }
            figures.append((row, MatchFigure.draw(query: row.name, pose: LocalizeTask.pose(log.pose), sources: sources)))
        }
        let page = ReportPage.html(main: main, compared: others, figures: figures, notShown: max(0, failed.count - maxFailedFigures))
        let path = output ?? (run as NSString).appendingPathComponent("report.html")
        try AtomicFile.write(page, to: path)
        return path
    }
}
