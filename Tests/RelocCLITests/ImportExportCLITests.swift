import _TestSupport
import Foundation
import XCTest

/// `reloc synth --format kapture`, `reloc import kapture`, `reloc pipeline` with the recorded naming,
/// `reloc validate-submission --format` and `reloc export kapture`, through the real binary.
final class ImportExportCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    func testKaptureInPipelineAndOut() throws {
        let root = TestSupport.temporaryFolder(self)
        var r = try TestSupport.run(reloc, ["synth", "--preset", "tiny", "--seed", "2", "--format", "kapture", "--output", root + "/k"])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try TestSupport.run(reloc, ["import", "kapture", root + "/k", "--output", root + "/ds"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("12 database images"), r.stdout)
        // A second import into the same folder needs --overwrite; nothing is left half-written.
        r = try TestSupport.run(reloc, ["import", "kapture", root + "/k", "--output", root + "/ds"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.stderr.contains("ds: exists and is not empty"), r.stderr)
        r = try TestSupport.run(reloc, ["pipeline", "--dataset", root + "/ds", "--output", root + "/out", "--no-report"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("(5cm, 5°)"), r.stdout)
        let lists = try FileManager.default.contentsOfDirectory(atPath: root + "/ds/queries").sorted().map { root + "/ds/queries/" + $0 }
        r = try TestSupport.run(reloc, ["validate-submission", root + "/out/results.txt", "--queries"] + lists)
        XCTAssertEqual(r.status, 0, r.stdout)
        // The same file is not a RobotCar submission (no camera folder in the names).
        r = try TestSupport.run(reloc, ["validate-submission", root + "/out/results.txt", "--format", "robotcar", "--queries"] + lists)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stdout.contains("RobotCar Seasons"), r.stdout)
        r = try TestSupport.run(reloc, ["export", "kapture", root + "/out", "--output", root + "/export"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("8 query records, 8 poses"), r.stdout)
        let trajectories = try String(contentsOfFile: root + "/export/sensors/trajectories.txt", encoding: .utf8)
        XCTAssertTrue(trajectories.hasPrefix("# kapture format: 1.1\n# timestamp, device_id, qw, qx, qy, qz, tx, ty, tz\n"))
    }

    func testBadSourcesFailNamingTheFile() throws {
        let root = TestSupport.temporaryFolder(self)
        for (kind, file) in [("kapture", "mapping"), ("cambridge", "dataset_train.txt"), ("7scenes", "TrainSplit.txt")] {
            try FileManager.default.createDirectory(atPath: root + "/" + kind, withIntermediateDirectories: true)
            let r = try TestSupport.run(reloc, ["import", kind, root + "/" + kind, "--output", root + "/ds-" + kind])
            XCTAssertNotEqual(r.status, 0, kind)
            XCTAssertTrue(r.stderr.contains(root + "/" + kind) && r.stderr.contains(file), "\(kind): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/ds-" + kind), kind)
        }
    }
}
