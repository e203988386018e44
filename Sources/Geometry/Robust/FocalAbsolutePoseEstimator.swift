/// The absolute pose problem with unknown focal length for `loRansac`: image points centred on
/// the principal point (undistorted) and divided by a fixed image scale, so that they are near
/// one; the model is a `FocalPose` in those units. Residuals are reprojection errors in the same
/// units (the RANSAC threshold is pixels / scale). Minimal solver: P4Pf (`solveP4Pf`); local
/// optimisation: Levenberg–Marquardt on pose and focal with a truncated loss.
public struct FocalAbsolutePoseEstimator: RobustEstimator {
    public typealias Model = FocalPose

    public let imagePoints: [Vector2]
    public let worldPoints: [Vector3]
    /// Minimal solutions with a focal length outside are dropped (image-point units).
    public let focalRange: ClosedRange<Double>

    /// - Precondition: the arrays have the same count.
    public init(imagePoints: [Vector2], worldPoints: [Vector3], focalRange: ClosedRange<Double> = 0...Double.infinity) {
        precondition(imagePoints.count == worldPoints.count, "mismatched correspondence counts")
        self.imagePoints = imagePoints
        self.worldPoints = worldPoints
        self.focalRange = focalRange
    }

    public var sampleSize: Int { 4 }
    public var dataCount: Int { worldPoints.count }

    public func minimalModels(sample: [Int], into models: inout [FocalPose]) {
        solveP4Pf(imagePoints: (imagePoints[sample[0]], imagePoints[sample[1]], imagePoints[sample[2]], imagePoints[sample[3]]),
                  worldPoints: (worldPoints[sample[0]], worldPoints[sample[1]], worldPoints[sample[2]], worldPoints[sample[3]]), into: &models)
        models.removeAll { !focalRange.contains($0.focal) }
    }

    @inline(__always)
    public func squaredResidual(_ model: FocalPose, at index: Int) -> Double {
        let p = model.camFromWorld.apply(worldPoints[index])
        guard p.z > 0 else { return .infinity }
        let dx = model.focal * p.x / p.z - imagePoints[index].x, dy = model.focal * p.y / p.z - imagePoints[index].y
        return dx * dx + dy * dy
    }

    public func refine(_ model: FocalPose, inliers: [Int], threshold: Double) -> FocalPose? {
        refineFocalPoseLeastSquares(model, indices: inliers, loss: .truncated(threshold: threshold))?.pose
    }

    /// Levenberg–Marquardt on (camFromWorld, f): R ← exp(ω) R, t ← t + δt, f ← f + δf.
    func refineFocalPoseLeastSquares(_ initial: FocalPose, indices: [Int], loss: RobustLoss,
                                     maxIterations: Int = 25) -> (pose: FocalPose, cost: Double)? {
        guard indices.count >= 4 else { return nil }
        let start = (pose: initial.camFromWorld.rigid3, focal: initial.focal)
        return smallLevenbergMarquardt(start, parameterCount: 7, minimumUsed: 4, maxIterations: maxIterations, evaluate: { state in
            var equations = SmallNormalEquations()
            let rotation = state.pose.rotation.matrix, f = state.focal
            for i in indices {
                let a = rotation * worldPoints[i]
                let p = a + state.pose.translation
                guard p.z > 0 else { equations.addUnexplained(loss: loss); continue }
                let iz = 1 / p.z, u = p.x * iz, v = p.y * iz
                let m0 = Vector3(1, 0, -u) * (f * iz), m1 = Vector3(0, 1, -v) * (f * iz)
                let jw0 = cross(a, m0), jw1 = cross(a, m1)
                equations.add(ru: f * u - imagePoints[i].x, rv: f * v - imagePoints[i].y,
                              ju: SIMD8(jw0.x, jw0.y, jw0.z, m0.x, m0.y, m0.z, u, 0),
                              jv: SIMD8(jw1.x, jw1.y, jw1.z, m1.x, m1.y, m1.z, v, 0), loss: loss)
            }
            return equations.cost.isFinite ? equations : nil
        }, update: { state, d in
            let focal = state.focal + d[6]
            guard focal > 0 else { return nil }
            return (Rigid3(rotation: (Quaternion(rotationVector: Vector3(d[0], d[1], d[2])) * state.pose.rotation).normalized(),
                           translation: state.pose.translation + Vector3(d[3], d[4], d[5])), focal)
        }).map { (FocalPose(camFromWorld: Rigid3Matrix($0.state.pose), focal: $0.state.focal), $0.cost) }
    }
}
