import Geometry

/// Checks matches between two images with known poses against their epipolar geometry: the
/// Sampson distance of normalized (undistorted) points to the essential matrix
/// E = [t]ₓR of cam1FromCam0, converted to pixels with the two mean focal lengths.
public struct EpipolarCheck: Sendable {
    let essential: Matrix3x3
    let pixelScale: Double
    /// False when the two camera centres coincide: E is zero and constrains nothing.
    let hasBaseline: Bool

    public init(cam0FromWorld: Rigid3, camera0: Camera, cam1FromWorld: Rigid3, camera1: Camera) {
        let cam1FromCam0 = cam1FromWorld * cam0FromWorld.inverse
        let t = cam1FromCam0.translation
        let skew = Matrix3x3(rows: Vector3(0, -t.z, t.y), Vector3(t.z, 0, -t.x), Vector3(-t.y, t.x, 0))
        essential = skew * cam1FromCam0.rotation.matrix
        hasBaseline = dot(t, t) > 0
        pixelScale = (camera0.meanFocal * camera1.meanFocal).squareRoot()
    }

    /// Sampson distance, in pixels, between normalized points x0 (image 0) and x1 (image 1).
    /// Infinite when the baseline is zero (no epipolar geometry).
    public func sampsonPixels(_ x0: Vector2, _ x1: Vector2) -> Double {
        let p0 = Vector3(x0.x, x0.y, 1), p1 = Vector3(x1.x, x1.y, 1)
        let ep0 = essential * p0
        let etp1 = essential.transposed * p1
        let numerator = dot(p1, ep0)
        let denominator = ep0.x * ep0.x + ep0.y * ep0.y + etp1.x * etp1.x + etp1.y * etp1.y
        guard denominator > 0 else { return .infinity }
        return abs(numerator) / denominator.squareRoot() * pixelScale
    }
}
