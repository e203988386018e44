import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// `reloc import kapture` against kapture itself: the fixture was written by the kapture Python
/// package (tools/make_kapture_fixture.py), its expected poses computed by kapture's own rig
/// removal; and the synthetic street through kapture and back localizes as the original.
final class KaptureImportTests: XCTestCase {
    let fixture = TestSupport.fixture("RelocTests", "kapture")

    func expected(_ file: String) throws -> [String: [Substring]] {
        var rows: [String: [Substring]] = [:]
        for line in try String(contentsOfFile: fixture + "/" + file, encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ")
            rows[String(f[0])] = Array(f[1...])
        }
        return rows
    }

    func testAKaptureWrittenByKaptureImportsWithKapturesPosesAndCameras() throws {
        let root = TestSupport.temporaryFolder(self)
        var warnings: [String] = []
        let dataset = try KaptureImport(source: fixture).dataset(warn: { warnings.append($0) })
        XCTAssertEqual(warnings, [])
        try dataset.write(to: root + "/ds")
        let layout = try DatasetLayout.detect(root: root + "/ds")
        let model = try ColmapModel.read(folder: layout.model)
        let truth = try PoseFile.read(path: try XCTUnwrap(layout.groundTruth))
        let poses = try expected("expected_poses.txt")
        let cameras = try expected("expected_cameras.txt")

        // Database: 3 images posed directly, 2 through a rig; every pose as kapture computes it.
        XCTAssertEqual(model.images.count, 5)
        for image in model.images.values {
            let v = try XCTUnwrap(poses[image.name]).map { Double($0)! }
            assertPoseClose(image.camFromWorld, Rigid3(rotation: Quaternion(w: v[0], x: v[1], y: v[2], z: v[3]), translation: Vector3(v[4], v[5], v[6])))
            XCTAssertEqual(model.cameras[image.cameraID]!.colmapDescription.split(separator: " ").map(String.init),
                           try XCTUnwrap(cameras[image.name]).map { formatNumber($0) }, image.name)
        }
        // Queries: the one without a trajectory is listed but has no ground truth.
        XCTAssertEqual(layout.queryLists.map { ($0 as NSString).lastPathComponent },
                       ["day_time_queries_with_intrinsics.txt", "night_time_queries_with_intrinsics.txt"])
        let queries = try layout.queryLists.flatMap { try QueryList.read(path: $0) }
        XCTAssertEqual(queries.map(\.name).sorted(), ["query/day/0001.jpg", "query/day/0002.jpg", "query/night/0001.jpg", "query/night/0002.jpg"])
        XCTAssertEqual(truth.map(\.name).sorted(), ["query/day/0001.jpg", "query/day/0002.jpg", "query/night/0001.jpg"])
        for entry in truth {
            let v = try XCTUnwrap(poses[entry.name]).map { Double($0)! }
            assertPoseClose(entry.camFromWorld, Rigid3(rotation: Quaternion(w: v[0], x: v[1], y: v[2], z: v[3]), translation: Vector3(v[4], v[5], v[6])))
        }
        for query in queries {
            XCTAssertEqual(query.camera.colmapDescription.split(separator: " ").map(String.init),
                           try XCTUnwrap(cameras[query.name]).map { formatNumber($0) }, query.name)
        }
        // Images are links into the kapture, not copies.
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: layout.imageFolder + "/db/0004.jpg")
        XCTAssertTrue(link.hasSuffix("kapture/mapping/sensors/records_data/db/0004.jpg"), link)
        // query/day/0001.jpg and query/night/0001.jpg share a basename: named by path.
        XCTAssertEqual(layout.submissionFormat, .path)
    }

    /// The same number as reloc's text writer prints it (17 significant digits), from the fixture's text.
    func formatNumber(_ s: Substring) -> String { Double(s).map { formatDouble($0) } ?? String(s) }

    func testTheSyntheticStreetThroughKaptureLocalizesAsTheOriginalAndExportsItsPoses() throws {
        let root = TestSupport.temporaryFolder(self)
        _ = try SyntheticDataset.generate(folder: root + "/aachen", preset: .tiny, seed: 3)
        _ = try SyntheticDataset.generateKapture(folder: root + "/kapture", preset: .tiny, seed: 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/kapture/.reloc-layout"))
        try KaptureImport(source: root + "/kapture").dataset().write(to: root + "/imported")
        for name in ["3D-models/reference/cameras.txt", "3D-models/reference/images.txt", "ground_truth.txt",
                     "queries/day_time_queries_with_intrinsics.txt", "queries/night_time_queries_with_intrinsics.txt"] {
            XCTAssertEqual(try String(contentsOfFile: root + "/imported/" + name, encoding: .utf8),
                           try String(contentsOfFile: root + "/aachen/" + name, encoding: .utf8), name)
        }
        var results: [String] = []
        for dataset in ["aachen", "imported"] {
            var pipeline = PipelineTask(dataset: root + "/" + dataset, output: root + "/out-" + dataset)
            pipeline.report = false
            _ = try pipeline.run()
            results.append(try String(contentsOfFile: root + "/out-\(dataset)/results.txt", encoding: .utf8))
        }
        XCTAssertEqual(results[0], results[1])

        // The export: every query with the pose of results.txt, read back with reloc's kapture reader.
        let summary = try KaptureExport(run: root + "/out-imported", output: root + "/export").run()
        XCTAssertEqual(summary.queries, 8)
        let exported = try Kapture.read(folder: root + "/export")
        let poses = try PoseFile.read(path: root + "/out-imported/results.txt")
        XCTAssertEqual(exported.records.count, poses.count)
        for record in exported.records {
            let pose = try XCTUnwrap(poses.first { $0.name == imageBasename(record.imagePath) })
            XCTAssertEqual(exported.camFromWorld(record), pose.camFromWorld, record.imagePath)
            XCTAssertTrue(FileManager.default.fileExists(atPath: Kapture.recordsDataFolder(root + "/export") + "/" + record.imagePath))
        }

        // kapture's own reader, when this machine has the package (tools/kapture_read_poses.py).
        let check = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import kapture"])
        guard check.status == 0 else { throw XCTSkip("the kapture Python package is not installed; reloc's reader checked the export") }
        let script = TestSupport.repositoryRoot + "/tools/kapture_read_poses.py"
        let run = try TestSupport.run("/usr/bin/env", ["python3", script, root + "/export", root + "/kapture_poses.txt"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let read = try PoseFile.read(path: root + "/kapture_poses.txt")
        XCTAssertEqual(read.count, poses.count)
        for entry in read {
            let pose = try XCTUnwrap(poses.first { $0.name == imageBasename(entry.name) })
            assertPoseClose(entry.camFromWorld, pose.camFromWorld)
        }
    }

    func testBadKaptureFilesAreRefusedNamingTheFileAndLine() throws {
        let root = TestSupport.temporaryFolder(self)
        func copy() throws -> String {
            let folder = root + "/k\(UUID().uuidString.prefix(6))"
            try FileManager.default.copyItem(atPath: fixture, toPath: folder)
            return folder
        }
        func expectError(_ folder: String, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try KaptureImport(source: folder).dataset(), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(mentions), "\(error)", file: file, line: line)
            }
        }
        // Missing: no mapping split at all; no sensors file.
        expectError(root + "/nothing", mentions: "nothing")
        var k = try copy()
        try FileManager.default.removeItem(atPath: k + "/mapping/sensors/sensors.txt")
        expectError(k, mentions: "mapping/sensors/sensors.txt")
        // Empty.
        k = try copy()
        try "".write(toFile: k + "/query/sensors/sensors.txt", atomically: true, encoding: .utf8)
        expectError(k, mentions: "query/sensors/sensors.txt: no sensors")
        // Truncated: a trajectory line cut short.
        k = try copy()
        let trajectories = k + "/mapping/sensors/trajectories.txt"
        let text = try String(contentsOfFile: trajectories, encoding: .utf8)
        try String(text.dropLast(40)).write(toFile: trajectories, atomically: true, encoding: .utf8)
        expectError(k, mentions: "trajectories.txt:6: expected timestamp, device_id, qw")
        // Garbage.
        k = try copy()
        try "\u{1}\u{2}garbage, here\n".write(toFile: k + "/mapping/sensors/records_camera.txt", atomically: true, encoding: .utf8)
        expectError(k, mentions: "records_camera.txt:1: expected timestamp, device_id, image_path")
        // A newer format version, an unknown camera model, a missing image.
        k = try copy()
        try "# kapture format: 2.0\n".write(toFile: k + "/mapping/sensors/rigs.txt", atomically: true, encoding: .utf8)
        expectError(k, mentions: "rigs.txt:1: kapture format 2.0")
        k = try copy()
        let sensors = k + "/mapping/sensors/sensors.txt"
        try (try String(contentsOfFile: sensors, encoding: .utf8)).replacingOccurrences(of: "SIMPLE_PINHOLE", with: "OPENCV_FISHEYE")
            .write(toFile: sensors, atomically: true, encoding: .utf8)
        expectError(k, mentions: "sensors.txt:3:")
        k = try copy()
        try FileManager.default.removeItem(atPath: k + "/query/sensors/records_data/query/night/0002.jpg")
        expectError(k, mentions: "query/sensors/records_camera.txt:")
    }
}
