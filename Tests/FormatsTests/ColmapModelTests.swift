import _TestSupport
@testable import Formats
import Foundation
import Geometry
import XCTest

/// A small model with every camera model, observed and unobserved 2D points and tracks.
func makeTestModel(seed: UInt64 = 11, withRigs: Bool = false) -> ColmapModel {
    var rng = SeededGenerator(seed: seed)
    var model = ColmapModel()
    model.cameras[1] = try! Camera(model: .simplePinhole, width: 640, height: 480, params: [500, 320, 240])
    model.cameras[2] = try! Camera(model: .pinhole, width: 640, height: 480, params: [501.5, 499.25, 321, 239])
    model.cameras[5] = try! Camera(model: .simpleRadial, width: 1024, height: 768, params: [800.1, 512, 384, -0.031])
    model.cameras[7] = try! Camera(model: .radial, width: 800, height: 600, params: [700, 400, 300, 0.01, -0.002])
    model.cameras[9] = try! Camera(model: .opencv, width: 1600, height: 1200, params: [1200, 1201, 800, 600, -0.1, 0.01, 1e-4, -2e-4])
    let cameraIDs: [UInt32] = [1, 2, 5, 7, 9]
    for (k, imageID) in ([3, 4, 10, 11, 20, 21] as [UInt32]).enumerated() {
        let points = (0..<12).map { _ in ColmapModel.Point2D(xy: Vector2(rng.nextUnit() * 600, rng.nextUnit() * 400)) }
        model.images[imageID] = ColmapModel.ModelImage(
            id: imageID, name: k % 2 == 0 ? "db/img_\(imageID).jpg" : "seq a/\(imageID).jpg",
            cameraID: cameraIDs[k % cameraIDs.count], camFromWorld: TestSupport.randomRigid(&rng), points2D: points)
    }
    let imageIDs = model.images.keys.sorted()
    for pointID: UInt64 in [1, 2, 5, 1 << 40] {
        var track: [ColmapModel.TrackElement] = []
        for imageID in imageIDs.shuffled(using: &rng).prefix(3) {
            let index = Int(rng.next() % 12)
            guard model.images[imageID]!.points2D[index].point3DID == nil else { continue }
            model.images[imageID]!.points2D[index].point3DID = pointID
            track.append(ColmapModel.TrackElement(imageID: imageID, point2DIndex: UInt32(index)))
        }
        model.points3D[pointID] = ColmapModel.Point3D(
            xyz: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian() + 4),
            color: SIMD3(UInt8(rng.next() % 256), 7, 255), error: rng.nextUnit(), track: track)
    }
    if withRigs {
        for id in cameraIDs {
            model.rigs[id] = ColmapModel.Rig(id: id, referenceSensor: .init(type: .camera, id: id))
        }
        for image in model.images.values {
            model.frames[image.id + 100] = ColmapModel.Frame(
                id: image.id + 100, rigID: image.cameraID, rigFromWorld: image.camFromWorld,
                dataIDs: [.init(sensor: .init(type: .camera, id: image.cameraID), id: UInt64(image.id))])
        }
    }
    return model
}

final class ColmapModelTests: XCTestCase {
    let names = ColmapFiles(cameras: "cameras", images: "images", points3D: "points3D", rigs: "rigs", frames: "frames")

    func testTextAndBinaryRoundTripsInMemory() throws {
        for withRigs in [false, true] {
            let model = makeTestModel(withRigs: withRigs)
            let text = model.formatText()
            XCTAssertEqual(text.rigs != nil, withRigs)
            let fromText = try ColmapModel.parseText(text, names: names)
            XCTAssertEqual(fromText, model, "text round trip (rigs: \(withRigs))")
            let fromBinary = try ColmapModel.parseBinary(model.formatBinary(), names: names)
            XCTAssertEqual(fromBinary, model, "binary round trip (rigs: \(withRigs))")
            // Text written again from the re-read model is identical byte for byte.
            XCTAssertEqual(fromBinary.formatText().images, text.images)
            XCTAssertEqual(fromText.formatBinary().points3D, model.formatBinary().points3D)
        }
    }

    func testFolderRoundTripTxtBinTxt() throws {
        let folder = TestSupport.temporaryFolder(self)
        let model = makeTestModel(withRigs: true)
        try model.write(folder: folder + "/a", format: .text)
        let a = try ColmapModel.read(folder: folder + "/a")
        try a.write(folder: folder + "/b", format: .binary)
        XCTAssertEqual(try ColmapModel.detectFormat(folder: folder + "/b"), .binary)
        let b = try ColmapModel.read(folder: folder + "/b")
        try b.write(folder: folder + "/c", format: .text)
        for file in ["cameras.txt", "images.txt", "points3D.txt", "rigs.txt", "frames.txt"] {
            XCTAssertEqual(try String(contentsOfFile: "\(folder)/a/\(file)", encoding: .utf8),
                           try String(contentsOfFile: "\(folder)/c/\(file)", encoding: .utf8), file)
        }
        XCTAssertEqual(b, model)
        // Writing a text model where a binary one lives is refused (COLMAP would read the binary one).
        XCTAssertThrowsError(try model.write(folder: folder + "/b", format: .text))
    }

