import _TestSupport
import Formats
import Geometry
@testable import Reloc
import XCTest

final class PairsTaskTests: XCTestCase {
    func testExhaustiveFileAndGlobalRetrieval() throws {
        let folder = TestSupport.temporaryFolder(self)
        try AtomicFile.write("db/a.jpg\ndb/b.jpg\ndb/c.jpg\n", to: folder + "/db.txt")
        try AtomicFile.write("q/1.jpg PINHOLE 10 10 5 5 5 5\nq/2.jpg PINHOLE 10 10 5 5 5 5\n", to: folder + "/day_time_queries_with_intrinsics.txt")
        let queries = [folder + "/day_time_queries_with_intrinsics.txt"]
        _ = try PairsTask(retrieval: .exhaustive, queryLists: queries, database: folder + "/db.txt", output: folder + "/ex.txt").run()
        XCTAssertEqual(try PairsFile.read(path: folder + "/ex.txt").count, 6)

        // Global descriptors: q/1 is closest to c then a; q/2 to b.
        let store = try GlobalDescriptorStore(path: folder + "/global.h5", mode: .create)
        for (name, v) in [("db/a.jpg", [Float(1), 0.5, 0]), ("db/b.jpg", [0, 1, 0]), ("db/c.jpg", [1, 0, 0]), ("q/1.jpg", [1, 0.1, 0]), ("q/2.jpg", [0, 1, 0.1])] {
            try store.write(name, v)
        }
        try store.flush()
        _ = try PairsTask(retrieval: .global(folder + "/global.h5"), queryLists: queries, database: folder + "/db.txt",
                          output: folder + "/global.txt", topK: 2).run()
        XCTAssertEqual(try PairsFile.read(path: folder + "/global.txt"),
                       [ImagePair("q/1.jpg", "db/c.jpg"), ImagePair("q/1.jpg", "db/a.jpg"), ImagePair("q/2.jpg", "db/b.jpg"), ImagePair("q/2.jpg", "db/a.jpg")])

        // An external pairs file is kept for the queries; a database name it invents is an error.
        try AtomicFile.write("q/1.jpg db/b.jpg\nother.jpg db/a.jpg\nq/2.jpg db/c.jpg\n", to: folder + "/netvlad.txt")
        _ = try PairsTask(retrieval: .file(folder + "/netvlad.txt"), queryLists: queries, database: folder + "/db.txt", output: folder + "/file.txt").run()
        XCTAssertEqual(try PairsFile.read(path: folder + "/file.txt"), [ImagePair("q/1.jpg", "db/b.jpg"), ImagePair("q/2.jpg", "db/c.jpg")])
        try AtomicFile.write("q/1.jpg db/zzz.jpg\n", to: folder + "/bad.txt")
        XCTAssertThrowsError(try PairsTask(retrieval: .file(folder + "/bad.txt"), queryLists: queries, database: folder + "/db.txt", output: folder + "/x.txt").run()) {
            XCTAssertTrue("\($0)".contains("db/zzz.jpg"), "\($0)")
        }
        XCTAssertThrowsError(try RetrievalMethod(parsing: "netvlad"))
        XCTAssertEqual(try RetrievalMethod(parsing: "pairs:/x/y.txt"), .file("/x/y.txt"))
    }

