import _TestSupport
@testable import Formats
import Geometry
import XCTest

final class ColmapModelUprightTests: XCTestCase {
    /// Cameras that turn about the world's vertical and tilt a little are upright; cameras with
    /// random rotations are not; one image says nothing.
    func testUprightWhenTheCamerasAgreeOnDown() throws {
        var rng = SeededGenerator(seed: 41)
        func model(_ rotation: () -> Quaternion) -> ColmapModel {
            var model = ColmapModel()
            model.cameras[1] = try! Camera(model: .simplePinhole, width: 100, height: 100, params: [100, 50, 50])
            for k in 1...30 {
                model.images[UInt32(k)] = .init(id: UInt32(k), name: "\(k).jpg", cameraID: 1,
                                                camFromWorld: Rigid3(rotation: rotation(), translation: Vector3(0, 0, Double(k))))
            }
            return model
        }
        // World y down (as the synthetic datasets): yaw anywhere, pitch and roll within ±12°.
        let upright = model {
            let yaw = Quaternion(axis: Vector3(0, 1, 0), angle: Double.random(in: -.pi ... .pi, using: &rng))
            let pitch = Quaternion(axis: Vector3(1, 0, 0), angle: Double.random(in: -0.2...0.2, using: &rng))
            let roll = Quaternion(axis: Vector3(0, 0, 1), angle: Double.random(in: -0.2...0.2, using: &rng))
            return roll * pitch * yaw
        }
        XCTAssertTrue(upright.imagesLookUpright())
        // Ten of thirty turned sideways: not upright.
        var mixed = upright
        for k in 1...10 { mixed.images[UInt32(k)]!.camFromWorld.rotation = Quaternion(axis: Vector3(0, 0, 1), angle: .pi / 2) * mixed.images[UInt32(k)]!.camFromWorld.rotation }
        XCTAssertFalse(mixed.imagesLookUpright())
        let random = model { TestSupport.randomRigid(&rng, scale: 1).rotation }
        XCTAssertFalse(random.imagesLookUpright())
        var single = ColmapModel()
        single.images[1] = upright.images[1]
        XCTAssertFalse(single.imagesLookUpright())
    }

    func testRealReferenceModelsAreUpright() throws {
        guard let fountain = TestSupport.sharedDataset("fountain"), let sacre = TestSupport.sharedDataset("sacre_coeur") else {
            throw XCTSkip("../shared/datasets absent")
        }
        XCTAssertTrue(try ColmapModel.read(folder: fountain + "/3D-models/reference").imagesLookUpright())
        XCTAssertTrue(try ColmapModel.read(folder: sacre + "/3D-models/reference").imagesLookUpright())
    }
}
