import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

final class SyntheticCoverageTests: XCTestCase {
    /// A query at a database camera's pose, with the database twice, is covered wherever it sees
    /// a surface; turned to face away from every database camera (beyond the angle limit), none of
    /// its view is.
    func testCoverageFollowsTheViewingDirection() throws {
        let scene = SyntheticScene(seed: 4)
        let camera = try Camera(model: .pinhole, width: 320, height: 240, params: [256, 256, 160, 120])
        func view(_ centre: Vector3, yaw: Double) -> SyntheticView {
            SyntheticView(name: "v", camera: camera, camFromWorld: SyntheticDataset.cameraPose(centre: centre, yaw: yaw, pitch: 0),
                          lighting: SyntheticLighting(kind: .night, exposure: 1), jpegQuality: 90)
        }
        let database = [view(Vector3(0, -1.6, 20), yaw: -.pi / 2), view(Vector3(0, -1.6, 20.2), yaw: -.pi / 2)]
        let same = SyntheticCoverage.measure(query: view(Vector3(0, -1.6, 20.1), yaw: -.pi / 2), database: database, scene: scene)
        XCTAssertGreaterThan(same.points, 500)
        XCTAssertGreaterThan(same.share, 0.95)
        XCTAssertEqual(same.coveringImages, 2)
        XCTAssertTrue(same.isCovered())
        let opposite = SyntheticCoverage.measure(query: view(Vector3(0, -1.6, 20.1), yaw: .pi / 2), database: database, scene: scene)
        XCTAssertEqual(opposite.coveredPoints, 0)
        XCTAssertEqual(opposite.coveringImages, 0)
        XCTAssertFalse(opposite.isCovered())
        // One database image is not enough: a point needs two.
        let single = SyntheticCoverage.measure(query: view(Vector3(0, -1.6, 20.1), yaw: -.pi / 2), database: [database[0]], scene: scene)
        XCTAssertEqual(single.coveredPoints, 0)
        XCTAssertEqual(single.coveringImages, 1)
    }

    /// A point behind a kiosk, as seen from a database camera, is not seen by it.
    func testOccludedPointsAreNotSeen() throws {
        let scene = SyntheticScene(seed: 4)
        let block = scene.blocks[0]
        let centre = (block.minimum + block.maximum) / 2
        // From across the block, along x: the façade behind it is hidden from a camera in front of it.
        let side: Double = centre.x < 0 ? 1 : -1
        let camera = centre + Vector3(side * 3, 0, 0)
        let behind = Vector3(side > 0 ? -6 : 6, centre.y, centre.z)
        XCTAssertFalse(SyntheticCoverage.isVisible(behind, from: camera, distance: norm(behind - camera), scene: scene))
        let inFront = Vector3(side > 0 ? block.maximum.x : block.minimum.x, centre.y, centre.z)
        XCTAssertTrue(SyntheticCoverage.isVisible(inFront, from: camera, distance: norm(inFront - camera), scene: scene))
    }

