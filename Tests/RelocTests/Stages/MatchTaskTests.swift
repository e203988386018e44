import Geometry
@testable import Reloc
import XCTest
import _TestSupport

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

    func normalizedDescriptor(_ v: [Float]) -> [Float] {
        let n = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / n }
    }
}