    /// `content: .camerasAndPoses` gives the full model's cameras, names and poses (frames
    /// applied) without points, in both formats; it does not read points3D, and still reports a
    /// truncated images.bin inside the skipped 2D points.
    func testCamerasAndPosesReadSkipsPoints() throws {
        let folder = TestSupport.temporaryFolder(self)
        for (withRigs, format) in [(false, ColmapFormat.text), (false, .binary), (true, .text), (true, .binary)] {
            let model = makeTestModel(withRigs: withRigs)
            let path = "\(folder)/\(withRigs)-\(format.rawValue)"
            try model.write(folder: path, format: format)
            var expected = model
            for id in expected.images.keys { expected.images[id]!.points2D = [] }
            expected.points3D = [:]
            let poses = try ColmapModel.read(folder: path, content: .camerasAndPoses)
            XCTAssertEqual(poses, expected, "\(format) rigs \(withRigs)")
            XCTAssertEqual(poses.sortedImages.map(\.camFromWorld), try ColmapModel.read(folder: path).sortedImages.map(\.camFromWorld))
            // points3D is not read: garbage there does not matter (the full read refuses it).
            try Data([1, 2, 3]).write(to: URL(fileURLWithPath: "\(path)/points3D.\(format.rawValue)"))
            XCTAssertThrowsError(try ColmapModel.read(folder: path))
            XCTAssertEqual(try ColmapModel.read(folder: path, content: .camerasAndPoses), expected)
        }
        // images.bin cut inside the last image's 2D points (12 × 24 bytes at its end): an error
        // with the file and offset.
        let path = folder + "/cut"
        try makeTestModel().write(folder: path, format: .binary)
        let images = try Data(contentsOf: URL(fileURLWithPath: path + "/images.bin"))
        let cut = images.count - 100
        try images.prefix(cut).write(to: URL(fileURLWithPath: path + "/images.bin"))
        XCTAssertThrowsError(try ColmapModel.read(folder: path, content: .camerasAndPoses)) { error in
            guard case .binary(let file, let offset, let message)? = error as? FormatError else { return XCTFail("\(error)") }
            XCTAssertTrue(file.hasSuffix("images.bin"))
            XCTAssertLessThanOrEqual(offset, cut)
            XCTAssertTrue(message.contains("2D points"), message)
        }
    }

