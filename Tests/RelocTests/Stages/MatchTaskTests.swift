import _TestSupport
import Features
import Formats
import Foundation
import Geometry
@testable import Reloc
import TensorFiles
import XCTest

final class MatchTaskTests: XCTestCase {
    /// Two posed images; each point's descriptor also appears, exactly, on a decoy keypoint of
    /// image 1 that lies 50 px off the point's epipolar line (a repeated texture). Unguided
    /// matching picks the decoys or rejects the ambiguous matches; matching guided by the model
    /// finds every true correspondence.
    func testGuidedMatchingIgnoresDecoysOffTheEpipolarLine() throws {
        let folder = TestSupport.temporaryFolder(self)
        var rng = SeededGenerator(seed: 31)
        let camera = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
        let poses = [Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0), translation: Vector3(0, 0, 0)),
                     Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0), translation: Vector3(-0.8, 0, 0))]
        var model = ColmapModel()
        model.cameras[1] = camera
        let names = ["db/a.jpg", "db/b.jpg"]
        for k in 0..<2 { model.images[UInt32(k + 1)] = .init(id: UInt32(k + 1), name: names[k], cameraID: 1, camFromWorld: poses[k]) }
        try FileManager.default.createDirectory(atPath: folder + "/reference", withIntermediateDirectories: true)
        try model.write(folder: folder + "/reference", format: .text)

        let count = 60, dimension = 8
        var points: [Vector3] = []
        while points.count < count {
            let p = Vector3(Double.random(in: -2...2, using: &rng), Double.random(in: -1.2...1.2, using: &rng), Double.random(in: 5...8, using: &rng))
            if camera.imageFromCamera(poses[1].apply(p)).map({ $0.y > 60 && $0.y < 420 && $0.x > 0 && $0.x < 640 }) == true { points.append(p) }
        }
        let descriptors = (0..<count).map { _ in normalizedDescriptor((0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }) }
        let pixels0 = points.map { camera.imageFromCamera(poses[0].apply($0))! }
        let pixels1 = points.map { camera.imageFromCamera(poses[1].apply($0))! }
        // Pure sideways motion: epipolar lines are image rows; decoys 50 px below the true point.
        let decoys = pixels1.map { $0 + Vector2(0, 50) }
        let noisy = descriptors.map { d in normalizedDescriptor(d.map { $0 + Float.random(in: -0.02...0.02, using: &rng) }) }
        let features = try FeatureStore(path: folder + "/feats.h5", mode: .create)
        try features.write(names[0], .fixture(pixels: pixels0, descriptors: descriptors.flatMap { $0 }, dimension: dimension))
        try features.write(names[1], .fixture(pixels: pixels1 + decoys, descriptors: (noisy + descriptors).flatMap { $0 }, dimension: dimension))
        try features.flush()
        try PairsFile.write([ImagePair(names[0], names[1])], to: folder + "/pairs.txt")

        func correct(guided: Bool) throws -> (correct: Int, total: Int) {
            let output = folder + (guided ? "/guided.h5" : "/plain.h5")
            var task = MatchTask(pairsFile: folder + "/pairs.txt", featuresFile: folder + "/feats.h5", output: output, ratio: 0.8, mutual: true)
            if guided { task.epipolarModel = folder + "/reference" }
            _ = try task.run()
            let matches = try XCTUnwrap(try MatchStore(path: output, mode: .read).read(names[0], names[1]))
            return (matches.filter { $0.index0 == $0.index1 }.count, matches.count)
        }
        let plain = try correct(guided: false), guided = try correct(guided: true)
        XCTAssertEqual(plain.correct, 0)
        XCTAssertEqual(guided.correct, count)
        XCTAssertEqual(guided.total, count)

        // A model that holds only one of the two images: the pair is matched unguided, with a warning.
        var partial = model
        partial.images[2] = nil
        try FileManager.default.createDirectory(atPath: folder + "/partial", withIntermediateDirectories: true)
        try partial.write(folder: folder + "/partial", format: .text)
        var task = MatchTask(pairsFile: folder + "/pairs.txt", featuresFile: folder + "/feats.h5", output: folder + "/partial.h5", ratio: 0.8, mutual: true)
        task.epipolarModel = folder + "/partial"
        var warnings: [String] = []
        _ = try task.run(warn: { warnings.append($0) })
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("1 of 1 pairs name an image the model does not hold") == true, "\(warnings)")
        let unguided = try XCTUnwrap(try MatchStore(path: folder + "/partial.h5", mode: .read).read(names[0], names[1]))
        XCTAssertEqual(unguided.filter { $0.index0 == $0.index1 }.count, 0)
    }

    /// `pointsModel`: the database image has each query descriptor twice, an exact copy on a
    /// keypoint without a 3D point and a perturbed copy on one with a point. Matched with every
    /// keypoint, each query keypoint takes the exact copy; matched to the points, the perturbed
    /// one, numbered as in the features. A map whose 2D points are not the features' keypoints is
    /// refused naming it, before any output is written; a pair ending outside the map is matched
    /// with every keypoint and said.
    func testMatchingToPointsUsesOnlyKeypointsWithA3DPoint() throws {
        let folder = TestSupport.temporaryFolder(self)
        var rng = SeededGenerator(seed: 8)
        let count = 40, dimension = 8
        let descriptors = (0..<count).map { _ in normalizedDescriptor((0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) }) }
        let perturbed = descriptors.map { d in normalizedDescriptor(d.map { $0 + Float.random(in: -0.03...0.03, using: &rng) }) }
        let pixels = (0..<(2 * count)).map { _ in Vector2(Double.random(in: 0..<640, using: &rng), Double.random(in: 0..<480, using: &rng)) }
        let names = ["query/q.jpg", "db/a.jpg", "db/outside.jpg"]
        let features = try FeatureStore(path: folder + "/feats.h5", mode: .create)
        try features.write(names[0], .fixture(pixels: Array(pixels[..<count]), descriptors: descriptors.flatMap { $0 }, dimension: dimension))
        for name in names[1...] {
            try features.write(name, .fixture(pixels: pixels, descriptors: (descriptors + perturbed).flatMap { $0 }, dimension: dimension))
        }
        try features.flush()
        try PairsFile.write([ImagePair(names[0], names[1]), ImagePair(names[0], names[2])], to: folder + "/pairs.txt")

        func map(points2D: Int) throws -> String {
            var model = ColmapModel()
            model.cameras[1] = try Camera(model: .pinhole, width: 640, height: 480, params: [500, 500, 320, 240])
            var image = ColmapModel.ModelImage(id: 1, name: names[1], cameraID: 1, camFromWorld: Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: 0), translation: .zero),
                                               points2D: (0..<points2D).map { ColmapModel.Point2D(xy: pixels[$0 % pixels.count]) })
            for k in count..<(2 * count) {
                image.points2D[k].point3DID = UInt64(k)
                model.points3D[UInt64(k)] = .init(xyz: Vector3(0, 0, 5), track: [.init(imageID: 1, point2DIndex: UInt32(k))])
            }
            model.images[1] = image
            let path = folder + "/map\(points2D)"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try model.write(folder: path, format: .binary)
            return path
        }
        func matches(_ pointsModel: String?, output: String, warn: @escaping (String) -> Void = { _ in }) throws -> [[(Int, Int)]] {
            var task = MatchTask(pairsFile: folder + "/pairs.txt", featuresFile: folder + "/feats.h5", output: folder + output, ratio: nil, mutual: true)
            task.pointsModel = pointsModel
            _ = try task.run(warn: warn)
            let store = try MatchStore(path: folder + output, mode: .read)
            return try names[1...].map { name in try XCTUnwrap(try store.read(names[0], name)).map { ($0.index0, $0.index1) } }
        }
        let every = try matches(nil, output: "/every.h5")
        XCTAssertEqual(every[0].count, count)
        XCTAssertTrue(every[0].allSatisfy { $0.1 == $0.0 }, "\(every[0])")

        var warnings: [String] = []
        let toPoints = try matches(try map(points2D: 2 * count), output: "/points.h5") { warnings.append($0) }
        XCTAssertEqual(toPoints[0].count, count)
        XCTAssertTrue(toPoints[0].allSatisfy { $0.1 == $0.0 + count }, "\(toPoints[0])")
        // The image the map does not hold: every keypoint, and a warning that says so.
        XCTAssertTrue(toPoints[1].allSatisfy { $0.1 == $0.0 }, "\(toPoints[1])")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("1 of 2 pairs end in an image the map does not hold") == true, "\(warnings)")

        let other = try map(points2D: 2 * count + 1)
        XCTAssertThrowsError(try matches(other, output: "/other.h5")) { error in
            XCTAssertTrue("\(error)".contains(other) && "\(error)".contains("not triangulated from these features"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/other.h5"), "checked before the output is opened")
        XCTAssertThrowsError(try matches(folder + "/no-such-map", output: "/none.h5"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/none.h5"))
        var both = MatchTask(pairsFile: folder + "/pairs.txt", featuresFile: folder + "/feats.h5", output: folder + "/both.h5", ratio: nil, mutual: true)
        both.pointsModel = other
        both.epipolarModel = other
        XCTAssertThrowsError(try both.validate())
    }

    func normalizedDescriptor(_ v: [Float]) -> [Float] {
        let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / n }
    }

    /// `--matcher lightglue` through the store: the published implementation's matches and
    /// `matching_scores0` for a real pair (the goldens of LightGlueTests, written as a feature
    /// store in reloc's convention), and the matcher's name in words.
    func testLightGlueWritesThePublishedMatchesAndScores() throws {
        guard let weights = TestSupport.publishedWeights("aliked_lightglue.pth") else { throw XCTSkip("aliked_lightglue.pth is not in weights/") }
        // LightGlue's goldens (tools/make_lightglue_goldens.py; the same file as FeaturesTests', one
        // blob in git): what LightGlue gives there, `reloc match` must store.
        let goldens = try SafeTensors(path: TestSupport.fixture("RelocTests", "lightglue_goldens.safetensors"))
        let folder = TestSupport.temporaryFolder(self)
        let names = ["graf1.png", "graf3.png"]
        let store = try FeatureStore(path: folder + "/feats-aliked-n16.h5", mode: .create)
        for side in 0..<2 {
            let points = try goldens.floats("aliked.graf.keypoints\(side)"), size = try goldens.floats("aliked.graf.image_size\(side)")
            // reloc's convention puts the top-left pixel's centre at (0.5, 0.5).
            try store.write(names[side], ImageFeatures(
                keypoints: stride(from: 0, to: points.count, by: 2).map { SIMD2(points[$0] + 0.5, points[$0 + 1] + 0.5) },
                descriptors: try goldens.floats("aliked.graf.descriptors\(side)"), descriptorDimension: 128, scores: [],
                imageSize: SIMD2(Int(size[0]), Int(size[1]))))
        }
        try store.flush()
        try PairsFile.write([ImagePair(names[0], names[1])], to: folder + "/pairs.txt")
        var task = MatchTask(pairsFile: folder + "/pairs.txt", featuresFile: folder + "/feats-aliked-n16.h5", output: folder + "/m.h5",
                             ratio: nil, mutual: true)
        task.lightGlue = try LightGlueSettings.resolve(.auto, featuresName: task.featuresFile, weightsFolder: (weights as NSString).deletingLastPathComponent)
        XCTAssertEqual(task.matcherName, "lightglue")
        XCTAssertTrue(task.matcherDescription.hasPrefix("lightglue ("), task.matcherDescription)
        let summary = try task.run()
        let expected = try goldens.floats("aliked.graf.adaptive.matches0"), scores = try goldens.floats("aliked.graf.adaptive.scores0")
        XCTAssertEqual(summary.matches, expected.filter { $0 >= 0 }.count)
        let matches = try XCTUnwrap(try MatchStore(path: folder + "/m.h5", mode: .read).read(names[0], names[1]))
        XCTAssertEqual(matches.map { [$0.index0, $0.index1] }, expected.enumerated().filter { $0.element >= 0 }.map { [$0.offset, Int($0.element)] })
        for match in matches { XCTAssertEqual(match.score, scores[match.index0], accuracy: 1e-4) }

        // Settings in the name; nearest neighbours when asked or when no weights fit the features.
        var settings = try XCTUnwrap(task.lightGlue)
        settings.depthConfidence = -1; settings.threshold = 0.2
        XCTAssertEqual(settings.name, "lightglue-depth-1-th0.2")
        XCTAssertNil(try LightGlueSettings.resolve(.nn, featuresName: "feats-aliked-n16.h5", weightsFolder: folder))
        XCTAssertNil(try LightGlueSettings.resolve(.auto, featuresName: "feats-rootsift.h5", weightsFolder: folder))
        XCTAssertNil(try LightGlueSettings.resolve(.auto, featuresName: "feats-disk.h5", weightsFolder: folder))  // no weights there
        XCTAssertThrowsError(try LightGlueSettings.resolve(.lightglue, featuresName: "feats-disk.h5", weightsFolder: folder)) {
            XCTAssertTrue("\($0)".contains("disk_lightglue.pth"), "\($0)")
        }
        XCTAssertThrowsError(try LightGlueSettings.resolve(.lightglue, featuresName: "feats-sift.h5", weightsFolder: folder))
        // LightGlue does not take guidance from a model.
        task.epipolarModel = folder
        XCTAssertThrowsError(try task.validate())
    }
}
