import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// `reloc estimate-pose` in-process: known poses from correspondence files written here, the
/// command-line cameras, and a bad file named with its line.
final class EstimatePoseTaskTests: XCTestCase {
    /// Correspondences of `camFromWorld` seen by `camera`: `count` points 2–10 m in front, the
    /// first `outliers` moved 40 px off.
    func correspondences(_ camFromWorld: Rigid3, camera: Camera, count: Int, outliers: Int, rng: inout SeededGenerator) -> String {
        let worldFromCam = camFromWorld.inverse
        var lines: [String] = []
        while lines.count < count {
            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
            let point = worldFromCam.apply(camera.bearing(forPixel: pixel) * (2 + 8 * rng.nextUnit()))
            let observed = lines.count < outliers ? pixel + Vector2(40, -40) : pixel
            lines.append([observed.x, observed.y, point.x, point.y, point.z].map { String($0) }.joined(separator: " "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func testKnownPosesAreFoundFromTheFiles() throws {
        var rng = SeededGenerator(seed: 21)
        let folder = TestSupport.temporaryFolder(self)
        let camera = try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, -0.05])
        var truths: [Rigid3] = []
        var files: [String] = []
        for k in 0..<3 {
            let truth = TestSupport.randomRigid(&rng)
            truths.append(truth)
            let file = folder + "/c\(k).txt"
            try correspondences(truth, camera: camera, count: 80, outliers: 20, rng: &rng).write(toFile: file, atomically: true, encoding: .utf8)
            files.append(file)
        }
        let task = try EstimatePoseTask(files: files, cameraArguments: ["SIMPLE_RADIAL 640 480 500 320 240 -0.05"], thresholdPixels: 4, seed: 0)
        XCTAssertEqual(task.camera, camera)
        let outcomes = try task.run()
        XCTAssertEqual(outcomes.map(\.file), files)
        for (outcome, truth) in zip(outcomes, truths) {
            let pose = try XCTUnwrap(outcome.pose)
            assertPoseClose(pose, truth, rotationDegrees: 1e-6, translation: 1e-6)
            XCTAssertEqual(outcome.inlierCount, 60, "the 20 moved 40 px are not inliers")
            XCTAssertEqual(outcome.correspondenceCount, 80)
            XCTAssertTrue(EstimatePoseTask.formatLine(outcome).hasSuffix(" 60"))
        }
    }

    func testUnknownFocalIsEstimated() throws {
        var rng = SeededGenerator(seed: 22)
        let file = TestSupport.temporaryFolder(self) + "/c.txt"
        let camera = try Camera(model: .simplePinhole, width: 800, height: 600, params: [700, 400, 300])
        let truth = TestSupport.randomRigid(&rng)
        try correspondences(truth, camera: camera, count: 60, outliers: 10, rng: &rng).write(toFile: file, atomically: true, encoding: .utf8)
        let task = try EstimatePoseTask(files: [file], cameraArguments: ["UNKNOWN 800 600"], thresholdPixels: 4, seed: 0)
        XCTAssertTrue(task.estimateFocal, "UNKNOWN implies estimating the focal")
        let outcome = try XCTUnwrap(try task.run().first)
        XCTAssertEqual(try XCTUnwrap(outcome.estimatedCamera).meanFocal, 700, accuracy: 1e-3)
        assertPoseClose(try XCTUnwrap(outcome.pose), truth, rotationDegrees: 1e-4, translation: 1e-4)
    }

    func testBadInputIsNamed() throws {
        let folder = TestSupport.temporaryFolder(self)
        try "1 2 3 4 5\n1 2 3 four 5\n".write(toFile: folder + "/bad.txt", atomically: true, encoding: .utf8)
        let task = try EstimatePoseTask(files: [folder + "/bad.txt"], cameraArguments: ["PINHOLE 640 480 500 500 320 240"], thresholdPixels: 4, seed: 0)
        XCTAssertThrowsError(try task.run()) { XCTAssertTrue("\($0)".contains(folder + "/bad.txt:2"), "\($0)") }
        XCTAssertThrowsError(try EstimatePoseTask(files: [], cameraArguments: ["PINHOLE 640 480 500 500 320 240", "PINHOLE 640 480 500 500 320 240"],
                                                  thresholdPixels: 4, seed: 0)) {
            XCTAssertTrue("\($0)".contains("several cameras need --rig-config"), "\($0)")
        }
    }

    func testSettingsOutOfRangeNameTheFlag() throws {
        func option(_ task: EstimatePoseTask) -> String? {
            do { try task.validate() } catch RelocError.invalidOption(let option, _) { return option } catch { return "\(error)" }
            return nil
        }
        let camera = "SIMPLE_PINHOLE 640 480 500 320 240"
        let good = try EstimatePoseTask(files: ["c.txt"], cameraArguments: [camera], thresholdPixels: 12, seed: 0)
        XCTAssertNil(option(good))
        XCTAssertEqual(option(try EstimatePoseTask(files: [], cameraArguments: [camera], thresholdPixels: 12, seed: 0)), "correspondences")
        XCTAssertEqual(option(try EstimatePoseTask(files: ["c.txt"], cameraArguments: [camera], thresholdPixels: 0, seed: 0)), "threshold")
        XCTAssertEqual(option(try EstimatePoseTask(files: ["c.txt"], cameraArguments: [camera], thresholdPixels: 12, seed: 0, refineK1: true)),
                       "estimate-k1")
        // An unknown camera estimates the focal length, so k1 may be refined with it.
        XCTAssertNil(option(try EstimatePoseTask(files: ["c.txt"], cameraArguments: ["UNKNOWN 640 480"], thresholdPixels: 12, seed: 0,
                                                 refineK1: true)))
        // run() checks as well: a library caller gets the same error as the command.
        XCTAssertThrowsError(try EstimatePoseTask(files: [], cameraArguments: [camera], thresholdPixels: 12, seed: 0).run()) {
            XCTAssertEqual($0 as? RelocError, .invalidOption(option: "correspondences", message: "must name at least one file"))
        }
    }
}