    func testBinaryLayoutMatchesColmapByteForByte() throws {
        // Hand-assembled cameras.bin with one PINHOLE camera, as COLMAP writes it.
        var model = ColmapModel()
        model.cameras[3] = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 501, 320, 240])
        var expected: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0]  // u64 count
        expected += [3, 0, 0, 0]                            // u32 id
        expected += [1, 0, 0, 0]                            // i32 model PINHOLE
        expected += [128, 2, 0, 0, 0, 0, 0, 0]              // u64 640
        expected += [224, 1, 0, 0, 0, 0, 0, 0]              // u64 480
        for v in [500.0, 501, 320, 240] { expected += withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) }
        XCTAssertEqual(model.formatBinary().cameras, expected)
        // An image without points: id, pose, camera id, NUL-terminated name, u64 0.
        model.images[9] = .init(id: 9, name: "a.jpg", cameraID: 3, camFromWorld: .identity)
        let images = model.formatBinary().images
        XCTAssertEqual(images.count, 8 + 4 + 56 + 4 + 6 + 8)
        XCTAssertEqual(Array(images[72..<78]), Array("a.jpg".utf8) + [0])
    }

    func testInconsistentTracksAreReported() throws {
        let model = makeTestModel()
        let (pid, point) = model.points3D.first { $0.value.track.count >= 2 }!
        func expectError(_ changed: ColmapModel, _ contains: String, line: UInt = #line) {
            XCTAssertThrowsError(try ColmapModel.parseBinary(changed.formatBinary(), names: names), line: line) { error in
                XCTAssertTrue("\(error)".contains(contains), "\(error)", line: line)
            }
        }
        // An observation missing from its point's track.
        var missing = model
        missing.points3D[pid]!.track.removeLast()
        expectError(missing, "lacks image")
        // The same element twice in place of another (counts still equal).
        var twice = model
        twice.points3D[pid]!.track[point.track.count - 1] = point.track[0]
        expectError(twice, "twice")
    }

    func testRigsAndFramesSetImagePoses() throws {
        var model = makeTestModel(withRigs: true)
        // COLMAP ≥ 3.12 takes an image's pose from its frame, not from images.txt.
        let image = model.sortedImages[0]
        let framePose = Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0.3), translation: Vector3(1, 2, 3))
        let frameID = model.frames.first { $0.value.dataIDs.contains { $0.id == UInt64(image.id) } }!.key
        model.frames[frameID]!.rigFromWorld = framePose
        let parsed = try ColmapModel.parseText(model.formatText(), names: names)
        assertPoseClose(parsed.images[image.id]!.camFromWorld, framePose)
    }

    func testMalformedTextNamesFileAndLine() {
        let model = makeTestModel()
        var text = model.formatText()
        func expectParseError(_ files: ColmapFiles<String>, file: String, line: Int, contains: String,
                              sourceLine: UInt = #line) {
            XCTAssertThrowsError(try ColmapModel.parseText(files, names: names), line: sourceLine) { error in
                guard case .parse(let f, let l, let message)? = error as? FormatError else {
                    return XCTFail("expected a parse error, got \(error)", line: sourceLine)
                }
                XCTAssertEqual(f, file, line: sourceLine)
                XCTAssertEqual(l, line, line: sourceLine)
                XCTAssertTrue(message.contains(contains), "'\(message)' lacks '\(contains)'", line: sourceLine)
            }
        }
        var bad = text
        bad.cameras += "12 FISHEYE_X 10 10 1 2 3\n"
        expectParseError(bad, file: "cameras", line: 9, contains: "unknown camera model")
        bad = text
        bad.cameras += "12 PINHOLE 10 10 1 2 3\n"
        expectParseError(bad, file: "cameras", line: 9, contains: "takes 4 parameters")
        bad = text
        bad.cameras += "1 PINHOLE 10 10 1 2 3 4\n"
        expectParseError(bad, file: "cameras", line: 9, contains: "duplicate CAMERA_ID")
        bad = text
        bad.images = bad.images.replacingOccurrences(of: " 1 db/img_3.jpg", with: " db/img_3.jpg")
        expectParseError(bad, file: "images", line: 5, contains: "10 fields")
        bad = text
        var lines = bad.images.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[4].split(separator: " ").map(String.init)
        fields[1...4] = ["0.9", "0.1", "0", "0"]
        lines[4] = fields.joined(separator: " ")
        bad.images = lines.joined(separator: "\n")
        expectParseError(bad, file: "images", line: 5, contains: "not unit length")
        bad = text
        bad.images = bad.images.replacingOccurrences(of: " 1 db/img_3.jpg", with: " 1 ../db/img_3.jpg")
        expectParseError(bad, file: "images", line: 5, contains: "climbs out of the image folder")
        bad = text
        bad.points3D += "77 1 2 3 0 0 0 0.5 3\n"
        expectParseError(bad, file: "points3D", line: 8, contains: "fields")
        text.points3D += "77 1 2 nan 0 0 0 0.5\n"
        expectParseError(text, file: "points3D", line: 8, contains: "not a finite number")
    }

    func testInconsistentModelsAreRejected() {
        var model = makeTestModel()
        model.images[3]!.cameraID = 99
        XCTAssertThrowsError(try ColmapModel.parseText(model.formatText(), names: names)) {
            XCTAssertTrue("\($0)".contains("CAMERA_ID 99"), "\($0)")
        }
        model = makeTestModel()
        model.points3D[1]!.track.append(.init(imageID: 3, point2DIndex: 500))
        XCTAssertThrowsError(try ColmapModel.parseBinary(model.formatBinary(), names: names)) {
            XCTAssertTrue("\($0)".contains("index 500"), "\($0)")
        }
        // A 2D point naming a 3D point the model lacks; two broken tracks: the lower id is reported.
        model = makeTestModel()
        let observer = model.images.values.first { $0.points2D.contains { $0.point3DID == nil } }!
        let free = observer.points2D.firstIndex { $0.point3DID == nil }!
        model.images[observer.id]!.points2D[free].point3DID = 777
        XCTAssertThrowsError(try ColmapModel.parseText(model.formatText(), names: names)) {
            XCTAssertTrue("\($0)".contains("POINT3D_ID 777, which points3D does not define"), "\($0)")
        }
        model = makeTestModel()
        model.points3D[2]!.track.append(.init(imageID: 99, point2DIndex: 0))
        model.points3D[5]!.track.append(.init(imageID: 98, point2DIndex: 0))
        for _ in 0..<3 {
            XCTAssertThrowsError(try ColmapModel.parseBinary(model.formatBinary(), names: names)) {
                XCTAssertTrue("\($0)".contains("point 2 has a track element in image 99"), "\($0)")
            }
        }
        // COLMAP's 'no point' id cannot be a point.
        model = makeTestModel()
        model.points3D[.max] = ColmapModel.Point3D(xyz: Vector3(0, 0, 1), error: 0, track: [])
        XCTAssertThrowsError(try ColmapModel.parseText(model.formatText(), names: names)) {
            XCTAssertTrue("\($0)".contains("reserves"), "\($0)")
        }
    }

    func testTruncatedAndCorruptBinaryGiveOffsets() throws {
        let files = makeTestModel().formatBinary()
        for cut in [0, 3, 8, 20, files.images.count / 2, files.images.count - 1] {
            var bad = files
            bad.images = Array(files.images.prefix(cut))
            XCTAssertThrowsError(try ColmapModel.parseBinary(bad, names: names), "cut at \(cut)") { error in
                guard case .binary(let file, let offset, _)? = error as? FormatError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "images")
                XCTAssertLessThanOrEqual(offset, cut)
            }
        }
        var bad = files
        bad.points3D[0] = 0xFF; bad.points3D[7] = 0x7F  // absurd count: must not allocate, must fail
        XCTAssertThrowsError(try ColmapModel.parseBinary(bad, names: names)) { XCTAssertTrue("\($0)".contains("cannot fit"), "\($0)") }
        bad = files
        bad.cameras += [1, 2, 3]
        XCTAssertThrowsError(try ColmapModel.parseBinary(bad, names: names)) { XCTAssertTrue("\($0)".contains("unexpected bytes"), "\($0)") }
        var absolute = makeTestModel()
        let first = absolute.images.keys.min()!
        absolute.images[first]!.name = "/abs/x.jpg"
        XCTAssertThrowsError(try ColmapModel.parseBinary(absolute.formatBinary(), names: names)) {
            XCTAssertTrue("\($0)".contains("image name '/abs/x.jpg' is absolute"), "\($0)")
        }
        bad = files
        bad.cameras[12] = 42  // model id of the first camera
        XCTAssertThrowsError(try ColmapModel.parseBinary(bad, names: names)) { XCTAssertTrue("\($0)".contains("model id 42"), "\($0)") }
    }

    func testMissingFolderAndFilesAreNamed() throws {
        XCTAssertThrowsError(try ColmapModel.read(folder: "/nonexistent/model")) {
            XCTAssertTrue("\($0)".contains("/nonexistent/model"))
        }
        let folder = TestSupport.temporaryFolder(self)
        try "".write(toFile: folder + "/cameras.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ColmapModel.read(folder: folder)) { XCTAssertTrue("\($0)".contains("not a COLMAP model")) }
        try makeTestModel(withRigs: true).write(folder: folder + "/m", format: .binary)
        try FileManager.default.removeItem(atPath: folder + "/m/frames.bin")
        XCTAssertThrowsError(try ColmapModel.read(folder: folder + "/m")) { XCTAssertTrue("\($0)".contains("rigs.bin")) }
    }

    func testReadsRealModelWhenPresent() throws {
        guard let fountain = TestSupport.sharedDataset("fountain") else { throw XCTSkip("../shared/datasets absent") }
        let model = try ColmapModel.read(folder: fountain + "/3D-models/reference")
        XCTAssertEqual(model.images.count, 8)
        XCTAssertEqual(model.cameras[1]?.model, .pinhole)
        XCTAssertEqual(model.image(named: "db/0000.jpg")?.camFromWorld.rotation.w ?? 0, 0.5718831882072741, accuracy: 0)
        XCTAssertTrue(model.points3D.isEmpty)
    }

    func testStatistics() {
        var model = ColmapModel()
        model.cameras[1] = try! Camera(model: .simplePinhole, width: 100, height: 100, params: [100, 50, 50])
        // One point at (0, 0, 5) seen from the identity pose lands on the principal point;
        // the observation is 3-4-5 pixels away, so the reprojection error is 5.
        model.images[1] = .init(id: 1, name: "a.jpg", cameraID: 1, camFromWorld: .identity,
                                points2D: [.init(xy: Vector2(53, 54), point3DID: 1), .init(xy: Vector2(1, 1))])
        model.points3D[1] = .init(xyz: Vector3(0, 0, 5), track: [.init(imageID: 1, point2DIndex: 0)])
        XCTAssertEqual(model.meanReprojectionError!, 5, accuracy: 1e-12)
        XCTAssertEqual(model.meanTrackLength, 1)
        XCTAssertEqual(model.meanObservationsPerImage, 1)
    }
}
