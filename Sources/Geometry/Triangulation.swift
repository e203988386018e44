import Foundation

/// One observation of a 3D point by a posed camera.
public struct TriangulationObservation: Sendable {
    public var camFromWorld: Rigid3
    public var camera: Camera
    /// Observed pixel (COLMAP convention).
    public var pixel: Vector2

    public init(camFromWorld: Rigid3, camera: Camera, pixel: Vector2) {
        self.camFromWorld = camFromWorld; self.camera = camera; self.pixel = pixel
    }
}

/// Options of `triangulatePoint` (the map builder's filters: 4 px, 1.5°).
public struct TriangulationOptions: Equatable, Sendable {
    /// An observation is kept when its reprojection error is at most this many pixels.
    public var maxReprojectionError: Double = 4
    /// The largest angle between two kept rays must be at least this.
    public var minTriangulationAngleDegrees: Double = 1.5
    /// Refine the DLT point by Gauss–Newton on the pixel reprojection error of the kept observations.
    public var refine: Bool = true

    public init(maxReprojectionError: Double = 4, minTriangulationAngleDegrees: Double = 1.5, refine: Bool = true) {
        self.maxReprojectionError = maxReprojectionError
        self.minTriangulationAngleDegrees = minTriangulationAngleDegrees
        self.refine = refine
    }
}

/// A triangulated point with the checks that accepted it.
public struct TriangulatedPoint: Sendable {
    public var point: Vector3
    /// Reprojection error of every observation, in pixels (infinite when behind the camera).
    public var reprojectionErrors: [Double]
    /// Observations within `maxReprojectionError` and in front of their camera.
    public var inlierMask: [Bool]
    /// Largest angle between the rays of two inlier observations.
    public var triangulationAngleDegrees: Double

    public var meanInlierError: Double {
        let kept = zip(reprojectionErrors, inlierMask).filter { $0.1 }.map { $0.0 }
        return kept.isEmpty ? .infinity : kept.reduce(0, +) / Double(kept.count)
    }
}

/// Triangulates one point from ≥ 2 observations with known poses: normalized DLT
/// (undistorted normalized image points, world coordinates centred and scaled on the
/// camera centres; the smallest eigenvector of AᵀA) — repeated without the worst observation
/// while one fails the reprojection check — then Gauss–Newton refinement on the
/// inliers' pixel reprojection error (distortion included), then the per-observation
/// reprojection check and the triangulation angle.
/// - Returns: nil when the point is degenerate, behind the cameras, seen by fewer than two
///   inliers, or triangulated under less than the minimum angle.
/// - Throws: `GeometryError.invalidInput` for fewer than two observations or non-finite values.
public func triangulatePoint(_ observations: [TriangulationObservation],
                             options: TriangulationOptions = TriangulationOptions()) throws -> TriangulatedPoint? {
    guard observations.count >= 2 else { throw GeometryError.invalidInput("triangulation needs at least two observations, got \(observations.count)") }
    guard observations.allSatisfy({ $0.pixel.x.isFinite && $0.pixel.y.isFinite && $0.camFromWorld.translation.x.isFinite
        && $0.camFromWorld.translation.y.isFinite && $0.camFromWorld.translation.z.isFinite && $0.camFromWorld.rotation.isFinite }) else {
        throw GeometryError.invalidInput("non-finite pixel or pose in the observations")
    }
    // Conditioning: X = centre + scale · X'.
    let centres = observations.map { $0.camFromWorld.cameraCenter }
    let centre = centres.reduce(Vector3.zero, +) / Double(centres.count)
    let scale = max(centres.map { norm($0 - centre) }.reduce(0, +) / Double(centres.count), 1e-9)

    func errors(_ x: Vector3) -> [Double] {
        observations.map { o in
            guard let projected = o.camera.imageFromCamera(o.camFromWorld.apply(x)) else { return .infinity }
            return norm(projected - o.pixel)
        }
    }
    // DLT on all observations; while some fail the reprojection check, drop the worst and
    // solve again (a wrong match among the observations must not drag the point away).
    var active = Array(observations.indices)
    var point = Vector3.zero
    while true {
        guard let solved = linearTriangulation(active.map { observations[$0] }, centre: centre, scale: scale) else { return nil }
        point = solved
        let all = errors(point)
        let activeErrors = active.map { all[$0] }
        guard let worst = activeErrors.indices.max(by: { activeErrors[$0] < activeErrors[$1] }),
              activeErrors[worst] > options.maxReprojectionError, active.count > 2 else { break }
        active.remove(at: worst)
    }
    if options.refine {
        let mask = errors(point).map { $0 <= options.maxReprojectionError }
        if mask.filter({ $0 }).count >= 2 {
            point = refinePoint(point, observations: zip(observations, mask).filter { $0.1 }.map { $0.0 })
        }
    }
    let finalErrors = errors(point)
    let inliers = finalErrors.map { $0 <= options.maxReprojectionError }
    let kept = observations.indices.filter { inliers[$0] }
    guard kept.count >= 2 else { return nil }
    var maxAngle = 0.0
    for a in 0..<kept.count {
        for b in (a + 1)..<kept.count {
            let ra = normalized(point - centres[kept[a]]), rb = normalized(point - centres[kept[b]])
            maxAngle = max(maxAngle, atan2(norm(cross(ra, rb)), dot(ra, rb)))
        }
    }
    let angleDegrees = maxAngle * 180 / .pi
    guard angleDegrees >= options.minTriangulationAngleDegrees else { return nil }
    return TriangulatedPoint(point: point, reprojectionErrors: finalErrors, inlierMask: inliers,
                             triangulationAngleDegrees: angleDegrees)
}

