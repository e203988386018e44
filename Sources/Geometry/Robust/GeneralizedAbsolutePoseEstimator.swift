/// The generalized absolute pose problem for `loRansac`: 2D-3D correspondences seen by the
/// cameras of a rig, the model `rigFromWorld`. Data come grouped by camera (one contiguous run
/// per camera); the 2D side as undistorted normalized points of its camera. Residuals are
/// reprojection errors in pixels (normalized error times the camera's mean focal), so one pixel
/// threshold serves cameras of different focal lengths. Minimal solver: GP3P (`solveGP3P`), or
/// P3P when the three samples come from one camera; local optimisation: Levenberg–Marquardt on
/// the rig pose with a truncated loss.
public struct GeneralizedAbsolutePoseEstimator: RobustEstimator {
    public typealias Model = Rigid3Matrix

    let cameraOf: [Int]
    let normalizedPoints: [Vector2]
    let worldPoints: [Vector3]
    /// Per camera: camFromRig, its rotation's transpose, the centre in the rig frame and the focal weight.
    let camFromRig: [Rigid3Matrix]
    let rigFromCamRotation: [Matrix3x3]
    let centreInRig: [Vector3]
    let focalWeight: [Double]
    /// Per camera with data: its run of data and a single-camera estimator over it (vectorised scoring).
    let segments: [(camera: Int, start: Int, estimator: AbsolutePoseEstimator)]

    /// - Parameters:
    ///   - normalizedPoints: per camera, undistorted normalized image points.
    ///   - worldPoints: per camera, the world points.
    ///   - camFromRig: per camera, its pose on the rig.
    ///   - focalWeights: per camera, pixels per normalized unit (its mean focal).
    /// - Precondition: the four arrays have one entry per camera, with matching counts inside.
    public init(normalizedPoints: [[Vector2]], worldPoints: [[Vector3]], camFromRig: [Rigid3], focalWeights: [Double]) {
        precondition(normalizedPoints.count == worldPoints.count && camFromRig.count == worldPoints.count
                     && focalWeights.count == worldPoints.count, "one entry per camera")
        var cameraOf: [Int] = [], x: [Vector2] = [], X: [Vector3] = []
        var segments: [(camera: Int, start: Int, estimator: AbsolutePoseEstimator)] = []
        for k in 0..<worldPoints.count {
            precondition(normalizedPoints[k].count == worldPoints[k].count, "mismatched correspondence counts")
            guard !worldPoints[k].isEmpty else { continue }
            segments.append((k, x.count, AbsolutePoseEstimator(normalizedPoints: normalizedPoints[k], worldPoints: worldPoints[k])))
            cameraOf += [Int](repeating: k, count: worldPoints[k].count)
            x += normalizedPoints[k]
            X += worldPoints[k]
        }
        self.cameraOf = cameraOf
        self.normalizedPoints = x
        self.worldPoints = X
        self.camFromRig = camFromRig.map(Rigid3Matrix.init)
        rigFromCamRotation = self.camFromRig.map(\.rotation.transposed)
        centreInRig = self.camFromRig.map { -($0.rotation.transposed * $0.translation) }
        focalWeight = focalWeights
        self.segments = segments
    }

    public var sampleSize: Int { 3 }
    public var dataCount: Int { worldPoints.count }

    public func minimalModels(sample: [Int], into models: inout [Rigid3Matrix]) {
        let i = sample[0], j = sample[1], k = sample[2]
        let ci = cameraOf[i], cj = cameraOf[j], ck = cameraOf[k]
        func bearing(_ index: Int) -> Vector3 { normalized(Vector3(normalizedPoints[index].x, normalizedPoints[index].y, 1)) }
        if ci == cj && cj == ck {
            // One camera: P3P in its frame, then rigFromWorld = rigFromCam ∘ camFromWorld.
            let start = models.count
            solveP3P(bearings: (bearing(i), bearing(j), bearing(k)), points: (worldPoints[i], worldPoints[j], worldPoints[k]), into: &models)
            let rigFromCam = rigFromCamRotation[ci], centre = centreInRig[ci]
            for m in start..<models.count {
                models[m] = Rigid3Matrix(rotation: rigFromCam * models[m].rotation, translation: rigFromCam * models[m].translation + centre)
            }
            return
        }
        solveGP3P(origins: (centreInRig[ci], centreInRig[cj], centreInRig[ck]),
                  directions: (rigFromCamRotation[ci] * bearing(i), rigFromCamRotation[cj] * bearing(j), rigFromCamRotation[ck] * bearing(k)),
                  points: (worldPoints[i], worldPoints[j], worldPoints[k]), into: &models)
    }

