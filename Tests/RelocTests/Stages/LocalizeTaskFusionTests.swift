import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

/// Two runs of different "features" on the same database images a and b: run A's map holds 60
/// points seen by a, run B's 60 others seen by b. The query matches 5 of A's points through a
/// (A's pairs) and 5 of B's through b (B's pairs): too few for the inlier floor of 8 alone, enough
/// fused. The query's keypoints and the database's are numbered differently in each run, so a
/// match read with the wrong offset lands on another point.
final class LocalizeTaskFusionTests: XCTestCase {
    var folder = ""
    let camera = try! Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
    var queryPose = Rigid3.identity

    func look(from centre: Vector3, yaw: Double) -> Rigid3 {
        Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: yaw), translation: centre).inverse
    }

    override func setUpWithError() throws {
        folder = TestSupport.temporaryFolder(self)
        var rng = SeededGenerator(seed: 5)
        let poses = [look(from: Vector3(-0.5, 0, 0), yaw: 0.02), look(from: Vector3(0.5, 0, 0), yaw: -0.02)]
        queryPose = look(from: Vector3(0.1, 0.2, 0.5), yaw: 0.05)
        let description = camera.colmapDescription
        // A second query, r, with features and a pair in both runs but no matches: it gets the fallback.
        try AtomicFile.write("query/q.jpg \(description)\nquery/r.jpg \(description)\n", to: folder + "/day_time_queries_with_intrinsics.txt")
        for (run, seenBy) in [("A", 0), ("B", 1)] {
            let root = folder + "/" + run
            try FileManager.default.createDirectory(atPath: root + "/sfm", withIntermediateDirectories: true)
            let points = (0..<60).map { _ in
                Vector3(Double.random(in: -3...3, using: &rng), Double.random(in: -2...2, using: &rng), Double.random(in: 8...12, using: &rng))
            }
            // Run B's images start with 25 keypoints without a point, so its keypoint k is not A's.
            let padding = run == "A" ? 0 : 25
            var model = ColmapModel()
            model.cameras[1] = camera
            let features = try FeatureStore(path: root + "/feats.h5", mode: .create)
            for (k, name) in ["db/a.jpg", "db/b.jpg"].enumerated() {
                var points2D = (0..<padding).map { _ in ColmapModel.Point2D(xy: Vector2(Double.random(in: 10...600, using: &rng), 20)) }
                if k == seenBy {
                    points2D += points.enumerated().map { .init(xy: camera.imageFromCamera(poses[k].apply($1))!, point3DID: UInt64(1 + $0)) }
                }
                model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: name, cameraID: 1, camFromWorld: poses[k], points2D: points2D)
                try features.write(name, .fixture(pixels: points2D.map(\.xy)))
            }
            for (i, p) in points.enumerated() {
                model.points3D[UInt64(1 + i)] = .init(xyz: p, track: [.init(imageID: UInt32(seenBy + 1), point2DIndex: UInt32(padding + i))])
            }
            try model.write(folder: root + "/sfm", format: .binary)
            // The query sees 5 of the points, after `padding` + 3 keypoints of its own.
            let queryPixels = (0..<(padding + 3)).map { _ in Vector2(Double.random(in: 10...600, using: &rng), 400) }
                + points.prefix(5).map { camera.imageFromCamera(queryPose.apply($0))! }
            try features.write("query/q.jpg", .fixture(pixels: queryPixels))
            try features.write("query/r.jpg", .fixture(pixels: queryPixels))
            try features.flush()
            let matches = try MatchStore(path: root + "/matches.h5", mode: .create)
            var matches0 = [Int32](repeating: -1, count: queryPixels.count)
            for i in 0..<5 { matches0[padding + 3 + i] = Int32(padding + i) }
            let name = seenBy == 0 ? "db/a.jpg" : "db/b.jpg"
            try matches.write("query/q.jpg", name, matches0: matches0, scores0: matches0.map { _ in 1 })
            try matches.flush()
            try PairsFile.write([ImagePair("query/q.jpg", name), ImagePair("query/r.jpg", name)], to: root + "/pairs.txt")
        }
    }

    func run(_ name: String) -> LocalizeTask.FusedRun {
        let root = folder + "/" + name
        return .init(model: root + "/sfm", featuresFile: root + "/feats.h5", matchesFile: root + "/matches.h5", pairsFile: root + "/pairs.txt")
    }

    func task(_ primary: String, fusedWith others: [String]) -> LocalizeTask {
        let own = run(primary)
        var task = LocalizeTask(model: own.model, queryLists: [folder + "/day_time_queries_with_intrinsics.txt"], featuresFile: own.featuresFile,
                                matchesFile: own.matchesFile, pairsFile: own.pairsFile, output: folder + "/results-\(primary)-\(others.count).txt")
        task.minInliers = 8
        task.fusedRuns = others.map(run)
        return task
    }

    func logEntry(_ task: LocalizeTask) throws -> LocalizationLogEntry {
        let lines = try String(contentsOfFile: task.output + "_logs.jsonl", encoding: .utf8).split(separator: "\n")
        return try JSONDecoder().decode(LocalizationLogEntry.self, from: Data(lines[1].utf8))
    }

    func testEachRunAloneIsTooFewAndFusedTheyLocalize() throws {
        for name in ["A", "B"] {
            let alone = task(name, fusedWith: [])
            XCTAssertEqual(try alone.run().localized, 0)
            XCTAssertEqual(try logEntry(alone).correspondences, 5)
        }
        for (primary, other) in [("A", "B"), ("B", "A")] {
            let fused = task(primary, fusedWith: [other])
            XCTAssertEqual(try fused.run().localized, 1, "\(primary) fused with \(other)")
            let entry = try logEntry(fused)
            XCTAssertEqual(entry.correspondences, 10)
            XCTAssertEqual(entry.retrieved, 2)
            XCTAssertGreaterThanOrEqual(entry.inliers, 10)
            let pose = try PoseFile.read(path: fused.output)[0].camFromWorld
            assertPoseClose(pose, queryPose, rotationDegrees: 0.05, translation: 0.02)
        }
    }

    func testFusedLogIsNotReusedWithoutFusion() throws {
        var fused = task("A", fusedWith: ["B"])
        _ = try fused.run()
        fused.fusedRuns = []
        let summary = try fused.run()
        XCTAssertEqual(summary.resumed, 0)
        XCTAssertEqual(summary.localized, 0)
    }

    func testAFusedRunMissingTheQuerysFeaturesAddsNothing() throws {
        // Run B without the query's features: A's 5 correspondences alone, with a warning naming B's file.
        do {
            let features = try FeatureStore(path: folder + "/B/feats.h5", mode: .update)
            try features.remove("query/q.jpg")
            try features.flush()
        }
        var warnings: [String] = []
        let fused = task("A", fusedWith: ["B"])
        XCTAssertEqual(try fused.run(warn: { warnings.append($0) }).localized, 0)
        XCTAssertEqual(try logEntry(fused).correspondences, 5)
        XCTAssertTrue(warnings.contains { $0.contains(folder + "/B/feats.h5") && $0.contains("query/q.jpg") }, "\(warnings)")
    }

    func testTheSameFeaturesTwiceAreRefused() {
        XCTAssertThrowsError(try task("A", fusedWith: ["A"]).run()) { error in
            XCTAssertTrue("\(error)".contains(self.folder + "/A/feats.h5") && "\(error)".contains("different features"), "\(error)")
        }
    }

    func testAFusedRunWithoutTheQueriesIsRefusedNamingItsFile() throws {
        try AtomicFile.write("", to: folder + "/B/pairs.txt")
        XCTAssertThrowsError(try task("A", fusedWith: ["B"]).run()) { error in
            XCTAssertTrue("\(error)".contains(self.folder + "/B/pairs.txt") && "\(error)".contains("none of the 2 queries"), "\(error)")
        }
    }
}
