import Foundation
import Geometry
import Reloc

/// `RelocBench model-io [--images N] [--points-per-image K]`: time to format and parse a
/// COLMAP model in text and binary form (in memory, so disk speed does not enter).
enum ModelIOBenchmark {
    static func run(_ arguments: [String]) throws {
        var imageCount = 500, pointsPerImage = 2000
        var k = 0
        while k < arguments.count {
            switch arguments[k] {
            case "--images": imageCount = Int(arguments[k + 1]) ?? imageCount; k += 2
            case "--points-per-image": pointsPerImage = Int(arguments[k + 1]) ?? pointsPerImage; k += 2
            default: throw RelocError.invalidArgument("unknown option \(arguments[k])")
            }
        }
        let model = try makeModel(images: imageCount, pointsPerImage: pointsPerImage)
        print("model: \(model.images.count) images, \(model.points3D.count) points, \(model.observationCount) observations")
        print("format  write [s]  read [s]  size [MB]")
        let names = ColmapFiles(cameras: "cameras", images: "images", points3D: "points3D")

        var start = Date()
        let text = model.formatText()
        let textWrite = Date().timeIntervalSince(start)
        start = Date()
        let fromText = try ColmapModel.parseText(text, names: names)
        let textRead = Date().timeIntervalSince(start)
        let textSize = Double(text.cameras.utf8.count + text.images.utf8.count + text.points3D.utf8.count) / 1e6

        start = Date()
        let binary = model.formatBinary()
        let binaryWrite = Date().timeIntervalSince(start)
        start = Date()
        let fromBinary = try ColmapModel.parseBinary(binary, names: names)
        let binaryRead = Date().timeIntervalSince(start)
        let binarySize = Double(binary.cameras.count + binary.images.count + binary.points3D.count) / 1e6

        print(String(format: "txt     %9.3f  %8.3f  %9.1f", textWrite, textRead, textSize))
        print(String(format: "bin     %9.3f  %8.3f  %9.1f", binaryWrite, binaryRead, binarySize))
        // Keep the results alive and check them, so nothing is optimized away.
        guard fromText == model, fromBinary == model else { throw RelocError.invalidArgument("round trip changed the model") }

        // From a folder (page cache): the full read against cameras and poses only, what the
        // stages that need no points read (upright check, triangulate's reference model).
        let folder = NSTemporaryDirectory() + "reloc-model-io-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try model.write(folder: folder, format: .binary)
        start = Date()
        let full = try ColmapModel.read(folder: folder)
        let fullRead = Date().timeIntervalSince(start)
        start = Date()
        let poses = try ColmapModel.read(folder: folder, content: .camerasAndPoses)
        let posesRead = Date().timeIntervalSince(start)
        guard full.images.count == poses.images.count else { throw RelocError.invalidArgument("the two reads disagree") }
        print(String(format: "bin folder: full read %.3f s, cameras and poses only %.3f s", fullRead, posesRead))
    }

    static func makeModel(images imageCount: Int, pointsPerImage: Int) throws -> ColmapModel {
        var rng = SeededGenerator(seed: 7)
        var model = ColmapModel()
        model.cameras[1] = try Camera(model: .simpleRadial, width: 1600, height: 1200, params: [1400, 800, 600, -0.01])
        var nextPoint: UInt64 = 1
        for i in 1...imageCount {
            var points: [ColmapModel.Point2D] = []
            for j in 0..<pointsPerImage {
                let xy = Vector2(rng.nextUnit() * 1600, rng.nextUnit() * 1200)
                if j % 3 == 0 {
                    model.points3D[nextPoint] = ColmapModel.Point3D(
                        xyz: Vector3(rng.nextGaussian(), rng.nextGaussian(), 5 + rng.nextGaussian()),
                        color: SIMD3(1, 2, 3), error: rng.nextUnit(),
                        track: [ColmapModel.TrackElement(imageID: UInt32(i), point2DIndex: UInt32(j))])
                    points.append(ColmapModel.Point2D(xy: xy, point3DID: nextPoint))
                    nextPoint += 1
                } else {
                    points.append(ColmapModel.Point2D(xy: xy))
                }
            }
            let q = Quaternion(rotationVector: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()))
            model.images[UInt32(i)] = ColmapModel.ModelImage(
                id: UInt32(i), name: "db/\(i).jpg", cameraID: 1,
                camFromWorld: Rigid3(rotation: q, translation: Vector3(rng.nextGaussian(), 0, 1)), points2D: points)
        }
        return model
    }
}
