import Features
import Geometry

extension EpipolarCheck {
    /// The guide for matching image 0's keypoints to image 1's with this epipolar geometry:
    /// each keypoint of image 0 becomes its epipolar line in image 1's normalized (undistorted)
    /// coordinates, and a candidate must lie within `thresholdPixels` of it, converted with
    /// image 1's mean focal length. Keypoints in each camera's pixels (COLMAP convention).
    /// Nil when the two poses share their centre (no epipolar geometry).
    public func guide(keypoints0: [Vector2], camera0: Camera, keypoints1: [Vector2], camera1: Camera,
                      thresholdPixels: Double) -> EpipolarGuide? {
        guard hasBaseline else { return nil }
        let lines = keypoints0.map { pixel -> SIMD3<Float> in
            let x = camera0.normalizedFromImage(pixel)
            let l = essential * Vector3(x.x, x.y, 1)
            let length = (l.x * l.x + l.y * l.y).squareRoot()
            // At the epipole every line passes through it: no constraint (distance 0 for all).
            guard length > 0, length.isFinite else { return SIMD3(0, 0, 0) }
            return SIMD3(Float(l.x / length), Float(l.y / length), Float(l.z / length))
        }
        let points = keypoints1.map { pixel -> SIMD2<Float> in
            let x = camera1.normalizedFromImage(pixel)
            return SIMD2(Float(x.x), Float(x.y))
        }
        return EpipolarGuide(lines0: lines, points1: points, threshold: Float(thresholdPixels / camera1.meanFocal))
    }
}
