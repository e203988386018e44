import Foundation
import Geometry
import Reloc
import XCTest
import _TestSupport

/// `reloc pipeline` end to end, the real binary: the tiny synthetic preset (rendered once per
/// run of this class), bad query images, a killed run, and the real photographs of
/// ../shared/datasets when present.
final class PipelineCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")
    nonisolated(unsafe) static var tiny: String?

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
        if Self.tiny == nil {
            let folder = TestSupport.temporaryFolder() + "/tiny"
            let result = try TestSupport.run(reloc, ["synth", "--output", folder, "--preset", "tiny", "--seed", "1"])
            XCTAssertEqual(result.status, 0, result.stderr)
            Self.tiny = folder
        }
    }

    /// A private copy of the tiny dataset (tests change images).
    func copyOfTiny() throws -> String {
        let copy = TestSupport.temporaryFolder(self) + "/ds"
        try FileManager.default.copyItem(atPath: Self.tiny!, toPath: copy)
        return copy
    }

    func pipeline(_ dataset: String, _ output: String, _ extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        try TestSupport.run(reloc, ["pipeline", "--dataset", dataset, "--output", output] + extra)
    }

    func errors(_ output: String, dataset: String) throws -> [String: (meters: Double, degrees: Double)] {
        let results = try PoseFile.read(path: output + "/results.txt")
        let truth = try PoseFile.read(path: dataset + "/ground_truth.txt")
        var errors: [String: (Double, Double)] = [:]
        for entry in truth {
            guard let result = results.first(where: { $0.name == imageBasename(entry.name) }) else { continue }
            errors[entry.name] = (PoseError.position(result.camFromWorld, entry.camFromWorld),
                                  PoseError.rotationDegrees(result.camFromWorld, entry.camFromWorld))
        }
        return errors
    }

    func testTinySyntheticEndToEndAndRerunReusesWork() throws {
        let output = TestSupport.temporaryFolder(self) + "/out"
        // Upsampled SIFT: at 480×360 the default finds ~300 keypoints per image, too few.
        let first = try pipeline(Self.tiny!, output, ["--upsample"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stdout.contains("Localized "), first.stdout)
        XCTAssertTrue(first.stdout.contains("condition"), first.stdout)
        let results = try PoseFile.read(path: output + "/results.txt")
        XCTAssertEqual(results.count, 8)
        XCTAssertEqual(Set(results.map(\.name)).count, 8)
        // The evaluation file is what `reloc evaluate` prints for these results.
        let evaluate = try TestSupport.run(reloc, ["evaluate", "--results", output + "/results.txt", "--ground-truth", Self.tiny! + "/ground_truth.txt",
                                                   "--queries", Self.tiny! + "/queries/day_time_queries_with_intrinsics.txt",
                                                   Self.tiny! + "/queries/night_time_queries_with_intrinsics.txt"])
        XCTAssertEqual(try String(contentsOfFile: output + "/evaluation.txt", encoding: .utf8), evaluate.stdout)
        // Accuracy: at this size SIFT localizes some day queries only (the real photographs below
        // carry the strict targets).
        let errors = try errors(output, dataset: Self.tiny!)
        XCTAssertGreaterThanOrEqual(errors.values.filter { $0.meters < 0.25 && $0.degrees < 2 }.count, 1, "\(errors)")
        // The map is a COLMAP model with tracks.
        let map = try FileManager.default.contentsOfDirectory(atPath: output).first { $0.hasPrefix("sfm_") }!
        let model = try ColmapModel.read(folder: output + "/" + map)
        XCTAssertGreaterThan(model.points3D.count, 20)
        XCTAssertEqual(model.images.count, 12)

        let second = try pipeline(Self.tiny!, output, ["--upsample"])
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertTrue(second.stdout.contains("extract: 0 images"), second.stdout)
        XCTAssertTrue(second.stdout.contains("exists; skipped"), second.stdout)
        XCTAssertTrue(second.stdout.contains("8 from an earlier run"), second.stdout)
        XCTAssertEqual(try PoseFile.read(path: output + "/results.txt"), results)
    }

    func testUnreadableQueryGetsFallbackLineAndMissingQueryIsAnError() throws {
        let dataset = try copyOfTiny()
        try Data("not a jpeg".utf8).write(to: URL(fileURLWithPath: dataset + "/images/query/night/night_0002.jpg"))
        let output = TestSupport.temporaryFolder(self) + "/out"
        let run = try pipeline(dataset, output)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("night_0002.jpg"), run.stderr)
        let results = try PoseFile.read(path: output + "/results.txt")
        XCTAssertEqual(results.count, 8)
        XCTAssertTrue(results.contains { $0.name == "night_0002.jpg" })
        let log = try String(contentsOfFile: output + "/results.txt_logs.jsonl", encoding: .utf8)
        XCTAssertTrue(log.split(separator: "\n").contains { $0.contains("night_0002.jpg") && $0.contains("\"fallback\":\"no features\"") }, log)

        try FileManager.default.removeItem(atPath: dataset + "/images/query/day/day_0001.jpg")
        let missing = try pipeline(dataset, output)
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains(dataset + "/queries/day_time_queries_with_intrinsics.txt:2: query image 'query/day/day_0001.jpg' does not exist"), missing.stderr)
    }

    func testKilledRunResumesToTheSameResults() throws {
        let reference = TestSupport.temporaryFolder(self) + "/reference"
        XCTAssertEqual(try pipeline(Self.tiny!, reference).status, 0)
        let output = TestSupport.temporaryFolder(self) + "/killed"
        // Kill (SIGKILL) as soon as extraction has written its file, i.e. in the middle of the run.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: reloc)
        process.arguments = ["pipeline", "--dataset", Self.tiny!, "--output", output]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: output)) ?? []
            if names.contains(where: { $0.hasPrefix("feats-") }) { break }
            usleep(20_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try pipeline(Self.tiny!, output)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try String(contentsOfFile: output + "/results.txt", encoding: .utf8),
                       try String(contentsOfFile: reference + "/results.txt", encoding: .utf8))
    }

    func testRealPhotographsMeetTheAccuracyTargets() throws {
        guard let fountain = TestSupport.sharedDataset("fountain"), let sacreCoeur = TestSupport.sharedDataset("sacre_coeur") else {
            throw XCTSkip("../shared/datasets not present")
        }
        let output = TestSupport.temporaryFolder(self)
        XCTAssertEqual(try pipeline(fountain, output + "/fountain").status, 0)
        let fountainErrors = try errors(output + "/fountain", dataset: fountain)
        XCTAssertEqual(fountainErrors.count, 6)
        for (name, error) in fountainErrors {
            // Day: (5 cm, 0.5°); low light: (25 cm, 2°).
            let limit = name.contains("night") ? (0.25, 2.0) : (0.05, 0.5)
            XCTAssertLessThan(error.meters, limit.0, name)
            XCTAssertLessThan(error.degrees, limit.1, name)
        }
        XCTAssertEqual(try pipeline(sacreCoeur, output + "/sacre_coeur").status, 0)
        let sacreCoeurErrors = try errors(output + "/sacre_coeur", dataset: sacreCoeur)
        XCTAssertEqual(sacreCoeurErrors.count, 3)
        for (name, error) in sacreCoeurErrors { XCTAssertLessThan(error.degrees, 1, name) }
    }

    func testStagesOneByOne() throws {
        let ds = Self.tiny!, out = TestSupport.temporaryFolder(self)
        let queries = [ds + "/queries/day_time_queries_with_intrinsics.txt", ds + "/queries/night_time_queries_with_intrinsics.txt"]
        func ok(_ arguments: [String]) throws -> String {
            let result = try TestSupport.run(reloc, arguments)
            XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
            return result.stdout
        }
        _ = try ok(["extract", "--images", ds + "/images", "--output", out + "/feats.h5", "--features", "rootsift", "--upsample"])
        XCTAssertTrue(try ok(["pairs", "--retrieval", "poses", "--database", ds + "/3D-models/reference", "--output", out + "/pairs-db.txt", "--top-k", "5"])
            .contains("frustum overlap"))
        _ = try ok(["match", "--pairs", out + "/pairs-db.txt", "--features", out + "/feats.h5", "--output", out + "/matches.h5", "--ratio", "0.8", "--mutual"])
        XCTAssertTrue(try ok(["triangulate", "--model", ds + "/3D-models/reference", "--features", out + "/feats.h5", "--matches", out + "/matches.h5",
                              "--pairs", out + "/pairs-db.txt", "--output", out + "/sfm", "--images", ds + "/images"]).contains("points from"))
        XCTAssertTrue(try ok(["pairs", "--retrieval", "vlad", "--queries"] + queries + ["--database", ds + "/3D-models/reference",
                              "--features", out + "/feats.h5", "--output", out + "/pairs-q.txt", "--top-k", "5"]).contains("wrote 40 pairs"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/pairs-q-vlad.h5"))
        _ = try ok(["match", "--pairs", out + "/pairs-q.txt", "--features", out + "/feats.h5", "--output", out + "/matches.h5", "--ratio", "0.8", "--mutual"])
        XCTAssertTrue(try ok(["localize", "--model", out + "/sfm", "--queries"] + queries + ["--features", out + "/feats.h5", "--matches", out + "/matches.h5",
                              "--pairs", out + "/pairs-q.txt", "--output", out + "/results.txt"]).contains("/ 8 queries"))
        XCTAssertEqual(try PoseFile.read(path: out + "/results.txt").count, 8)
        XCTAssertTrue(try ok(["model", "info", out + "/sfm"]).contains("points"))

        // Bad input names the file.
        let bad = try TestSupport.run(reloc, ["localize", "--model", out + "/nope", "--queries", queries[0], "--features", out + "/feats.h5",
                                              "--matches", out + "/matches.h5", "--pairs", out + "/pairs-q.txt", "--output", out + "/r.txt"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains(out + "/nope"), bad.stderr)
        let unknown = try TestSupport.run(reloc, ["pairs", "--retrieval", "netvlad", "--database", ds + "/3D-models/reference", "--output", out + "/x.txt"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown retrieval 'netvlad'"), unknown.stderr)
    }

    func testReportIsSelfContainedAndLoadsInChromium() throws {
        let output = TestSupport.temporaryFolder(self) + "/out"
        let run = try pipeline(Self.tiny!, output, ["--upsample"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains(output + "/report.html"), run.stdout)
        let page = try String(contentsOfFile: output + "/report.html", encoding: .utf8)
        for expected in ["<svg", "position error, night", "rotation error, day", "data:image/jpeg;base64,", "query/night/night_0003.jpg",
                         "extract", "Matches"] {
            XCTAssertTrue(page.contains(expected), expected)
        }
        // Self-contained: nothing fetched from elsewhere.
        let withoutNamespace = page.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")
        XCTAssertFalse(withoutNamespace.contains("http://") || withoutNamespace.contains("https://"))
        XCTAssertFalse(page.contains("src=\"/"))

        // Two runs overlaid, to a chosen file.
        let other = TestSupport.temporaryFolder(self) + "/other"
        XCTAssertEqual(try pipeline(Self.tiny!, other, ["--no-report"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: other + "/report.html"))
        let compared = try TestSupport.run(reloc, ["report", output, "--compare", other, "--output", output + "/compare.html"])
        XCTAssertEqual(compared.status, 0, compared.stderr)
        let comparePage = try String(contentsOfFile: output + "/compare.html", encoding: .utf8)
        XCTAssertTrue(comparePage.contains(">other (4)<"), "both runs in the curves' legends")
        let missing = try TestSupport.run(reloc, ["report", TestSupport.temporaryFolder(self)])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("pipeline.json"), missing.stderr)

        // In a real browser, where Chromium is installed: the script runs without errors and the page renders.
        guard let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw XCTSkip("Chromium not installed (apt-get install chromium)")
        }
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr", "--v=0"]
        let dom = try TestSupport.run(chromium, flags + ["--dump-dom", "file://" + output + "/compare.html"])
        XCTAssertEqual(dom.status, 0, dom.stderr)
        XCTAssertTrue(dom.stdout.contains("data-report-ready=\"yes\""), "the page's script did not finish")
        XCTAssertFalse(dom.stderr.contains("Uncaught"), dom.stderr)
        let screenshot = output + "/report.png"
        let shot = try TestSupport.run(chromium, flags + ["--window-size=1400,2400", "--screenshot=" + screenshot, "file://" + output + "/report.html"])
        XCTAssertEqual(shot.status, 0, shot.stderr)
        let png = try Data(contentsOf: URL(fileURLWithPath: screenshot))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        XCTAssertGreaterThan(png.count, 20_000, "a blank page compresses to a few kB")
    }

    func testShardedLocalizationMergesToTheSingleProcessResult() throws {
        let output = TestSupport.temporaryFolder(self) + "/out"
        XCTAssertEqual(try pipeline(Self.tiny!, output, ["--no-report"]).status, 0)
        let facts = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output + "/pipeline.json"))) as! [String: Any]
        let files = facts["files"] as! [String: Any]
        let queries = files["query_lists"] as! [String]
        var shards: [String] = []
        for i in 0..<3 {
            let result = output + "/results.shard-\(i)-of-3.txt"
            let run = try TestSupport.run(reloc, ["localize", "--model", files["map"] as! String, "--queries"] + queries + [
                "--features", files["features"] as! String, "--matches", files["query_matches"] as! String,
                "--pairs", files["query_pairs"] as! String, "--output", result, "--shard", "\(i)/3"])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertTrue(run.stdout.contains(i < 2 ? "/ 3 queries" : "/ 2 queries"), run.stdout)
            shards.append(result)
        }
        let merged = try TestSupport.run(reloc, ["merge", "--queries"] + queries + ["--output", output + "/merged.txt"] + shards)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: output + "/merged.txt")),
                       try Data(contentsOf: URL(fileURLWithPath: output + "/results.txt")), "byte-identical to the single run")
        XCTAssertEqual(try String(contentsOfFile: output + "/merged.txt_logs.jsonl", encoding: .utf8).split(separator: "\n").count, 9)

        let overlapping = try TestSupport.run(reloc, ["merge", "--queries"] + queries + ["--output", output + "/x.txt", shards[0], shards[0]])
        XCTAssertNotEqual(overlapping.status, 0)
        XCTAssertTrue(overlapping.stderr.contains("overlapping shards"), overlapping.stderr)
        let incomplete = try TestSupport.run(reloc, ["merge", "--queries"] + queries + ["--output", output + "/x.txt", shards[0]])
        XCTAssertNotEqual(incomplete.status, 0)
        XCTAssertTrue(incomplete.stderr.contains("5 of 8 queries are in no shard"), incomplete.stderr)
        let badShard = try TestSupport.run(reloc, ["localize", "--model", "m", "--queries", queries[0], "--features", "f", "--matches", "m",
                                                   "--pairs", "p", "--output", "o", "--shard", "3/3"])
        XCTAssertNotEqual(badShard.status, 0)
        XCTAssertTrue(badShard.stderr.contains("0 ≤ i < n"), badShard.stderr)
    }
}
