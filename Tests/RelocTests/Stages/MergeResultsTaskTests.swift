import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// `reloc merge results` in-process: shards joined in the query lists' order, overlapping,
/// stray and missing queries refused by name.
final class MergeResultsTaskTests: XCTestCase {
    func testShardsJoinInTheListsOrder() throws {
        let folder = TestSupport.temporaryFolder(self)
        let camera = try Camera(model: .simplePinhole, width: 100, height: 100, params: [80, 50, 50])
        let names = (0..<5).map { "query/day/q\($0).jpg" }
        try QueryList.write(names.map { QueryEntry(name: $0, camera: camera) }, to: folder + "/day_queries_with_intrinsics.txt")
        var rng = SeededGenerator(seed: 3)
        let poses = names.map { PoseEntry(name: imageBasename($0), camFromWorld: TestSupport.randomRigid(&rng)) }
        // Shard 0 holds queries 3, 0; shard 1 holds 1, 4, 2 (each in its own order).
        try PoseFile.write([poses[3], poses[0]], to: folder + "/r0.txt")
        try PoseFile.write([poses[1], poses[4], poses[2]], to: folder + "/r1.txt")
        let summary = try MergeResultsTask(queryLists: [folder + "/day_queries_with_intrinsics.txt"], shardResults: [folder + "/r0.txt", folder + "/r1.txt"],
                                           output: folder + "/merged.txt").run()
        XCTAssertEqual(summary.queries, 5)
        XCTAssertFalse(summary.logsMerged, "no logs beside the shards")
        let merged = try PoseFile.parse(try String(contentsOfFile: folder + "/merged.txt", encoding: .utf8), file: "merged")
        XCTAssertEqual(merged.map(\.name), names.map(imageBasename))
        for (a, b) in zip(merged, poses) { assertPoseClose(a.camFromWorld, b.camFromWorld, rotationDegrees: 1e-9, translation: 1e-9) }

        // Overlapping, missing and stray queries are named.
        try PoseFile.write([poses[0]], to: folder + "/r2.txt")
        func refused(_ shards: [String], _ words: String) {
            XCTAssertThrowsError(try MergeResultsTask(queryLists: [folder + "/day_queries_with_intrinsics.txt"], shardResults: shards.map { folder + "/" + $0 },
                                                      output: folder + "/x.txt").run()) { XCTAssertTrue("\($0)".contains(words), "\($0)") }
        }
        refused(["r0.txt", "r1.txt", "r2.txt"], "overlapping shards")
        refused(["r1.txt"], "2 of 5 queries are in no shard result")
        try PoseFile.write([PoseEntry(name: "stray.jpg", camFromWorld: .identity)] + [poses[3], poses[0]], to: folder + "/r3.txt")
        refused(["r3.txt", "r1.txt"], "query 'stray.jpg' is not in the query lists")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.txt"))
    }
}
