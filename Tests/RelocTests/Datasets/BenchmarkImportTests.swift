import _TestSupport
import Features
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// Cambridge Landmarks and 7-Scenes: the fixtures hold the synthetic tiny street's database and day
/// queries (seed 3) in each benchmark's published text format, written by an independent script
/// (tools/make_cambridge_7scenes_fixtures.py); the test renders the images at the true poses with
/// the cameras the files state, imports, compares each pose with the truth (which pins rotation
/// direction and centre vs translation), localizes and evaluates.
final class BenchmarkImportTests: XCTestCase {
    /// The fixture copied to `root/name` with each image rendered at its true pose.
    func scene(_ fixture: String, root: String, camera: Camera) throws -> (folder: String, truth: [String: Rigid3]) {
        let source = TestSupport.fixture("RelocTests", fixture)
        let folder = root + "/" + (fixture as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: source, toPath: folder)
        let views = try SyntheticDataset.views(preset: .tiny, seed: 3)
        let byName = Dictionary(uniqueKeysWithValues: (views.database + views.day).map { ($0.name, $0) })
        let renderer = SyntheticRenderer(scene: SyntheticScene(seed: 3), samplesPerAxis: 1)
        var truth: [String: Rigid3] = [:]
        for line in try String(contentsOfFile: folder + "/names.txt", encoding: .utf8).split(separator: "\n") {
            let f = line.split(separator: " ").map(String.init)
            let view = try XCTUnwrap(byName[f[0]], f[0])
            let image = renderer.render(camera: camera, camFromWorld: view.camFromWorld, lighting: view.lighting, seed: truth.count)
            let path = folder + "/" + f[1]
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(try PNG.encode(image)).write(to: URL(fileURLWithPath: path))
            truth[f[1]] = view.camFromWorld
        }
        return (folder, truth)
    }

    /// Imports, checks every pose against the truth, localizes and evaluates; results named by path
    /// (the basenames repeat across sequences).
    func localize(_ dataset: ImportedDataset, truth: [String: Rigid3], root: String, poseTolerance: Double,
                  file: StaticString = #filePath, line: UInt = #line) throws {
        for image in dataset.model.images.values {
            assertPoseClose(image.camFromWorld, truth[image.name]!, rotationDegrees: poseTolerance, translation: poseTolerance, file: file, line: line)
        }
        for entry in dataset.groundTruth {
            assertPoseClose(entry.camFromWorld, truth[entry.name]!, rotationDegrees: poseTolerance, translation: poseTolerance, file: file, line: line)
        }
        XCTAssertEqual(dataset.model.images.count + dataset.groundTruth.count, truth.count, file: file, line: line)
        try dataset.write(to: root + "/ds")
        var pipeline = PipelineTask(dataset: root + "/ds", output: root + "/out")
        pipeline.report = false
        let summary = try pipeline.run()
        let evaluation = try XCTUnwrap(summary.evaluation, file: file, line: line)
        let scene = try XCTUnwrap(evaluation.conditions.last, file: file, line: line)
        XCTAssertEqual(scene.condition, dataset.info.scene, file: file, line: line)
        XCTAssertEqual(scene.count, 4, file: file, line: line)
        // The tiny street (12 database images) places 3 of its 4 day queries within (0.25 m, 2°) and
        // all within (0.5 m, 5°); a flipped convention would put them metres away.
        XCTAssertGreaterThanOrEqual(scene.percentWithin[0], 75, evaluation.formatTable(), file: file, line: line)
        XCTAssertEqual(scene.percentWithin[1], 100, evaluation.formatTable(), file: file, line: line)
        let names = try PoseFile.read(path: root + "/out/results.txt").map(\.name).sorted()
        XCTAssertEqual(names, dataset.groundTruth.map(\.name).sorted(), file: file, line: line)
    }

    func testCambridgeImportsWithCentresAndWorldToCameraRotations() throws {
        let root = TestSupport.temporaryFolder(self)
        // The fixture's NVM: focal 400, VisualSFM radial 0.02 → SIMPLE_RADIAL k = −0.02 at the centre.
        let camera = try Camera(model: .simpleRadial, width: 480, height: 360, params: [400, 240, 180, -0.02])
        let (folder, truth) = try scene("cambridge/Street", root: root, camera: camera)
        let (dataset, agreement) = try CambridgeImport(source: folder).dataset()
        XCTAssertEqual(Array(dataset.model.cameras.values), [camera])
        XCTAssertEqual(dataset.info.submissionFormat, .path)
        // The split files and the NVM agree on every pose (rotation direction included).
        let a = try XCTUnwrap(agreement)
        XCTAssertEqual(a.images, 16)
        XCTAssertLessThan(a.maxCentreDistance, 1e-5)
        XCTAssertLessThan(a.maxRotationDegrees, 1e-3)
        // 6 decimals in the files: poses within 1e-4 (m, °) of the truth.
        try localize(dataset, truth: truth, root: root, poseTolerance: 1e-3)
        XCTAssertTrue(try PoseFile.read(path: root + "/out/results.txt").allSatisfy { $0.name.hasPrefix("seq2/frame") })
    }

    func testSevenScenesImportsCameraToWorldMatrices() throws {
        let root = TestSupport.temporaryFolder(self)
        let camera = try Camera(model: .simplePinhole, width: 640, height: 480, params: [525, 320, 240])
        let (folder, truth) = try scene("7scenes/street", root: root, camera: camera)
        let dataset = try SevenScenesImport(source: folder).dataset()
        XCTAssertEqual(Array(dataset.model.cameras.values), [camera])
        XCTAssertEqual(dataset.queryLists.map(\.fileName), ["street_queries_with_intrinsics.txt"])
        try localize(dataset, truth: truth, root: root, poseTolerance: 1e-4)
    }

