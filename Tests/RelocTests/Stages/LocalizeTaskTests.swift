import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

/// A hand-made map: database images A and B see the same 200 points, C sees 50 others; the
/// query sees the 200 points. Matches query–A and query–B are true, query–C wrong.
final class LocalizeTaskTests: XCTestCase {
    var folder = ""
    let camera = try! Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
    var queryPose = Rigid3.identity
    var poses: [Rigid3] = []

    override func setUpWithError() throws {
        folder = TestSupport.temporaryFolder(self)
        var rng = SeededGenerator(seed: 11)
        let points = (0..<200).map { _ in
            Vector3(Double.random(in: -3...3, using: &rng), Double.random(in: -2...2, using: &rng), Double.random(in: 8...12, using: &rng))
        }
        let others = (0..<50).map { _ in Vector3(Double.random(in: 90...100, using: &rng), 0, Double.random(in: 8...12, using: &rng)) }
        func look(from centre: Vector3, yaw: Double) -> Rigid3 {
            Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: yaw), translation: centre).inverse
        }
        poses = [look(from: Vector3(-0.5, 0, 0), yaw: 0.02), look(from: Vector3(0.5, 0, 0), yaw: -0.02), look(from: Vector3(95, 0, 0), yaw: 0)]
        queryPose = look(from: Vector3(0.1, 0.2, 0.5), yaw: 0.05)

        var model = ColmapModel()
        model.cameras[1] = camera
        let features = try FeatureStore(path: folder + "/feats.h5", mode: .create)
        func store(_ name: String, _ pixels: [Vector2]) throws {
            try features.write(name, .fixture(pixels: pixels))
        }
        for (k, name) in ["db/a.jpg", "db/b.jpg", "db/c.jpg"].enumerated() {
            let seen = k < 2 ? points : others
            let pixels = seen.map { camera.imageFromCamera(poses[k].apply($0))! }
            let idBase = k < 2 ? 1 : 1000
            model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: name, cameraID: 1, camFromWorld: poses[k],
                                                points2D: pixels.enumerated().map { .init(xy: $1, point3DID: UInt64(idBase + $0)) })
            try store(name, pixels)
        }
        for (i, p) in points.enumerated() {
            model.points3D[UInt64(1 + i)] = .init(xyz: p, track: [.init(imageID: 1, point2DIndex: UInt32(i)), .init(imageID: 2, point2DIndex: UInt32(i))])
        }
        for (i, p) in others.enumerated() { model.points3D[UInt64(1000 + i)] = .init(xyz: p, track: [.init(imageID: 3, point2DIndex: UInt32(i))]) }
        try FileManager.default.createDirectory(atPath: folder + "/sfm", withIntermediateDirectories: true)
        try model.write(folder: folder + "/sfm", format: .binary)
        try store("query/q.jpg", points.map { camera.imageFromCamera(queryPose.apply($0))! + Vector2(Double.random(in: -0.5...0.5, using: &rng), 0) })

        let matches = try MatchStore(path: folder + "/matches.h5", mode: .create)
        var toA = [Int32](repeating: -1, count: 200), toB = toA, toC = toA
        for i in 0..<150 { toA[i] = Int32(i) }
        for i in 100..<200 { toB[i] = Int32(i) }
        for i in 0..<40 { toC[i * 5] = Int32((i * 7) % 50) }
        try matches.write("query/q.jpg", "db/a.jpg", matches0: toA, scores0: toA.map { _ in 1 })
        // Stored reversed: found and inverted.
        var fromB = [Int32](repeating: -1, count: 200)
        for (i, j) in toB.enumerated() where j >= 0 { fromB[Int(j)] = Int32(i) }
        try matches.write("db/b.jpg", "query/q.jpg", matches0: fromB, scores0: fromB.map { _ in 1 })
        try matches.write("query/q.jpg", "db/c.jpg", matches0: toC, scores0: toC.map { _ in 1 })
        try matches.flush()
        try features.flush()
        try PairsFile.write([ImagePair("query/q.jpg", "db/c.jpg"), ImagePair("query/q.jpg", "db/a.jpg"), ImagePair("query/q.jpg", "db/b.jpg"),
                             ImagePair("query/unreadable.jpg", "db/b.jpg")], to: folder + "/pairs.txt")
        let description = camera.colmapDescription
        try AtomicFile.write("query/q.jpg \(description)\nquery/unreadable.jpg \(description)\nquery/lonely.jpg \(description)\n",
                             to: folder + "/day_time_queries_with_intrinsics.txt")
    }

    func task() -> LocalizeTask {
        LocalizeTask(model: folder + "/sfm", queryLists: [folder + "/day_time_queries_with_intrinsics.txt"], featuresFile: folder + "/feats.h5",
                     matchesFile: folder + "/matches.h5", pairsFile: folder + "/pairs.txt", output: folder + "/results.txt")
    }

    func testEveryQueryGetsOneLineWithFallbacks() throws {
        var warnings: [String] = []
        let summary = try task().run(warn: { warnings.append($0) })
        XCTAssertEqual(summary.queries, 3)
        XCTAssertEqual(summary.localized, 1)
        XCTAssertEqual(summary.fallbacks, 2)
        XCTAssertTrue(warnings.contains { $0.contains("query/unreadable.jpg") }, "\(warnings)")
        let results = try PoseFile.read(path: folder + "/results.txt")
        XCTAssertEqual(results.map(\.name), ["q.jpg", "unreadable.jpg", "lonely.jpg"])
        assertPoseClose(results[0].camFromWorld, queryPose, rotationDegrees: 0.05, translation: 0.02)
        // Fallbacks: the top retrieved image (b) for the query without features; the map's first
        // image (a) for the query without retrieved images.
        assertPoseClose(results[1].camFromWorld, poses[1])
        assertPoseClose(results[2].camFromWorld, poses[0])
        let log = LocalizationLog.read(path: folder + "/results.txt_logs.jsonl", settings: settings())
        XCTAssertEqual(log["query/q.jpg"]?.localized, true)
        XCTAssertEqual(log["query/q.jpg"]?.retrieved, 3)
        XCTAssertEqual(log["query/unreadable.jpg"]?.fallback, "no features")
        XCTAssertGreaterThanOrEqual(log["query/q.jpg"]!.inliers, 195)
        // 200 true + 40 wrong (query keypoint, 3D point) pairs, each once although A and B share points.
        XCTAssertEqual(log["query/q.jpg"]?.correspondences, 240)
    }

    func settings() -> String {
        let t = task()
        return [t.model, t.featuresFile, t.matchesFile, t.pairsFile, "threshold 12.0", "seed 0", "clustering \(t.covisibilityClustering)", "refine true", "min inliers 6"]
            .joined(separator: " | ")
    }

    func testCovisibilityClusteringSeparatesUnrelatedImages() throws {
        var t = task()
        t.covisibilityClustering = true
        _ = try t.run()
        let map = try MapIndex(folder: folder + "/sfm")
        XCTAssertEqual(map.covisibilityClusters([2, 0, 1]), [[0, 1], [2]])
        let log = try String(contentsOfFile: folder + "/results.txt_logs.jsonl", encoding: .utf8)
        let entry = try JSONDecoder().decode(LocalizationLogEntry.self, from: Data(log.split(separator: "\n")[1].utf8))
        XCTAssertEqual(entry.clusters, 2)
        XCTAssertEqual(entry.correspondences, 200)
        assertPoseClose(LocalizeTask.pose(entry.pose), queryPose, rotationDegrees: 0.05, translation: 0.02)
    }

    func testResumesFromTheLogAndDropsACutLine() throws {
        _ = try task().run()
        let first = try String(contentsOfFile: folder + "/results.txt", encoding: .utf8)
        // A run killed while writing its last line.
        let logPath = folder + "/results.txt_logs.jsonl"
        var log = try String(contentsOfFile: logPath, encoding: .utf8)
        log.removeLast(20)
        try log.write(toFile: logPath, atomically: true, encoding: .utf8)
        let summary = try task().run()
        XCTAssertEqual(summary.resumed, 2)
        XCTAssertEqual(try String(contentsOfFile: folder + "/results.txt", encoding: .utf8), first)
        // Other settings: nothing reused.
        var other = task()
        other.options.thresholdPixels = 8
        XCTAssertEqual(try other.run().resumed, 0)
    }
}
