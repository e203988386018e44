import _TestSupport
import Features
import Formats
import Foundation
import Geometry
@testable import Reloc
import XCTest

final class SyntheticDatasetTests: XCTestCase {
    /// A marker disc on a façade, rendered through each camera model, lands where the camera
    /// projects its centre (≤ 0.5 px): the renderer and the camera models agree on pixels.
    func testRenderedMarkerMatchesProjectionForEveryCameraModel() throws {
        let width = 240, height = 180
        let w = Double(width), h = Double(height)
        let cameras = [
            try Camera(model: .simplePinhole, width: width, height: height, params: [200, 120, 90]),
            try Camera(model: .pinhole, width: width, height: height, params: [205, 195, 118.5, 92]),
            try Camera(model: .simpleRadial, width: width, height: height, params: [190, w / 2, h / 2, -0.12]),
            try Camera(model: .radial, width: width, height: height, params: [190, w / 2 + 2, h / 2 - 1, -0.1, 0.02]),
            try Camera(model: .opencv, width: width, height: height, params: [190, 192, w / 2, h / 2, -0.1, 0.01, 0.002, -0.001]),
        ]
        // Camera in the street looking at the left façade (x = -6), marker up and to the side
        // so that distortion moves it noticeably.
        let camFromWorld = SyntheticDataset.cameraPose(centre: Vector3(0, -1.6, 20), yaw: -.pi / 2, pitch: 0)
        let marker = SyntheticScene.Marker(center: Vector3(-6, -2.6, 17.6), radius: 0.12)
        var scene = SyntheticScene(seed: 3)
        var withMarker = scene
        withMarker.markers = [marker]
        let lighting = SyntheticLighting(kind: .day(sunDirection: normalized(Vector3(0.3, -0.8, 0.2))), exposure: 0.3)
        for camera in cameras {
            let plain = SyntheticRenderer(scene: scene, samplesPerAxis: 4).render(camera: camera, camFromWorld: camFromWorld, lighting: lighting, seed: 1)
            let marked = SyntheticRenderer(scene: withMarker, samplesPerAxis: 4).render(camera: camera, camFromWorld: camFromWorld, lighting: lighting, seed: 1)
            // Centroid of the difference, in COLMAP pixel coordinates (pixel centres at +0.5).
            var sum = 0.0, sx = 0.0, sy = 0.0
            for y in 0..<height {
                for x in 0..<width {
                    var d = 0.0
                    for c in 0..<3 { d += Double(marked[x, y, c]) - Double(plain[x, y, c]) }
                    guard d > 0 else { continue }
                    sum += d; sx += d * (Double(x) + 0.5); sy += d * (Double(y) + 0.5)
                }
            }
            XCTAssertGreaterThan(sum, 0, "\(camera.model.name): marker not visible")
            let centroid = Vector2(sx / sum, sy / sum)
            let projected = try XCTUnwrap(camera.imageFromCamera(camFromWorld.apply(marker.center)))
            XCTAssertLessThan(norm(centroid - projected), 0.5, "\(camera.model.name): rendered \(centroid), projected \(projected)")
        }
        scene.markers = []
    }

    func testTinyDatasetLoadsAndIsDeterministic() throws {
        let folder = TestSupport.temporaryFolder(self)
        let a = folder + "/a", b = folder + "/b"
        let summary = try SyntheticDataset.generate(folder: a, preset: .tiny, seed: 5)
        XCTAssertEqual([summary.databaseImages, summary.dayQueries, summary.nightQueries], [12, 4, 4])
        _ = try SyntheticDataset.generate(folder: b, preset: .tiny, seed: 5)

        // Files load with the foundation readers.
        let model = try ColmapModel.read(folder: a + "/3D-models/reference")
        XCTAssertEqual(model.images.count, 12)
        XCTAssertTrue(model.points3D.isEmpty)
        let day = try QueryList.read(path: a + "/queries/day_time_queries_with_intrinsics.txt")
        let night = try QueryList.read(path: a + "/queries/night_time_queries_with_intrinsics.txt")
        XCTAssertEqual(day.count, 4)
        XCTAssertEqual(night.count, 4)
        XCTAssertTrue(day.contains { $0.camera.model == .simpleRadial && $0.camera.params[3] != 0 })
        let truth = try PoseFile.read(path: a + "/ground_truth.txt")
        XCTAssertEqual(truth.count, 8)
        let image = try JPEG.read(path: a + "/images/" + day[0].name)
        XCTAssertEqual([image.width, image.height], [480, 360])

        // Queries are not copies of database poses: 1–5 m (±clamping) and ≥ 5° away from every one.
        for query in truth.prefix(4) {
            let nearest = model.images.values.map { norm($0.camFromWorld.cameraCenter - query.camFromWorld.cameraCenter) }.min()!
            let angle = model.images.values.map { $0.camFromWorld.rotation.angularDistance(to: query.camFromWorld.rotation) * 180 / .pi }.min()!
            XCTAssertTrue(nearest > 0.5 || angle > 4.9, "\(query.name): \(nearest) m, \(angle)° from a database pose")
        }

        // Same seed → identical bytes, file by file.
        let files = try FileManager.default.subpathsOfDirectory(atPath: a).filter { !$0.hasSuffix("/") }.sorted()
        XCTAssertEqual(files, try FileManager.default.subpathsOfDirectory(atPath: b).sorted())
        for file in files where !isDirectory(a + "/" + file) {
            XCTAssertEqual(FileManager.default.contents(atPath: a + "/" + file), FileManager.default.contents(atPath: b + "/" + file), file)
        }

        // Night renderings differ strongly from day ones in intensity statistics.
        for k in 0..<4 {
            let dayImage = try JPEG.read(path: a + "/images/" + day[k].name, channels: 1)
            let nightImage = try JPEG.read(path: a + "/images/" + night[k].name, channels: 1)
            let (dayMean, dayContrast) = statistics(dayImage), (nightMean, nightContrast) = statistics(nightImage)
            XCTAssertLessThan(nightMean, 0.7 * dayMean, "query \(k): night mean \(nightMean) vs day \(dayMean)")
            XCTAssertNotEqual(nightContrast, dayContrast)
        }
    }

    func isDirectory(_ path: String) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
    }

    func statistics(_ image: Image8) -> (mean: Double, deviation: Double) {
        let values = image.pixels.map(Double.init)
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }
}
