import Geometry
import XCTest
import _TestSupport

final class CameraTests: XCTestCase {
    static let cameras = TestSupport.cameraOfEachModel

    func testProjectUnprojectRoundTripOverWholeImage() {
        for camera in Self.cameras {
            var worst = 0.0
            for j in 0...24 {
                for i in 0...32 {
                    let pixel = Vector2(Double(camera.width) * Double(i) / 32, Double(camera.height) * Double(j) / 24)
                    let bearing = camera.bearing(forPixel: pixel)
                    XCTAssertEqual(norm(bearing), 1, accuracy: 1e-12)
                    guard let back = camera.imageFromCamera(bearing * 7.5) else {
                        return XCTFail("\(camera.model.name): bearing of \(pixel) is behind the camera")
                    }
                    worst = max(worst, norm(back - pixel))
                }
            }
            XCTAssertLessThan(worst, 1e-6, "\(camera.model.name): worst round-trip error \(worst) px")
        }
    }

    func testUndistortionConvergesTightly() {
        // The normalized point found must reproduce the distorted one to 1e-10.
        for camera in Self.cameras where camera.model.hasDistortion {
            let corner = Vector2(0, 0)
            let uv = camera.normalizedFromImage(corner)
            XCTAssertLessThan(norm(camera.imageFromNormalized(uv) - corner) / camera.meanFocal, 1e-10)
        }
    }

    func testHandComputedProjections() throws {
        // SIMPLE_RADIAL f=100, c=(50,40), k=0.1; point (1, 2, 4): u=0.25, v=0.5, r²=0.3125,
        // factor 1 + 0.03125 → (100·0.2578125 + 50, 100·0.515625 + 40) = (75.78125, 91.5625).
        let camera = try Camera(model: .simpleRadial, width: 100, height: 80, params: [100, 50, 40, 0.1])
        let p = try XCTUnwrap(camera.imageFromCamera(Vector3(1, 2, 4)))
        XCTAssertEqual(p.x, 75.78125, accuracy: 1e-12)
        XCTAssertEqual(p.y, 91.5625, accuracy: 1e-12)
        // OPENCV tangential terms: u=0.5, v=0 with only p2 = 0.01 → du = p2·(r² + 2u²) = 0.0075.
        let opencv = try Camera(model: .opencv, width: 100, height: 100, params: [200, 100, 50, 50, 0, 0, 0, 0.01])
        let q = try XCTUnwrap(opencv.imageFromCamera(Vector3(0.5, 0, 1)))
        XCTAssertEqual(q.x, 200 * 0.5075 + 50, accuracy: 1e-12)
        XCTAssertEqual(q.y, 50, accuracy: 1e-12)
        // Points behind the camera do not project.
        XCTAssertNil(camera.imageFromCamera(Vector3(0, 0, -1)))
        XCTAssertNil(camera.imageFromCamera(Vector3(1, 1, 0)))
    }

    func testDistortionJacobianMatchesFiniteDifferences() {
        var rng = SeededGenerator(seed: 5)
        for camera in Self.cameras {
            for _ in 0..<50 {
                let uv = Vector2(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5)
                let (row0, row1) = camera.distortionJacobian(uv)
                let h = 1e-6
                for axis in 0..<2 {
                    var step = Vector2.zero
                    step[axis] = h
                    let f = { (x: Vector2) in x + camera.distortion(x) }
                    let numeric = (f(uv + step) - f(uv - step)) / (2 * h)
                    XCTAssertEqual(numeric.x, row0[axis], accuracy: 1e-7, "\(camera.model.name)")
                    XCTAssertEqual(numeric.y, row1[axis], accuracy: 1e-7, "\(camera.model.name)")
                }
            }
        }
    }

    func testScalingKeepsNormalizedCoordinates() throws {
        // A point at relative image position (a, b) stays at (a, b) after resizing: the
        // 0.5-centre convention makes continuous coordinates scale exactly.
        for camera in Self.cameras {
            let half = try camera.scaled(toWidth: camera.width / 2, height: camera.height / 2)
            let pixel = Vector2(Double(camera.width) * 0.3, Double(camera.height) * 0.7)
            let uv = camera.normalizedFromImage(pixel)
            XCTAssertLessThan(norm(half.imageFromNormalized(uv) - pixel / 2), 1e-9, camera.model.name)
        }
    }

    func testInvalidCamerasAreRejected() {
        XCTAssertThrowsError(try Camera(modelName: "FISHEYE_X", width: 10, height: 10, params: [1, 2, 3])) {
            XCTAssertEqual($0 as? GeometryError, .unknownCameraModel("FISHEYE_X"))
        }
        XCTAssertThrowsError(try Camera(model: .pinhole, width: 10, height: 10, params: [1, 2, 3])) {
            XCTAssertEqual($0 as? GeometryError, .wrongParameterCount(model: "PINHOLE", expected: 4, got: 3))
        }
        XCTAssertThrowsError(try Camera(model: .simplePinhole, width: 10, height: 10, params: [-5, 2, 3]))
        XCTAssertThrowsError(try Camera(model: .simplePinhole, width: 0, height: 10, params: [5, 2, 3]))
        XCTAssertThrowsError(try Camera(model: .simpleRadial, width: 10, height: 10, params: [5, 2, 3, .nan]))
    }

    func testModelTableMatchesColmap() {
        XCTAssertEqual(CameraModel.allCases.map(\.colmapID), [0, 1, 2, 3, 4])
        XCTAssertEqual(CameraModel.allCases.map(\.parameterCount), [3, 4, 4, 5, 8])
        XCTAssertEqual(CameraModel(name: "OPENCV"), .opencv)
        XCTAssertNil(CameraModel(name: "opencv"))
    }
}

