import _TestSupport
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

/// The map's flat columns against the model they come from, in memory and read in place from
/// `serve-map.rlss`; the file made once, reused, and made again when stale or damaged.
final class MapIndexFileTests: XCTestCase {
    /// Images with ids out of order, sparse point ids, untriangulated keypoints, a point seen twice by one image.
    func model() throws -> ColmapModel {
        var rng = SeededGenerator(seed: 11)
        var model = ColmapModel()
        model.cameras[3] = try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, 0.01])
        model.cameras[1] = try Camera(model: .pinhole, width: 800, height: 600, params: [600, 610, 400, 300])
        let imageIDs: [UInt32] = [7, 2, 5, 9]
        for (k, id) in imageIDs.enumerated() {
            let pose = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.1 * Double(k)), translation: Vector3(Double(k), 0, 0))
            model.images[id] = .init(id: id, name: "db/\(k).jpg", cameraID: k % 2 == 0 ? 3 : 1, camFromWorld: pose,
                                     points2D: (0..<30).map { _ in .init(xy: Vector2(Double.random(in: 0...600, using: &rng), 10)) })
        }
        for p in 0..<40 {
            let id = UInt64(1000 + 17 * p)
            var track: [ColmapModel.TrackElement] = []
            for image in imageIDs where Bool.random(using: &rng) {
                let keypoint = Int.random(in: 0..<30, using: &rng)
                guard model.images[image]!.points2D[keypoint].point3DID == nil else { continue }
                model.images[image]!.points2D[keypoint].point3DID = id
                track.append(.init(imageID: image, point2DIndex: UInt32(keypoint)))
            }
            model.points3D[id] = .init(xyz: Vector3(Double(p), -Double(p) / 3, 5 + Double(p) / 7), track: track)
        }
        return model
    }

    func assertMatchesModel(_ map: MapIndex, _ model: ColmapModel, file: StaticString = #filePath, line: UInt = #line) {
        let sorted = model.sortedImages
        XCTAssertEqual(map.images.map(\.name), sorted.map(\.name), file: file, line: line)
        XCTAssertEqual(map.images.map(\.camFromWorld), sorted.map(\.camFromWorld), file: file, line: line)
        XCTAssertEqual(map.cameras, sorted.map { model.cameras[$0.cameraID]! }, file: file, line: line)
        XCTAssertEqual(map.pointCount, model.points3D.count, file: file, line: line)
        for (i, image) in sorted.enumerated() {
            XCTAssertEqual(map.keypointCount(i), image.points2D.count, file: file, line: line)
            for (k, p) in image.points2D.enumerated() {
                let number = map.point(image: i, keypoint: k)
                XCTAssertEqual(number.map { map.pointID($0) }, p.point3DID, file: file, line: line)
                if let number, let id = p.point3DID {
                    XCTAssertEqual(map.position(number), model.points3D[id]!.xyz, file: file, line: line)
                    let observers = Set(model.points3D[id]!.track.map { t in sorted.firstIndex { $0.id == t.imageID }! })
                    XCTAssertEqual(Array(map.observers(number)).map(Int.init), observers.sorted(), file: file, line: line)
                }
            }
        }
    }

    func testColumnsAgreeWithTheModelInMemoryAndInTheFile() throws {
        let model = try model()
        let folder = TestSupport.temporaryFolder(self)
        let inMemory = try MapIndex(model: model, folder: folder)
        assertMatchesModel(inMemory, model)
        try inMemory.write(to: folder + "/m.rlss", source: "s")
        let inFile = try MapIndex(file: ServeSectionFile(path: folder + "/m.rlss", kind: MapIndex.fileKind))
        assertMatchesModel(inFile, model)
        for retrieved in [[0, 1, 2, 3], [3, 1], [2]] {
            XCTAssertEqual(inFile.covisibilityClusters(retrieved), inMemory.covisibilityClusters(retrieved))
        }
    }

    func testTheFileIsMadeOnceReusedAndRemadeWhenStaleOrDamaged() throws {
        let folder = TestSupport.temporaryFolder(self)
        let model = try model()
        try model.write(folder: folder + "/sfm", format: .binary)
        var said: [String] = []
        assertMatchesModel(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", say: { said.append($0) }).map, model)
        XCTAssertTrue(said.contains { $0.contains("written for reading in place") }, "\(said)")
        said = []
        assertMatchesModel(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", say: { said.append($0) }).map, model)
        XCTAssertEqual(said, [], "reused")
        // Another model in the folder: made again from it.
        var changed = model
        changed.points3D[1000]!.xyz = Vector3(9, 9, 9)
        try changed.write(folder: folder + "/sfm", format: .binary)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: folder + "/sfm/points3D.bin")
        said = []
        let remade = try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", say: { said.append($0) }).map
        XCTAssertTrue(said.contains { $0.contains("made from another map") }, "\(said)")
        assertMatchesModel(remade, changed)
        // A damaged byte: refused, made again.
        let path = folder + "/serve-map.rlss"
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[200] ^= 0xFF
        try bytes.write(to: URL(fileURLWithPath: path))
        said = []
        assertMatchesModel(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", say: { said.append($0) }).map, changed)
        XCTAssertTrue(said.contains { $0.contains("does not match its checksum") }, "\(said)")
        // The database's names come from the list when the file is made, from the file after; a changed list makes it again.
        try "db/1.jpg\ndb/3.jpg\n".write(toFile: folder + "/list.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", databaseList: folder + "/list.txt", say: { _ in }).database,
                       ["db/1.jpg", "db/3.jpg"])
        said = []
        XCTAssertEqual(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", databaseList: folder + "/list.txt", say: { said.append($0) }).database,
                       ["db/1.jpg", "db/3.jpg"])
        XCTAssertEqual(said, [], "reused with its names")
        try "db/2.jpg\n".write(toFile: folder + "/list.txt", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -30)], ofItemAtPath: folder + "/list.txt")
        XCTAssertEqual(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", databaseList: folder + "/list.txt", say: { _ in }).database,
                       ["db/2.jpg"])
        XCTAssertEqual(try MapIndex.served(folder: folder, mapFolder: folder + "/sfm", say: { _ in }).database, changed.sortedImages.map(\.name))
        // A folder that cannot be written: the model in memory, with a warning.
        let readOnly = folder + "/ro"
        try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: readOnly) }
        if access(readOnly + "/.", W_OK) != 0 {  // root writes anyway
            said = []
            assertMatchesModel(try MapIndex.served(folder: readOnly, mapFolder: folder + "/sfm", say: { said.append($0) }).map, changed)
            XCTAssertTrue(said.contains { $0.contains("keeping the map in memory") }, "\(said)")
        }
    }
}