    /// `coverage.txt` round-trips, and a malformed line names the file and the line.
    func testCoverageFileRoundTripsAndNamesBadLines() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = folder + "/coverage.txt"
        let entries = [CoverageFile.Entry(name: "query/day/day_0000.jpg", share: 0.875, coveringImages: 7),
                       CoverageFile.Entry(name: "query/night/night_0000.jpg", share: 0.875, coveringImages: 7)]
        try CoverageFile.write(entries, header: SyntheticCoverage.Limits().coverageFileHeader, to: path)
        XCTAssertEqual(try CoverageFile.read(path: path), entries)
        try "# header\nquery/day/day_0000.jpg 0.5 3\nquery/day/day_0001.jpg 1.5 3\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CoverageFile.read(path: path)) { error in
            XCTAssertTrue("\(error)".hasPrefix(path + ":3:"), "\(error)")
        }
        let coverage = QueryCoverage(entries: entries, queries: [("query/day/day_0000.jpg", "day"), ("query/day/day_0001.jpg", "day"),
                                                                 ("query/night/night_0000.jpg", "night")])
        XCTAssertEqual(coverage.conditions.map(\.covered), [1, 1])
        XCTAssertEqual(coverage.conditions.map(\.queries), [2, 1])
    }

    /// A coverage.txt that lacks a query (empty, or another dataset's) stops the pipeline before
    /// any work, naming the file, instead of counting the query as not covered.
    func testPipelineRefusesACoverageFileWithoutTheQueries() throws {
        let folder = TestSupport.temporaryFolder(self)
        _ = try SyntheticDataset.generate(folder: folder + "/data", preset: .tiny, seed: 3)
        try "# emptied\n".write(toFile: folder + "/data/coverage.txt", atomically: true, encoding: .utf8)
        var task = PipelineTask(dataset: folder + "/data", output: folder + "/out")
        task.report = false
        XCTAssertThrowsError(try task.run()) { error in
            XCTAssertTrue("\(error)".contains(folder + "/data/coverage.txt"), "\(error)")
            XCTAssertTrue("\(error)".contains("no entry for query"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/out/results.txt"))
    }

    /// Independently of the generator's test: the map the pipeline triangulates from the
    /// database, projected into each query's true view, has at least `floor` points that the
    /// query sees (in front, inside the image, not behind nearer map points) from within 30° of
    /// a database image that observed them. Every query of the tiny and small presets clears it:
    /// twice the localizer's inlier floor on tiny (12 database images of 480 × 360, a sparse map),
    /// 50 on small. Before queries were placed by coverage (05171cb's generator, same seeds) the
    /// lowest day queries had 3 (tiny) and 9 (small); now 13 and 96.
    func testEveryQueryOfTheTinyAndSmallPresetsSeesTheMap() throws {
        for (preset, seed, floor) in [(SyntheticPreset.tiny, UInt64(7), 12), (.small, 2, 50)] {
            let folder = TestSupport.temporaryFolder(self) + "/\(preset.rawValue)"
            let summary = try SyntheticDataset.generate(folder: folder + "/data", preset: preset, seed: seed)
            XCTAssertEqual(summary.coveredQueries, summary.dayQueries + summary.nightQueries, "\(preset.rawValue): every query placed covered")
            var task = PipelineTask(dataset: folder + "/data", output: folder + "/out")
            task.report = false
            _ = try task.run()
            let record = try JSONDecoder().decode(PipelineRecord.self, from: Data(contentsOf: URL(fileURLWithPath: folder + "/out/pipeline.json")))
            XCTAssertEqual(record.coverage?.values.map(\.covered).reduce(0, +), summary.dayQueries + summary.nightQueries)
            let map = try ColmapModel.read(folder: record.files.map)
            let queries = try (record.files.queryLists).flatMap { try QueryList.read(path: $0) }
            let truth = Dictionary(try PoseFile.read(path: folder + "/data/ground_truth.txt").map { ($0.name, $0.camFromWorld) },
                                   uniquingKeysWith: { a, _ in a })
            for query in queries {
                let seen = Self.mapPointsSeen(map: map, camera: query.camera, camFromWorld: try XCTUnwrap(truth[query.name]))
                XCTAssertGreaterThanOrEqual(seen, floor, "\(preset.rawValue) \(query.name): \(seen) map points in view")
            }
        }
    }

    /// Map points in front of the camera, inside its image, not more than 10 % deeper than the
    /// nearest map point within their 16-pixel cell, and seen by one of their track's images from
    /// within 30° of this camera's ray.
    static func mapPointsSeen(map: ColmapModel, camera: Camera, camFromWorld: Rigid3) -> Int {
        let cell = 16
        let columns = (camera.width + cell - 1) / cell, rows = (camera.height + cell - 1) / cell
        var nearest = [Double](repeating: .infinity, count: columns * rows)
        var candidates: [(cell: Int, depth: Double)] = []
        let centre = camFromWorld.cameraCenter
        for point in map.points3D.values {
            let inCam = camFromWorld.apply(point.xyz)
            guard inCam.z > 0.1, let pixel = camera.imageFromCamera(inCam), pixel.x >= 0, pixel.y >= 0,
                  pixel.x < Double(camera.width), pixel.y < Double(camera.height) else { continue }
            let index = Int(pixel.y) / cell * columns + Int(pixel.x) / cell
            nearest[index] = min(nearest[index], inCam.z)
            let ray = normalized(point.xyz - centre)
            let agrees = point.track.contains { element in
                guard let image = map.images[element.imageID] else { return false }
                return dot(ray, normalized(point.xyz - image.camFromWorld.cameraCenter)) >= cos(30 * Double.pi / 180)
            }
            if agrees { candidates.append((index, inCam.z)) }
        }
        return candidates.filter { $0.depth <= 1.1 * nearest[$0.cell] }.count
    }
}
