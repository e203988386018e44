/// The absolute pose problem for `loRansac`: 2D-3D correspondences with the 2D side as
/// undistorted normalized image points (the camera's `normalizedFromImage`). Residuals are
/// reprojection errors on the normalized plane, so the RANSAC threshold is pixels / focal,
/// as in PoseLib. Minimal solver: P3P after Ding et al. (CVPR 2023); local optimisation: Levenberg–Marquardt
/// with a truncated loss.
public struct AbsolutePoseEstimator: RobustEstimator {
    public let normalizedPoints: [Vector2]
    public let worldPoints: [Vector3]
    let bearings: [Vector3]
    /// The world points' centroid; `soa` holds the points relative to it.
    let centroid: Vector3
    /// X − centroid, Y, Z of the world points and u, v of the normalized points, as floats,
    /// each `stride` long.
    let soa: StructureOfArrays

    /// - Precondition: the arrays have the same count.
    public init(normalizedPoints: [Vector2], worldPoints: [Vector3]) {
        precondition(normalizedPoints.count == worldPoints.count, "mismatched correspondence counts")
        self.normalizedPoints = normalizedPoints
        self.worldPoints = worldPoints
        bearings = normalizedPoints.map { normalized(Vector3($0.x, $0.y, 1)) }
        // Scoring runs in float, on world points relative to their centroid: float keeps ~7
        // digits of X − centroid (so of R X + t), i.e. well under a hundredth of a pixel for
        // scenes of any extent and position, and halves the work of each SIMD operation.
        var sum = Vector3.zero
        for p in worldPoints { sum += p }
        centroid = worldPoints.isEmpty ? .zero : sum / Double(worldPoints.count)
        let c = centroid
        soa = StructureOfArrays(columns: [worldPoints.map { Float($0.x - c.x) }, worldPoints.map { Float($0.y - c.y) },
                                          worldPoints.map { Float($0.z - c.z) },
                                          normalizedPoints.map { Float($0.x) }, normalizedPoints.map { Float($0.y) }])
    }

    public typealias Model = Rigid3Matrix

    public var sampleSize: Int { 3 }
    public var dataCount: Int { worldPoints.count }

    public func minimalModels(sample: [Int], into models: inout [Rigid3Matrix]) {
        solveP3P(bearings: (bearings[sample[0]], bearings[sample[1]], bearings[sample[2]]),
                 points: (worldPoints[sample[0]], worldPoints[sample[1]], worldPoints[sample[2]]), into: &models)
    }

    public func squaredResidual(_ model: Rigid3Matrix, at index: Int) -> Double {
        let p = model.apply(worldPoints[index])
        guard p.z > 0 else { return .infinity }
        let dx = p.x / p.z - normalizedPoints[index].x, dy = p.y / p.z - normalizedPoints[index].y
        return dx * dx + dy * dy
    }

    /// Branch-free MSAC scoring in float, eight correspondences at a time (structure-of-arrays
    /// copies of the data), stopping once the partial score exceeds `bailout`. Only the choice
    /// of the best model uses it; the reported inliers come from `squaredResidual` (double).
    public func score(_ model: Rigid3Matrix, squaredThreshold: Double, bailout: Double) -> (score: Double, inliers: Int) {
        let (d0, d1, d2) = model.rotation.rows
        // R (X − c) + (t + R c) = R X + t.
        let tc = model.translation + Vector3((d0 * centroid).sum(), (d1 * centroid).sum(), (d2 * centroid).sum())
        let r0 = SIMD3<Float>(d0), r1 = SIMD3<Float>(d1), r2 = SIMD3<Float>(d2), t = SIMD3<Float>(tc)
        let n = worldPoints.count
        var total = 0.0
        var count = 0
        let tau = Float(squaredThreshold)
        let threshold = SIMD8<Float>(repeating: tau)
        soa.withUnsafeBufferPointer { d in
            let X = d.baseAddress!, Y = X + soa.stride, Z = Y + soa.stride, U = Z + soa.stride, V = U + soa.stride
            var i = 0
            // Check the bailout every 64 points: often enough to skip most of a bad model.
            while i + 8 <= n {
                let blockEnd = min(n - (n - i) % 8, i + 64)
                var blockTotal = SIMD8<Float>.zero
                var blockCount = SIMD8<Int32>.zero
                while i < blockEnd {
                    let x = UnsafeRawPointer(X + i).loadUnaligned(as: SIMD8<Float>.self)
                    let y = UnsafeRawPointer(Y + i).loadUnaligned(as: SIMD8<Float>.self)
                    let z = UnsafeRawPointer(Z + i).loadUnaligned(as: SIMD8<Float>.self)
                    let u = UnsafeRawPointer(U + i).loadUnaligned(as: SIMD8<Float>.self)
                    let v = UnsafeRawPointer(V + i).loadUnaligned(as: SIMD8<Float>.self)
                    let pz = r2.x * x + r2.y * y + r2.z * z + t.z
                    let px = r0.x * x + r0.y * y + r0.z * z + t.x
                    let py = r1.x * x + r1.y * y + r1.z * z + t.y
                    let iz = 1 / pz
                    let dx = px * iz - u, dy = py * iz - v
                    var e = dx * dx + dy * dy
                    // Behind the camera (or NaN): counts as an outlier.
                    let outlier = .!(pz .> 0) .| .!(e .< threshold)
                    e.replace(with: threshold, where: outlier)
                    blockTotal += e
                    blockCount &+= SIMD8<Int32>(repeating: 1).replacing(with: 0, where: outlier)
                    i += 8
                }
                total += Double(blockTotal.sum())
                count += Int(blockCount.wrappedSum())
                if total > bailout { return }
            }
            while i < n {
                let p = SIMD3<Float>(X[i], Y[i], Z[i])
                let z = (r2 * p).sum() + t.z
                let dx = ((r0 * p).sum() + t.x) / z - U[i], dy = ((r1 * p).sum() + t.y) / z - V[i]
                let e = dx * dx + dy * dy
                if z > 0 && e < tau { total += Double(e); count += 1 } else { total += squaredThreshold }
                i += 1
            }
        }
        return (total, count)
    }

    public func refine(_ model: Rigid3Matrix, inliers: [Int], threshold: Double) -> Rigid3Matrix? {
        refinePoseLeastSquares(model.rigid3, normalizedPoints: normalizedPoints, worldPoints: worldPoints,
                               indices: inliers, loss: .truncated(threshold: threshold)).map { Rigid3Matrix($0.pose) }
    }
}

/// Equal-length columns of floats stored one after another in a single buffer.
struct StructureOfArrays {
    let storage: [Float]
    let stride: Int

    init(columns: [[Float]]) {
        stride = columns.first?.count ?? 0
        storage = columns.flatMap { $0 }
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }
}
