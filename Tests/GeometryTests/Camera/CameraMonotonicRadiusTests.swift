import Geometry
import XCTest

/// The radius where a distortion model stops being a projection, against a numerical scan of
/// the distorted radius, and projections beyond it refused.
final class CameraMonotonicRadiusTests: XCTestCase {
    /// The first radius where r_d(r) = |distorted normalized point along the x axis| stops
    /// growing, by a fine scan of the camera's own distortion (independent of the closed form).
    func scannedRadius(_ camera: Camera, upTo limit: Double = 20) -> Double {
        var previous = 0.0
        var r = 0.0
        while r < limit {
            r += 1e-4
            let distorted = r + camera.distortion(Vector2(r, 0)).x
            if distorted <= previous { return r - 1e-4 }
            previous = distorted
        }
        return .infinity
    }

    func testRadiusMatchesAScanOfTheDistortion() throws {
        let cases: [(CameraModel, [Double])] = [
            (.simpleRadial, [500, 320, 240, -0.1]),
            (.simpleRadial, [500, 320, 240, -0.08]),
            (.radial, [500, 320, 240, -0.3, 0.02]),   // two positive roots: the first counts
            (.radial, [500, 320, 240, 0.1, -0.01]),   // k2 < 0: one positive root
            (.radial, [500, 320, 240, -0.1, 0]),
            (.opencv, [500, 500, 320, 240, -0.25, 0.01, 0, 0]),
        ]
        for (model, params) in cases {
            let camera = try Camera(model: model, width: 640, height: 480, params: params)
            let scanned = scannedRadius(camera)
            XCTAssertTrue(camera.monotonicRadius.isFinite, "\(model.name) \(params)")
            XCTAssertEqual(camera.monotonicRadius, scanned, accuracy: 2e-4, "\(model.name) \(params)")
        }
        // SIMPLE_RADIAL: 1/√(−3k), stated in the header.
        XCTAssertEqual(try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, -0.1]).monotonicRadius,
                       1 / (0.3).squareRoot(), accuracy: 1e-12)
    }

    func testModelsThatNeverFoldHaveNoRadius() throws {
        let cases: [(CameraModel, [Double])] = [
            (.simplePinhole, [500, 320, 240]),
            (.pinhole, [500, 510, 320, 240]),
            (.simpleRadial, [500, 320, 240, 0.05]),
            (.simpleRadial, [500, 320, 240, 0]),
            (.radial, [500, 320, 240, -0.2, 0.02]),  // 9·k1² < 20·k2: the derivative never vanishes
            (.opencv, [500, 500, 320, 240, 0.02, 0.001, 0.001, -0.001]),
        ]
        for (model, params) in cases {
            let camera = try Camera(model: model, width: 640, height: 480, params: params)
            XCTAssertEqual(camera.monotonicRadius, .infinity, "\(model.name) \(params)")
            XCTAssertEqual(scannedRadius(camera), .infinity, "\(model.name) \(params)")
        }
    }

    func testAPointFarOutsideTheFieldOfViewIsNotProjectedIntoTheImage() throws {
        // k = −0.1: r* = 1.83 (61° off the axis). A point at r = 3.1 (72°) folds back to
        // r_d = 3.1 · (1 − 0.961) = 0.12, i.e. pixel (380, 240), well inside the 640×480 image.
        let camera = try Camera(model: .simpleRadial, width: 640, height: 480, params: [500, 320, 240, -0.1])
        let folded = Vector3(3.1, 0, 1)
        let formula = camera.imageFromNormalized(Vector2(3.1, 0))
        XCTAssertEqual(formula.x, 320 + 500 * 3.1 * (1 - 0.1 * 3.1 * 3.1), accuracy: 1e-9)
        XCTAssertTrue((0...640).contains(formula.x), "the formula alone folds the point into the image")
        XCTAssertNil(camera.imageFromCamera(folded))
        XCTAssertNil(camera.imageFromCamera(Vector3(0, -2.5, 1) * 4))
        // Just inside the radius it is a pixel (outside the image, as it should be).
        let inside = try XCTUnwrap(camera.imageFromCamera(Vector3(1.8, 0, 1)))
        XCTAssertGreaterThan(inside.x, 640)
        // Every pixel of the image comes from inside the radius: the image is not cut.
        for corner in [Vector2(0, 0), Vector2(640, 480), Vector2(0, 480)] {
            XCTAssertNotNil(camera.imageFromCamera(camera.bearing(forPixel: corner)))
        }
    }
}
