/// The absolute pose problem for `loRansac`: 2D-3D correspondences with the 2D side as
/// undistorted normalized image points (the camera's `normalizedFromImage`). Residuals are
/// reprojection errors on the normalized plane, so the RANSAC threshold is pixels / focal,
/// as in PoseLib. Minimal solver: Lambda Twist P3P; local optimisation: Levenberg–Marquardt
/// with a truncated loss.
public struct AbsolutePoseEstimator: RobustEstimator {
    public let normalizedPoints: [Vector2]
    public let worldPoints: [Vector3]
    let bearings: [Vector3]
    /// X, Y, Z of the world points and u, v of the normalized points, each `stride` long.
    let soa: StructureOfArrays

    /// - Precondition: the arrays have the same count.
    public init(normalizedPoints: [Vector2], worldPoints: [Vector3]) {
        precondition(normalizedPoints.count == worldPoints.count, "mismatched correspondence counts")
        self.normalizedPoints = normalizedPoints
        self.worldPoints = worldPoints
        bearings = normalizedPoints.map { normalized(Vector3($0.x, $0.y, 1)) }
        soa = StructureOfArrays(columns: [worldPoints.map { $0.x }, worldPoints.map { $0.y }, worldPoints.map { $0.z },
                                          normalizedPoints.map { $0.x }, normalizedPoints.map { $0.y }])
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

    /// Branch-free MSAC scoring, four correspondences at a time (structure-of-arrays copies
    /// of the data), stopping once the partial score exceeds `bailout`.
    public func score(_ model: Rigid3, squaredThreshold: Double, bailout: Double) -> (score: Double, inliers: Int) {
        let (r0, r1, r2) = model.rotation.matrix.rows
        let t = model.translation
        let n = worldPoints.count
        var total = 0.0
        var count = 0
        let threshold = SIMD4<Double>(repeating: squaredThreshold)
        soa.withUnsafeBufferPointer { d in
            let X = d.baseAddress!, Y = X + soa.stride, Z = Y + soa.stride, U = Z + soa.stride, V = U + soa.stride
            var i = 0
            // Check the bailout every 64 points: often enough to skip most of a bad model.
            while i + 4 <= n {
                let blockEnd = min(n - (n - i) % 4, i + 64)
                var blockTotal = SIMD4<Double>.zero
                var blockCount = SIMD4<Int64>.zero
                while i < blockEnd {
                    let x = UnsafeRawPointer(X + i).loadUnaligned(as: SIMD4<Double>.self)
                    let y = UnsafeRawPointer(Y + i).loadUnaligned(as: SIMD4<Double>.self)
                    let z = UnsafeRawPointer(Z + i).loadUnaligned(as: SIMD4<Double>.self)
                    let u = UnsafeRawPointer(U + i).loadUnaligned(as: SIMD4<Double>.self)
                    let v = UnsafeRawPointer(V + i).loadUnaligned(as: SIMD4<Double>.self)
                    let pz = r2.x * x + r2.y * y + r2.z * z + t.z
                    let px = r0.x * x + r0.y * y + r0.z * z + t.x
                    let py = r1.x * x + r1.y * y + r1.z * z + t.y
                    let iz = 1 / pz
                    let dx = px * iz - u, dy = py * iz - v
                    var e = dx * dx + dy * dy
                    // Behind the camera (or NaN): counts as an outlier.
                    e.replace(with: threshold, where: .!(pz .> 0) .| .!(e .< threshold))
                    blockTotal += e
                    blockCount &+= SIMD4<Int64>(repeating: 1).replacing(with: 0, where: .!(e .< threshold))
                    i += 4
                }
                total += blockTotal.sum()
                count += Int(blockCount.wrappedSum())
                if total > bailout { return }
            }
            while i < n {
                let p = Vector3(X[i], Y[i], Z[i])
                let z = (r2 * p).sum() + t.z
                let dx = ((r0 * p).sum() + t.x) / z - U[i], dy = ((r1 * p).sum() + t.y) / z - V[i]
                let e = dx * dx + dy * dy
                if z > 0 && e < squaredThreshold { total += e; count += 1 } else { total += squaredThreshold }
                i += 1
            }
        }
        return (total, count)
    }

    public func refine(_ model: Rigid3, inliers: [Int], threshold: Double) -> Rigid3? {
        refinePoseLeastSquares(model, normalizedPoints: normalizedPoints, worldPoints: worldPoints,
                               indices: inliers, loss: .truncated(threshold: threshold))?.pose
    }
}

/// Equal-length columns of doubles stored one after another in a single buffer.
struct StructureOfArrays {
    let storage: [Double]
    let stride: Int

    init(columns: [[Double]]) {
        stride = columns.first?.count ?? 0
        storage = columns.flatMap { $0 }
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
}
