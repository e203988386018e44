import Geometry
@testable import Reloc
import XCTest

/// Ground-truth support: which correspondences the true pose reprojects within the threshold,
/// each 3D point once, and how failures split into supported and unsupported ones.
final class GroundTruthSupportTests: XCTestCase {
    func testCountsDistinctPointsThatFitTheTruePose() throws {
        let camera = try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, -0.05])
        let camFromWorld = Rigid3(rotation: Quaternion(axis: Vector3(0.2, 1, 0.1), angle: 0.3), translation: Vector3(0.4, -0.2, 1))
        var rng = SeededGenerator(seed: 7)
        var points2D: [Vector2] = [], points3D: [Vector3] = [], ids: [UInt64] = []
        // 10 points seen where the true pose puts them (within 0.5 px), each twice (two keypoints).
        for k in 0..<10 {
            let inCam = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 4 + rng.nextUnit())
            let world = camFromWorld.inverse.apply(inCam)
            let pixel = camera.imageFromCamera(inCam)!
            for _ in 0..<2 {
                points2D.append(pixel + Vector2(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5))
                points3D.append(world); ids.append(UInt64(k))
            }
        }
        // 5 more 13 px away (outside a 12 px threshold), one behind the camera.
        for k in 0..<5 {
            let inCam = Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, 4)
            points2D.append(camera.imageFromCamera(inCam)! + Vector2(13, 0))
            points3D.append(camFromWorld.inverse.apply(inCam)); ids.append(UInt64(100 + k))
        }
        points2D.append(Vector2(320, 240)); points3D.append(camFromWorld.inverse.apply(Vector3(0, 0, -4))); ids.append(200)
        XCTAssertEqual(GroundTruthSupport.supportedPoints(points2D: points2D, points3D: points3D, pointIDs: ids, camera: camera,
                                                          camFromWorld: camFromWorld, thresholdPixels: 12), 10)
        XCTAssertEqual(GroundTruthSupport.supportedPoints(points2D: points2D, points3D: points3D, pointIDs: ids, camera: camera,
                                                          camFromWorld: camFromWorld, thresholdPixels: 14), 15)
        // Under another pose the same correspondences fit nothing.
        let elsewhere = Rigid3(rotation: camFromWorld.rotation, translation: camFromWorld.translation + Vector3(1, 0, 0))
        XCTAssertEqual(GroundTruthSupport.supportedPoints(points2D: points2D, points3D: points3D, pointIDs: ids, camera: camera,
                                                          camFromWorld: elsewhere, thresholdPixels: 12), 0)
    }

    func testFailuresSplitByTheInlierFloor() {
        let support = GroundTruthSupport(queries: [.init(name: "q/day/a.jpg", condition: "day", supportedPoints: 40, correspondences: 90),
                                                   .init(name: "q/day/b.jpg", condition: "day", supportedPoints: 3, correspondences: 50),
                                                   .init(name: "q/night/c.jpg", condition: "night", supportedPoints: 9, correspondences: 70),
                                                   .init(name: "q/night/d.jpg", condition: "night", supportedPoints: 0, correspondences: 10)],
                                         thresholdPixels: 12, minInliers: 6)
        // a within, b failed (unsupported), c failed (supported), d has no result (unsupported).
        let report = EvaluationReport(thresholds: ErrorThreshold.aachen,
                                      queries: [QueryError(name: "q/day/a.jpg", condition: "day", positionError: 0.1, rotationErrorDegrees: 1),
                                                QueryError(name: "q/day/b.jpg", condition: "day", positionError: 3, rotationErrorDegrees: 1),
                                                QueryError(name: "q/night/c.jpg", condition: "night", positionError: 0.1, rotationErrorDegrees: 4),
                                                QueryError(name: "q/night/d.jpg", condition: "night", positionError: .infinity,
                                                           rotationErrorDegrees: .infinity)],
                                      conditions: [], queriesWithoutGroundTruth: [], unmatchedResults: [])
        let failures = support.failures(report, within: ErrorThreshold.aachen[0])
        XCTAssertEqual(failures.map(\.condition), ["all", "day", "night"])
        XCTAssertEqual(failures.map { [$0.queries, $0.failed, $0.unsupported] }, [[4, 3, 2], [2, 1, 1], [2, 2, 1]])
        let line = GroundTruthSupport.formatLine(failures, threshold: ErrorThreshold.aachen[0], minInliers: 6)
        XCTAssertTrue(line.contains("night 2 of 2 (1 with < 6"), line)
        XCTAssertTrue(support.text().contains("q/night/c.jpg night 9 70\n"), support.text())
    }
}