/// Normalized DLT: the smallest eigenvector of AᵀA built from undistorted normalized points,
/// in world coordinates shifted by `centre` and divided by `scale`. nil for a point at infinity.
private func linearTriangulation(_ observations: [TriangulationObservation], centre: Vector3, scale: Double) -> Vector3? {
    var ata = [Double](repeating: 0, count: 16)
    for observation in observations {
        let uv = observation.camera.normalizedFromImage(observation.pixel)
        let r = observation.camFromWorld.rotation.matrix
        let t = observation.camFromWorld.translation
        // Rows of P' = [R·scale | R·centre + t].
        let (r0, r1, r2) = r.rows
        let p0 = [r0.x * scale, r0.y * scale, r0.z * scale, dot(r0, centre) + t.x]
        let p1 = [r1.x * scale, r1.y * scale, r1.z * scale, dot(r1, centre) + t.y]
        let p2 = [r2.x * scale, r2.y * scale, r2.z * scale, dot(r2, centre) + t.z]
        let rowA = (0..<4).map { uv.x * p2[$0] - p0[$0] }
        let rowB = (0..<4).map { uv.y * p2[$0] - p1[$0] }
        for i in 0..<4 { for j in 0..<4 { ata[i * 4 + j] += rowA[i] * rowA[j] + rowB[i] * rowB[j] } }
    }
    let h = smallestEigenvector4(ata)
    guard abs(h[3]) > 1e-12 * (abs(h[0]) + abs(h[1]) + abs(h[2])) else { return nil }  // point at infinity
    let point = centre + scale * Vector3(h[0] / h[3], h[1] / h[3], h[2] / h[3])
    guard point.x.isFinite, point.y.isFinite, point.z.isFinite else { return nil }
    return point

}

/// Gauss–Newton on the pixel reprojection error of a 3D point (analytic Jacobian through
/// the distortion), a few iterations, keeping only improving steps.
private func refinePoint(_ start: Vector3, observations: [TriangulationObservation]) -> Vector3 {
    func cost(_ x: Vector3) -> Double {
        observations.reduce(0) { sum, o in
            guard let p = o.camera.imageFromCamera(o.camFromWorld.apply(x)) else { return .infinity }
            let d = p - o.pixel
            return sum + (d * d).sum()
        }
    }
    var x = start
    var current = cost(x)
    for _ in 0..<10 {
        var jtj = Matrix3x3(rows: .zero, .zero, .zero)
        var jtr = Vector3.zero
        for o in observations {
            let r = o.camFromWorld.rotation.matrix
            let p = r * x + o.camFromWorld.translation
            guard p.z > 0 else { continue }
            let uv = Vector2(p.x / p.z, p.y / p.z)
            let residual = o.camera.imageFromNormalized(uv) - o.pixel
            let (d0, d1) = o.camera.distortionJacobian(uv)
            let fx = o.camera.focalX, fy = o.camera.focalY
            // d uv / d p, then d p / d X = R.
            let duvdp0 = Vector3(1 / p.z, 0, -uv.x / p.z), duvdp1 = Vector3(0, 1 / p.z, -uv.y / p.z)
            let rt = r.transposed
            let g0 = rt * duvdp0, g1 = rt * duvdp1  // d u / dX, d v / dX
            let j0 = fx * (d0.x * g0 + d0.y * g1), j1 = fy * (d1.x * g0 + d1.y * g1)
            jtj = Matrix3x3(rows: jtj.rows.0 + j0.x * j0 + j1.x * j1, jtj.rows.1 + j0.y * j0 + j1.y * j1,
                            jtj.rows.2 + j0.z * j0 + j1.z * j1)
            jtr += j0 * residual.x + j1 * residual.y
        }
        guard let step = solve3x3(jtj, -jtr) else { break }
        let candidate = x + step
        let candidateCost = cost(candidate)
        guard candidateCost < current else { break }
        x = candidate
        current = candidateCost
        if norm(step) < 1e-12 * max(1, norm(x)) { break }
    }
    return x
}

/// The unit eigenvector of the smallest eigenvalue of a symmetric 4×4 matrix (row-major),
/// by cyclic Jacobi rotations.
func smallestEigenvector4(_ matrix: [Double]) -> [Double] {
    var a = matrix
    var v = [Double](repeating: 0, count: 16)
    for i in 0..<4 { v[i * 4 + i] = 1 }
    for _ in 0..<50 {
        var off = 0.0
        for i in 0..<4 { for j in (i + 1)..<4 { off += a[i * 4 + j] * a[i * 4 + j] } }
        if off < 1e-30 { break }
        for p in 0..<3 {
            for q in (p + 1)..<4 {
                let apq = a[p * 4 + q]
                guard abs(apq) > 1e-300 else { continue }
                let theta = (a[q * 4 + q] - a[p * 4 + p]) / (2 * apq)
                let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                let c = 1 / (t * t + 1).squareRoot(), s = t * c
                for k in 0..<4 {
                    let akp = a[k * 4 + p], akq = a[k * 4 + q]
                    a[k * 4 + p] = c * akp - s * akq
                    a[k * 4 + q] = s * akp + c * akq
                }
                for k in 0..<4 {
                    let apk = a[p * 4 + k], aqk = a[q * 4 + k]
                    a[p * 4 + k] = c * apk - s * aqk
                    a[q * 4 + k] = s * apk + c * aqk
                }
                for k in 0..<4 {
                    let vkp = v[k * 4 + p], vkq = v[k * 4 + q]
                    v[k * 4 + p] = c * vkp - s * vkq
                    v[k * 4 + q] = s * vkp + c * vkq
                }
            }
        }
    }
    let smallest = (0..<4).min { a[$0 * 4 + $0] < a[$1 * 4 + $1] }!
    return (0..<4).map { v[$0 * 4 + smallest] }
}
