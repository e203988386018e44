import _TestSupport
import Formats
import Foundation
@testable import Reloc
import XCTest

/// `reloc report` in-process, on a pipeline run of the tiny preset: every query in the page with
/// its pose error, and a run compared with itself.
final class ReportTaskTests: XCTestCase {
    func testThePageListsEveryQueryWithItsError() throws {
        let root = TestSupport.temporaryFolder(self)
        _ = try SyntheticDataset.generate(folder: root + "/tiny", preset: .tiny, seed: 3)
        var pipeline = PipelineTask(dataset: root + "/tiny", output: root + "/out")
        pipeline.report = false
        let summary = try pipeline.run()
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/out/report.html"))
        var warnings: [String] = []
        let page = try ReportTask(run: root + "/out", compare: [root + "/out"], output: root + "/page.html").run(warn: { warnings.append($0) })
        XCTAssertEqual(page, root + "/page.html")
        XCTAssertEqual(warnings, [])
        let html = try String(contentsOfFile: page, encoding: .utf8)
        let queries = try QueryList.read(path: root + "/tiny/queries/day_time_queries_with_intrinsics.txt")
            + QueryList.read(path: root + "/tiny/queries/night_time_queries_with_intrinsics.txt")
        XCTAssertEqual(queries.count, summary.queries)
        for query in queries { XCTAssertTrue(html.contains(imageBasename(query.name)), query.name) }
        // The evaluation's day recall as the page states it, from the run's own evaluation.
        let evaluation = try String(contentsOfFile: root + "/out/evaluation.txt", encoding: .utf8)
        let day = try XCTUnwrap(evaluation.split(separator: "\n").first { $0.hasPrefix("day") }).split(separator: " ")
        XCTAssertTrue(html.contains(String(day[2])), "day recall \(day[2]) is on the page")
        // Self-contained: no external resource.
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("href=\"http"))
    }
}