    func testSevenScenesEveryNthFrame() throws {
        let root = TestSupport.temporaryFolder(self)
        try FileManager.default.copyItem(atPath: TestSupport.fixture("RelocTests", "7scenes/street"), toPath: root + "/s")
        for line in try String(contentsOfFile: root + "/s/names.txt", encoding: .utf8).split(separator: "\n") {
            let name = String(line.split(separator: " ")[1])
            try FileManager.default.createDirectory(atPath: ((root + "/s/" + name) as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(try PNG.encode(Image8(width: 640, height: 480, channels: 1))).write(to: URL(fileURLWithPath: root + "/s/" + name))
        }
        var task = SevenScenesImport(source: root + "/s")
        task.mappingEvery = 4
        task.queryEvery = 3
        let dataset = try task.dataset()
        XCTAssertEqual(dataset.model.sortedImages.map(\.name), ["seq-01/frame-000000.color.png", "seq-01/frame-000004.color.png", "seq-01/frame-000008.color.png"])
        XCTAssertEqual(dataset.queryLists[0].entries.map(\.name), ["seq-02/frame-000000.color.png", "seq-02/frame-000003.color.png"])
    }

    func testBadCambridgeAndSevenScenesFilesNameTheFileAndLine() throws {
        let root = TestSupport.temporaryFolder(self)
        func expectError(_ body: () throws -> Void, mentions: String, file: StaticString = #filePath, line: UInt = #line) {
            XCTAssertThrowsError(try body(), file: file, line: line) { error in
                XCTAssertTrue("\(error)".contains(mentions), "\(error)", file: file, line: line)
            }
        }
        try FileManager.default.copyItem(atPath: TestSupport.fixture("RelocTests", "cambridge/Street"), toPath: root + "/c")
        // Images missing: the split file's line names the image.
        expectError({ _ = try CambridgeImport(source: root + "/c").dataset() }, mentions: "dataset_train.txt:4: image 'seq1/frame00001.png'")
        try "Visual Landmark Dataset V1\nImageFile, Camera Position [X Y Z W P Q R]\n\nseq1/frame00001.png 1 2 3 1 0\n"
            .write(toFile: root + "/c/dataset_train.txt", atomically: true, encoding: .utf8)
        expectError({ _ = try CambridgeImport(source: root + "/c").dataset() }, mentions: "dataset_train.txt:4: expected IMAGE X Y Z W P Q R")
        try "".write(toFile: root + "/c/dataset_test.txt", atomically: true, encoding: .utf8)
        expectError({ _ = try CambridgeFiles.parseSplit("", file: root + "/c/dataset_test.txt") }, mentions: "dataset_test.txt: no images")
        expectError({ _ = try CambridgeFiles.parseNVM("garbage\n", file: "x.nvm") }, mentions: "x.nvm:1: not an NVM_V3 file")
        expectError({ _ = try CambridgeFiles.parseNVM("NVM_V3\n\n3\na.jpg 400 1 0 0 0 0 0 0 0 0\n", file: "x.nvm") }, mentions: "x.nvm")
        expectError({ _ = try CambridgeImport(source: root + "/none").dataset() }, mentions: "none/dataset_train.txt: no such file")

        expectError({ _ = try SevenScenesFiles.parseSplit("sequence1\r\nseq2\r\n", file: "TrainSplit.txt") }, mentions: "TrainSplit.txt:2: expected sequenceN")
        expectError({ _ = try SevenScenesFiles.parsePose("1 0 0 0\n0 1 0 0\n0 0 1 0\n", file: "p.txt") }, mentions: "p.txt: expected a 4×4 matrix")
        expectError({ _ = try SevenScenesFiles.parsePose("1 0 0 0\n0 1 0 0\n0 0 2 0\n0 0 0 1\n", file: "p.txt") }, mentions: "p.txt: the upper-left 3×3 is not a rotation")
        expectError({ _ = try SevenScenesFiles.parsePose("1 0 0 0\n0 1 0 x\n0 0 1 0\n0 0 0 1\n", file: "p.txt") }, mentions: "p.txt:2:")
        expectError({ _ = try SevenScenesImport(source: root + "/none").dataset() }, mentions: "none/TrainSplit.txt: no such file")
    }

    /// The conventions, one pose each: a flipped rotation direction or a centre read as a
    /// translation gives another pose.
    func testConventionsOnOnePose() throws {
        let q = Quaternion(axis: Vector3(0.3, -0.5, 0.8) / norm(Vector3(0.3, -0.5, 0.8)), angle: 0.7)
        let centre = Vector3(1, -2, 3)
        let truth = Rigid3(rotation: q, translation: -q.rotate(centre))
        let header = "a\nb\n\n"
        let line = "seq1/f.png \(centre.x) \(centre.y) \(centre.z) \(q.w) \(q.x) \(q.y) \(q.z)\n"
        let frame = try CambridgeFiles.parseSplit(header + line, file: "t")[0]
        assertPoseClose(frame.camFromWorld, truth, rotationDegrees: 1e-12, translation: 1e-12)
        XCTAssertEqual(frame.camFromWorld.cameraCenter.x, centre.x, accuracy: 1e-12)
        // 7-Scenes: the matrix is world_from_cam = [Rᵀ | C].
        let r = q.conjugate.matrix.rowMajor
        let text = "\(r[0]) \(r[1]) \(r[2]) \(centre.x)\n\(r[3]) \(r[4]) \(r[5]) \(centre.y)\n\(r[6]) \(r[7]) \(r[8]) \(centre.z)\n0 0 0 1\n"
        assertPoseClose(try SevenScenesFiles.parsePose(text, file: "p"), truth, rotationDegrees: 1e-9, translation: 1e-9)
    }
}
