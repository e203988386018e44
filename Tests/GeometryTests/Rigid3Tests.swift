import Geometry
import XCTest
import _TestSupport

final class Rigid3Tests: XCTestCase {
    func testInverseAndCompose() {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<1000 {
            let bFromA = TestSupport.randomRigid(&rng), cFromB = TestSupport.randomRigid(&rng)
            let x = Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * 5
            XCTAssertLessThan(norm(bFromA.inverse.apply(bFromA.apply(x)) - x), 1e-10)
            XCTAssertLessThan(norm((cFromB * bFromA).apply(x) - cFromB.apply(bFromA.apply(x))), 1e-10)
            assertPoseClose(bFromA * bFromA.inverse, .identity, rotationDegrees: 1e-9, translation: 1e-10)
        }
    }

    func testCameraCenterIsMappedToOrigin() {
        var rng = SeededGenerator(seed: 4)
        for _ in 0..<100 {
            let camFromWorld = TestSupport.randomRigid(&rng)
            // c = -Rᵀt is the point that the camera frame puts at its origin.
            XCTAssertLessThan(norm(camFromWorld.apply(camFromWorld.cameraCenter)), 1e-10)
        }
    }

    func testHandComputedCenter() {
        // R = 90° about z, t = (1, 2, 3): c = -Rᵀ t = -(2, -1, 3).
        let pose = Rigid3(rotation: Quaternion(axis: Vector3(0, 0, 1), angle: .pi / 2), translation: Vector3(1, 2, 3))
        XCTAssertLessThan(norm(pose.cameraCenter - Vector3(-2, 1, -3)), 1e-14)
    }

    func testMatrixFormAppliesTheSameTransformAndConvertsBack() {
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<100 {
            let bFromA = TestSupport.randomRigid(&rng)
            let matrixForm = Rigid3Matrix(bFromA)
            let x = Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * 10
            XCTAssertLessThan(norm(matrixForm.apply(x) - bFromA.apply(x)), 1e-12 * max(1, norm(x)))
            let back = matrixForm.rigid3
            // q and −q are the same rotation.
            XCTAssertLessThan(back.rotation.angularDistance(to: bFromA.rotation), 1e-12)
            XCTAssertEqual(back.translation, bFromA.translation)
        }
    }
}