    @inline(__always)
    func camFromWorld(_ model: Rigid3Matrix, camera k: Int) -> Rigid3Matrix {
        let e = camFromRig[k]
        return Rigid3Matrix(rotation: e.rotation * model.rotation, translation: e.rotation * model.translation + e.translation)
    }

    public func squaredResidual(_ model: Rigid3Matrix, at index: Int) -> Double {
        let k = cameraOf[index]
        let p = camFromWorld(model, camera: k).apply(worldPoints[index])
        guard p.z > 0 else { return .infinity }
        let dx = p.x / p.z - normalizedPoints[index].x, dy = p.y / p.z - normalizedPoints[index].y
        return (dx * dx + dy * dy) * focalWeight[k] * focalWeight[k]
    }

    /// MSAC in pixels²: each camera's run scored by its single-camera estimator (float SIMD) in
    /// normalized units, scaled by its focal weight squared.
    public func score(_ model: Rigid3Matrix, squaredThreshold: Double, bailout: Double) -> (score: Double, inliers: Int) {
        var total = 0.0, inliers = 0
        for segment in segments {
            let w2 = focalWeight[segment.camera] * focalWeight[segment.camera]
            let (s, n) = segment.estimator.score(camFromWorld(model, camera: segment.camera), squaredThreshold: squaredThreshold / w2,
                                                 bailout: (bailout - total) / w2)
            total += s * w2
            inliers += n
            if total > bailout { break }
        }
        return (total, inliers)
    }

    public func refine(_ model: Rigid3Matrix, inliers: [Int], threshold: Double) -> Rigid3Matrix? {
        refineRigPoseLeastSquares(model.rigid3, indices: inliers, loss: .truncated(threshold: threshold)).map { Rigid3Matrix($0.pose) }
    }

    /// Levenberg–Marquardt on rigFromWorld (R ← exp(ω) R, t ← t + δt) over the data at `indices`,
    /// residuals in pixels.
    func refineRigPoseLeastSquares(_ initial: Rigid3, indices: [Int], loss: RobustLoss, maxIterations: Int = 25) -> (pose: Rigid3, cost: Double)? {
        guard indices.count >= 3 else { return nil }
        return smallLevenbergMarquardt(initial, parameterCount: 6, minimumUsed: 3, maxIterations: maxIterations, evaluate: { pose in
            var equations = SmallNormalEquations()
            let rotation = pose.rotation.matrix
            for i in indices {
                let k = cameraOf[i]
                let e = camFromRig[k]
                let a = rotation * worldPoints[i]
                let p = e.rotation * (a + pose.translation) + e.translation
                guard p.z > 0 else { equations.addUnexplained(loss: loss); continue }
                let iz = 1 / p.z, u = p.x * iz, v = p.y * iz, w = focalWeight[k]
                let (r0, r1, r2) = e.rotation.rows
                let m0 = (r0 - u * r2) * (w * iz), m1 = (r1 - v * r2) * (w * iz)
                let jw0 = cross(a, m0), jw1 = cross(a, m1)
                equations.add(ru: w * (u - normalizedPoints[i].x), rv: w * (v - normalizedPoints[i].y),
                              ju: SIMD8(jw0.x, jw0.y, jw0.z, m0.x, m0.y, m0.z, 0, 0),
                              jv: SIMD8(jw1.x, jw1.y, jw1.z, m1.x, m1.y, m1.z, 0, 0), loss: loss)
            }
            return equations.cost.isFinite ? equations : nil
        }, update: { pose, d in
            Rigid3(rotation: (Quaternion(rotationVector: Vector3(d[0], d[1], d[2])) * pose.rotation).normalized(),
                   translation: pose.translation + Vector3(d[3], d[4], d[5]))
        }).map { ($0.state, $0.cost) }
    }
}