    /// Re-ranking: the global ranking's candidates ordered by local matches. q/1's global
    /// nearest is c, but it shares local descriptors with b only: b comes first. A query without
    /// local features keeps its global order.
    func testRerankingOrdersCandidatesByLocalMatches() throws {
        let folder = TestSupport.temporaryFolder(self)
        try AtomicFile.write("db/a.jpg\ndb/b.jpg\ndb/c.jpg\n", to: folder + "/db.txt")
        try AtomicFile.write("q/1.jpg PINHOLE 10 10 5 5 5 5\nq/2.jpg PINHOLE 10 10 5 5 5 5\n", to: folder + "/day_time_queries_with_intrinsics.txt")
        let store = try GlobalDescriptorStore(path: folder + "/global.h5", mode: .create)
        for (name, v) in [("db/a.jpg", [Float(1), 0.5, 0]), ("db/b.jpg", [0, 1, 0]), ("db/c.jpg", [1, 0, 0]), ("q/1.jpg", [1, 0.1, 0]), ("q/2.jpg", [1, 0.1, 0])] {
            try store.write(name, v)
        }
        try store.flush()
        var rng = SeededGenerator(seed: 8)
        let dimension = 16
        func unit(_ count: Int) -> [Float] {
            (0..<count).flatMap { _ -> [Float] in
                let v = (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }
                let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                return v.map { $0 / norm }
            }
        }
        let shared = unit(40)
        let features = try FeatureStore(path: folder + "/feats.h5", mode: .create)
        let pixels = (0..<40).map { Vector2(Double($0), 1) }
        try features.write("q/1.jpg", .fixture(pixels: pixels, descriptors: shared, dimension: dimension))
        try features.write("db/b.jpg", .fixture(pixels: pixels, descriptors: shared, dimension: dimension))
        // a and c have no keypoints (no matches): they keep their global order behind b.
        try features.write("db/a.jpg", .fixture(pixels: [], dimension: dimension))
        try features.write("db/c.jpg", .fixture(pixels: [], dimension: dimension))
        try features.flush()
        var task = PairsTask(retrieval: .global(folder + "/global.h5"), queryLists: [folder + "/day_time_queries_with_intrinsics.txt"],
                             database: folder + "/db.txt", output: folder + "/pairs.txt", topK: 2, featuresFile: folder + "/feats.h5")
        task.rerankCandidates = 3
        _ = try task.run()
        XCTAssertEqual(try PairsFile.read(path: folder + "/pairs.txt"),
                       [ImagePair("q/1.jpg", "db/b.jpg"), ImagePair("q/1.jpg", "db/c.jpg"), ImagePair("q/2.jpg", "db/c.jpg"), ImagePair("q/2.jpg", "db/a.jpg")])
    }

    func testDatasetLayoutFindsAachenFoldersAndMissingQueryImages() throws {
        let root = TestSupport.temporaryFolder(self)
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/images/images_upright/query", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/3D-models/aachen_v_1_1", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/queries", withIntermediateDirectories: true)
        var model = ColmapModel()
        model.cameras[1] = try Camera(model: .pinhole, width: 10, height: 10, params: [5, 5, 5, 5])
        try model.write(folder: root + "/3D-models/aachen_v_1_1", format: .text)
        try AtomicFile.write("query/a.jpg PINHOLE 10 10 5 5 5 5\n\nquery/b.jpg PINHOLE 10 10 5 5 5 5\n", to: root + "/queries/night_time_queries_with_intrinsics.txt")
        try AtomicFile.write("x", to: root + "/images/images_upright/query/a.jpg")
        let layout = try DatasetLayout.detect(root: root)
        XCTAssertEqual(layout.imageFolder, root + "/images/images_upright")
        XCTAssertEqual(layout.model, root + "/3D-models/aachen_v_1_1")
        XCTAssertNil(layout.groundTruth)
        XCTAssertThrowsError(try layout.checkQueryImages()) {
            XCTAssertEqual($0 as? FormatError, .parse(file: root + "/queries/night_time_queries_with_intrinsics.txt", line: 3,
                                                     message: "query image 'query/b.jpg' does not exist (looked for \(root)/images/images_upright/query/b.jpg)"))
        }
        try fm.createDirectory(atPath: root + "/3D-models/other", withIntermediateDirectories: true)
        try model.write(folder: root + "/3D-models/other", format: .binary)
        XCTAssertThrowsError(try DatasetLayout.detect(root: root)) { XCTAssertTrue("\($0)".contains("--model"), "\($0)") }
        XCTAssertEqual(try DatasetLayout.detect(root: root, modelName: "other").model, root + "/3D-models/other")
    }
}
