/// The absolute pose problem for `loRansac`: 2D-3D correspondences with the 2D side as
/// undistorted normalized image points (the camera's `normalizedFromImage`). Residuals are
/// reprojection errors on the normalized plane, so the RANSAC threshold is pixels / focal,
/// as in PoseLib. Minimal solver: Lambda Twist P3P; local optimisation: Levenberg–Marquardt
/// with a truncated loss.
public struct AbsolutePoseEstimator: RobustEstimator {
    public let normalizedPoints: [Vector2]
    public let worldPoints: [Vector3]
    let bearings: [Vector3]

    /// - Precondition: the arrays have the same count.
    public init(normalizedPoints: [Vector2], worldPoints: [Vector3]) {
        precondition(normalizedPoints.count == worldPoints.count, "mismatched correspondence counts")
        self.normalizedPoints = normalizedPoints
        self.worldPoints = worldPoints
        bearings = normalizedPoints.map { normalized(Vector3($0.x, $0.y, 1)) }
    }

    public var sampleSize: Int { 3 }
    public var dataCount: Int { worldPoints.count }

    public func minimalModels(sample: [Int], into models: inout [Rigid3]) {
        solveP3P(bearings: (bearings[sample[0]], bearings[sample[1]], bearings[sample[2]]),
                 points: (worldPoints[sample[0]], worldPoints[sample[1]], worldPoints[sample[2]]), into: &models)
    }

    public func squaredResidual(_ model: Rigid3, at index: Int) -> Double {
        let p = model.apply(worldPoints[index])
        guard p.z > 0 else { return .infinity }
        let dx = p.x / p.z - normalizedPoints[index].x, dy = p.y / p.z - normalizedPoints[index].y
        return dx * dx + dy * dy
    }

    public func score(_ model: Rigid3, squaredThreshold: Double) -> (score: Double, inliers: Int) {
        let r = model.rotation.matrix
        let (r0, r1, r2) = r.rows
        let t = model.translation
        var total = 0.0
        var count = 0
        worldPoints.withUnsafeBufferPointer { X in
            normalizedPoints.withUnsafeBufferPointer { x in
                for i in 0..<X.count {
                    let point = X[i]
                    let z = (r2 * point).sum() + t.z
                    guard z > 0 else { total += squaredThreshold; continue }
                    let dx = ((r0 * point).sum() + t.x) / z - x[i].x
                    let dy = ((r1 * point).sum() + t.y) / z - x[i].y
                    let e = dx * dx + dy * dy
                    if e < squaredThreshold {
                        total += e
                        count += 1
                    } else {
                        total += squaredThreshold
                    }
                }
            }
        }
        return (total, count)
    }

    public func refine(_ model: Rigid3, inliers: [Int], threshold: Double) -> Rigid3? {
        refinePoseLeastSquares(model, normalizedPoints: normalizedPoints, worldPoints: worldPoints,
                               indices: inliers, loss: .truncated(threshold: threshold))?.pose
    }
}
