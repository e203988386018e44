import Foundation
import Geometry
import Reloc
import XCTest
import _TestSupport

/// #22 end to end, the real binary: the rig-tiny synthetic preset localized image by image and as
/// rig frames (`--rig-config`), queries of unknown focal length (`UNKNOWN W H`), and
/// `reloc estimate-pose --rig-config / --estimate-focal`.
final class RigAndFocalCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")
    nonisolated(unsafe) static var dataset: String?
    nonisolated(unsafe) static var alone: String?

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
        if Self.dataset == nil {
            let folder = TestSupport.temporaryFolder() + "/rig-tiny"
            var result = try TestSupport.run(reloc, ["synth", "--output", folder, "--preset", "rig-tiny", "--seed", "1"])
            XCTAssertEqual(result.status, 0, result.stderr)
            Self.dataset = folder
            // Every image alone: the reference for the rig, and the stage files the other tests reuse.
            let output = TestSupport.temporaryFolder() + "/rig-tiny-alone"
            result = try TestSupport.run(reloc, ["pipeline", "--dataset", folder, "--output", output, "--upsample", "--no-report"])
            XCTAssertEqual(result.status, 0, result.stderr)
            Self.alone = output
        }
    }

    /// Per query name: within (0.25 m, 2°) of the ground truth.
    func correct(_ results: String) throws -> [String: Bool] {
        let poses = Dictionary(uniqueKeysWithValues: try PoseFile.read(path: results).map { ($0.name, $0.camFromWorld) })
        var out: [String: Bool] = [:]
        for truth in try PoseFile.read(path: Self.dataset! + "/ground_truth.txt") {
            guard let pose = poses[imageBasename(truth.name)] else { continue }
            out[truth.name] = PoseError.position(pose, truth.camFromWorld) < 0.25 && PoseError.rotationDegrees(pose, truth.camFromWorld) < 2
        }
        return out
    }

    func stageFiles(_ folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        func one(_ prefix: String) throws -> String { folder + "/" + (try XCTUnwrap(names.first { $0.hasPrefix(prefix) }, prefix)) }
        return ["--model", try one("sfm_"), "--features", try one("feats-"), "--matches", try one("matches-query"), "--pairs", try one("pairs-query")]
    }

    func testRigFramesAreLocalizedTogetherAndAtLeastAsWellAsAlone() throws {
        let ds = Self.dataset!
        let output = TestSupport.temporaryFolder(self) + "/out"
        try FileManager.default.copyItem(atPath: Self.alone!, toPath: output)
        let result = try TestSupport.run(reloc, ["pipeline", "--dataset", ds, "--output", output, "--upsample", "--no-report",
                                                 "--rig-config", ds + "/rig_config.json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("rig poses: "), result.stdout)
        let rig = try correct(output + "/results.txt"), alone = try correct(Self.alone! + "/results.txt")
        XCTAssertEqual(rig.count, 24)
        // Per image, the rig is at least as accurate as the images alone, day and night.
        for condition in ["_day_", "_night_"] {
            let withRig = rig.filter { $0.key.contains(condition) && $0.value }.count
            let withoutRig = alone.filter { $0.key.contains(condition) && $0.value }.count
            XCTAssertGreaterThanOrEqual(withRig, withoutRig, condition)
        }
        XCTAssertGreaterThanOrEqual(rig.filter { $0.key.contains("_day_") && $0.value }.count, 11)

        // rig_poses.txt: one line per frame, rig_from_world; right for the localized day frames,
        // and each image's pose is its cam_from_rig times the frame's rig pose.
        let rigPoses = try PoseFile.read(path: output + "/rig_poses.txt")
        XCTAssertEqual(rigPoses.map(\.name).sorted(), (0..<4).flatMap { ["day_000\($0).jpg", "night_000\($0).jpg"] }.sorted())
        let rigTruth = Dictionary(uniqueKeysWithValues: try PoseFile.read(path: ds + "/rig_ground_truth.txt").map { ($0.name, $0.camFromWorld) })
        let results = Dictionary(uniqueKeysWithValues: try PoseFile.read(path: output + "/results.txt").map { ($0.name, $0.camFromWorld) })
        let config = try RigConfig.read(path: ds + "/rig_config.json")
        var rightFrames = 0
        for frame in rigPoses where frame.name.hasPrefix("day_") {
            let truth = try XCTUnwrap(rigTruth[frame.name])
            if PoseError.position(frame.camFromWorld, truth) < 0.25 && PoseError.rotationDegrees(frame.camFromWorld, truth) < 2 { rightFrames += 1 }
            for (k, sensor) in config.rigs[0].sensors.enumerated() {
                let image = try XCTUnwrap(results["cam\(k)_" + frame.name])
                assertPoseClose(image, sensor.camFromRig * frame.camFromWorld, rotationDegrees: 1e-6, translation: 1e-6)
            }
        }
        XCTAssertGreaterThanOrEqual(rightFrames, 3)
        // The log says which frame each image belongs to.
        let log = try String(contentsOfFile: output + "/results.txt_logs.jsonl", encoding: .utf8)
        XCTAssertTrue(log.contains("\"frame\":\"day_0000.jpg\""), log)
        XCTAssertTrue(log.contains("\"rig_from_world\""), log)

        // Bad configurations are refused, naming the file.
        try "[{\"cameras\": []}]".write(toFile: output + "/bad.json", atomically: true, encoding: .utf8)
        let bad = try TestSupport.run(reloc, ["localize", "--queries", ds + "/queries/day_time_queries_with_intrinsics.txt",
                                              "--output", output + "/x.txt", "--rig-config", output + "/bad.json"] + (try stageFiles(output)))
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("bad.json"), bad.stderr)
    }

    func testUnknownFocalQueriesGetTheirFocalEstimated() throws {
        let ds = Self.dataset!
        let folder = TestSupport.temporaryFolder(self)
        let truth = try QueryList.read(path: ds + "/queries/day_time_queries_with_intrinsics.txt")
        let focal = Dictionary(uniqueKeysWithValues: truth.map { ($0.name, $0.camera.params[0]) })
        // UNKNOWN W H: principal point at the centre, no distortion, the focal (and k1) estimated.
        try QueryList.write(truth.map { QueryEntry(name: $0.name, camera: $0.camera, focalUnknown: true) }, to: folder + "/unknown.txt")
        XCTAssertTrue(try String(contentsOfFile: folder + "/unknown.txt", encoding: .utf8).hasPrefix("query/rig/cam0_day_0000.jpg UNKNOWN 480 360\n"))
        var result = try TestSupport.run(reloc, ["localize", "--queries", folder + "/unknown.txt", "--output", folder + "/unknown-results.txt",
                                                 "--estimate-k1"] + (try stageFiles(Self.alone!)))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(try PoseFile.read(path: folder + "/unknown-results.txt").count, truth.count)
        for entry in try LocalizationLog.entries(path: folder + "/unknown-results.txt_logs.jsonl") where entry.localized {
            XCTAssertNotNil(entry.k1, entry.query)
            // Never an absurd focal length: within the plausible 0.1–20 × the larger side.
            XCTAssertTrue((48...9600).contains(try XCTUnwrap(entry.focal)), entry.query)
        }

        // The same list with only the focal length withheld (1.2 × the larger side in its place):
        // --estimate-focal keeps the rest of each camera.
        let withheld = try truth.map { entry -> QueryEntry in
            var params = entry.camera.params
            params[0] = 1.2 * 480
            return QueryEntry(name: entry.name, camera: try Camera(model: entry.camera.model, width: 480, height: 360, params: params))
        }
        try QueryList.write(withheld, to: folder + "/withheld.txt")
        result = try TestSupport.run(reloc, ["localize", "--queries", folder + "/withheld.txt", "--output", folder + "/results.txt", "--estimate-focal"]
                                     + (try stageFiles(Self.alone!)))
        XCTAssertEqual(result.status, 0, result.stderr)
        let correctPoses = try correct(folder + "/results.txt")
        var errors: [Double] = []
        for entry in try LocalizationLog.entries(path: folder + "/results.txt_logs.jsonl") where entry.localized && correctPoses[entry.query] == true {
            errors.append(abs(try XCTUnwrap(entry.focal, entry.query) / focal[entry.query]! - 1))
            XCTAssertNotNil(entry.focalSigma, entry.query)
        }
        // 480×360 images with 10–60 inliers: the right poses' focal lengths within 5 %, half within 2 %.
        XCTAssertGreaterThanOrEqual(errors.count, 5)
        XCTAssertLessThan(errors.max() ?? 1, 0.05, "\(errors)")
        XCTAssertLessThan(errors.sorted()[errors.count / 2], 0.02, "\(errors)")
    }

    func testEstimatePoseForARigAndForAnUnknownFocal() throws {
        let folder = TestSupport.temporaryFolder(self)
        try SyntheticDataset.syntheticRig.json().write(toFile: folder + "/rig.json", atomically: true, encoding: .utf8)
        let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [800, 512, 384, -0.02])
        var rng = SeededGenerator(seed: 91)
        let rigFromWorld = TestSupport.randomRigid(&rng, scale: 5)
        var lines: [String] = []
        for (k, sensor) in SyntheticDataset.syntheticRig.rigs[0].sensors.enumerated() {
            let worldFromCam = (sensor.camFromRig * rigFromWorld).inverse
            for i in 0..<60 {
                let pixel = Vector2(rng.nextUnit() * 1024, rng.nextUnit() * 768)
                let uv = camera.normalizedFromImage(pixel)
                let X = worldFromCam.apply(Vector3(uv.x, uv.y, 1) * (3 + 15 * rng.nextUnit()))
                let observed = i < 20 ? Vector2(rng.nextUnit() * 1024, rng.nextUnit() * 768) : pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()) * 0.5
                lines.append("\(k) " + [observed.x, observed.y, X.x, X.y, X.z].map(formatDouble).joined(separator: " "))
            }
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: folder + "/frame.txt", atomically: true, encoding: .utf8)
        var result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/frame.txt", "--camera", camera.colmapDescription,
                                                 "--rig-config", folder + "/rig.json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        var fields = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
        XCTAssertEqual(fields.count, 8)
        assertPoseClose(Rigid3(rotation: Quaternion(w: fields[0], x: fields[1], y: fields[2], z: fields[3]), translation: Vector3(fields[4], fields[5], fields[6])),
                        rigFromWorld, rotationDegrees: 0.05, translation: 0.01)
        XCTAssertGreaterThanOrEqual(fields[7], 118)

        // The front camera's correspondences alone, its focal length unknown.
        let front = lines.filter { $0.hasPrefix("0 ") }.map { String($0.dropFirst(2)) }
        try (front.joined(separator: "\n") + "\n").write(toFile: folder + "/front.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/front.txt", "--camera", "SIMPLE_RADIAL 1024 768 2000 512 384 -0.02",
                                             "--estimate-focal", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("\"focal\": 80") || result.stdout.contains("\"focal\": 79"), result.stdout)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/front.txt", "--camera", "SIMPLE_RADIAL 1024 768 2000 512 384 -0.02",
                                             "--estimate-focal"])
        fields = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Double($0)! }
        XCTAssertEqual(fields.count, 10)
        XCTAssertEqual(fields[8], 800, accuracy: 8)
        XCTAssertEqual(fields[9], -0.02)
        assertPoseClose(Rigid3(rotation: Quaternion(w: fields[0], x: fields[1], y: fields[2], z: fields[3]), translation: Vector3(fields[4], fields[5], fields[6])),
                        SyntheticDataset.syntheticRig.rigs[0].sensors[0].camFromRig * rigFromWorld, rotationDegrees: 0.3, translation: 0.1)

        // Errors name the file and line, or the option.
        try "0 1 2 3 4 5\n7 1 2 3 4 5\n".write(toFile: folder + "/bad.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/bad.txt", "--camera", camera.colmapDescription,
                                             "--rig-config", folder + "/rig.json"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("bad.txt:2"), result.stderr)
        result = try TestSupport.run(reloc, ["estimate-pose", "--correspondences", folder + "/front.txt", "--camera", camera.colmapDescription,
                                             "--camera", camera.colmapDescription])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("--rig-config"), result.stderr)
    }
}
