/// Minimal absolute pose from three 2D-3D correspondences: Lambda Twist
/// (M. Persson and K. Nordberg, "Lambda Twist: An Accurate Fast Robust Perspective
/// Three Point (P3P) Solver", ECCV 2018).
///
/// Solves for `camFromWorld = (R, t)` with `λ_i · y_i = R X_i + t`, λ_i > 0, where the
/// `y_i` are unit bearings in the camera frame and the `X_i` world points. With
/// `a_ij = |X_i − X_j|²` and `b_ij = y_i · y_j` the depths satisfy the three quadrics
/// `λ_i² + λ_j² − 2 b_ij λ_i λ_j = a_ij`. Two homogeneous combinations
/// `D1 = a23·M12 − a12·M23`, `D2 = a23·M13 − a13·M23` span a pencil; a root γ of
/// `det(D1 + γ D2) = 0` (a cubic) makes `D0 = D1 + γ D2` a degenerate conic — a pair of
/// planes through the origin, found from D0's eigen-decomposition. On each plane the
/// depths follow from one quadratic; a few Gauss–Newton steps on the original equations
/// polish them, and the pose follows from the point differences.
///
/// Preconditions: bearings are unit length. Degenerate input (coincident or collinear
/// world points, parallel bearings, non-finite values) yields no solution, never NaN.
/// - Returns: up to 4 poses.
public func solveP3P(bearings y: (Vector3, Vector3, Vector3), points X: (Vector3, Vector3, Vector3)) -> [Rigid3] {
    var poses: [Rigid3] = []
    poses.reserveCapacity(4)
    solveP3P(bearings: y, points: X, into: &poses)
    return poses
}

/// `solveP3P` appending into a caller-owned array (no allocation in RANSAC loops).
public func solveP3P(bearings y: (Vector3, Vector3, Vector3), points X: (Vector3, Vector3, Vector3),
                     into poses: inout [Rigid3]) {
    let d12 = X.0 - X.1, d13 = X.0 - X.2, d23 = X.1 - X.2
    let a12 = dot(d12, d12), a13 = dot(d13, d13), a23 = dot(d23, d23)
    let normal = cross(d12, d13)
    let scale = max(a12, a13, a23)
    // Coincident or collinear world points: no unique pose.
    guard scale.isFinite, scale > 0, dot(normal, normal) > 1e-20 * scale * scale else { return }
    // R [d12 d13 n] = [camera-frame differences], so [d12 d13 n]⁻¹ serves every solution.
    let worldFrame = Matrix3x3(rows: Vector3(d12.x, d13.x, normal.x), Vector3(d12.y, d13.y, normal.y),
                               Vector3(d12.z, d13.z, normal.z))
    guard let worldFrameInverse = inverse3x3(worldFrame) else { return }
    let b12 = dot(y.0, y.1), b13 = dot(y.0, y.2), b23 = dot(y.1, y.2)
    guard b12.isFinite, b13.isFinite, b23.isFinite, abs(b12) < 1 - 1e-12, abs(b13) < 1 - 1e-12,
          abs(b23) < 1 - 1e-12 else { return }

    // D1 = a23·M12 − a12·M23 and D2 = a23·M13 − a13·M23 as symmetric matrices.
    let d1 = Symmetric3(xx: a23, yy: a23 - a12, zz: -a12, xy: -a23 * b12, xz: 0, yz: a12 * b23)
    let d2 = Symmetric3(xx: a23, yy: -a13, zz: a23 - a13, xy: 0, xz: -a23 * b13, yz: a13 * b23)
    // det(D1 + γ D2) = c3 γ³ + c2 γ² + c1 γ + c0.
    let c3 = d2.determinant
    let c2 = d2.adjugateTrace(with: d1)
    let c1 = d1.adjugateTrace(with: d2)
    let c0 = d1.determinant
    // Any real root makes D0 degenerate, and when a solution exists off D0's null direction the
    // other two eigenvalues have opposite signs (a pair of real planes). Take the first root
    // with that property; the others are only tried when rounding spoils it.
    func planePair(_ gamma: Double) -> (d0: Symmetric3, trace: Double, minors: Double)? {
        let d0 = d1 + d2 * gamma
        let trace = d0.xx + d0.yy + d0.zz
        let minors = d0.xx * d0.yy - d0.xy * d0.xy + d0.xx * d0.zz - d0.xz * d0.xz + d0.yy * d0.zz - d0.yz * d0.yz
        return minors < 0 ? (d0, trace, minors) : nil
    }
    var chosen: (d0: Symmetric3, trace: Double, minors: Double)?
    if let gamma = firstRealCubicRoot(c3, c2, c1, c0) { chosen = planePair(gamma) }
    if chosen == nil {
        let gammas = realCubicRoots(c3, c2, c1, c0)
        for k in 0..<gammas.count where chosen == nil { chosen = planePair(gammas[k]) }
    }
    guard let (d0, trace, minors) = chosen else { return }

    // Eigen-decomposition of the rank-2 D0: eigenvalues σ1 > 0 > σ2, and 0.
    let discriminant = trace * trace - 4 * minors
    let root = discriminant.squareRoot()
    let sigma1 = (trace + root) / 2, sigma2 = (trace - root) / 2  // σ1 > 0 > σ2
    guard let e1 = d0.nullVector(shift: sigma1), let e2 = d0.nullVector(shift: sigma2) else { return }
    let s = (-sigma2 / sigma1).squareRoot()

    // λ lies on one of the planes w·λ = 0 with w = e1 ∓ s·e2.
    appendSolutions(plane: e1 - s * e2, a: (a12, a13, a23), b: (b12, b13, b23), y: y, X: X,
                    worldFrameInverse: worldFrameInverse, into: &poses)
    appendSolutions(plane: e1 + s * e2, a: (a12, a13, a23), b: (b12, b13, b23), y: y, X: X,
                    worldFrameInverse: worldFrameInverse, into: &poses)
}

/// Depths on one plane `w·λ = 0`, then poses.
private func appendSolutions(plane w: Vector3, a: (Double, Double, Double), b: (Double, Double, Double),
                             y: (Vector3, Vector3, Vector3), X: (Vector3, Vector3, Vector3),
                             worldFrameInverse: Matrix3x3, into poses: inout [Rigid3]) {
    // Write λ = λ3 · (u·τ + v) for a direction parameter τ, with the plane constraint built in:
    // pick two free coordinates and solve the third from w·λ = 0.
    let (a12, a13, a23) = a
    let (b12, b13, b23) = b
    let absW = Vector3(abs(w.x), abs(w.y), abs(w.z))
    let pivot = absW.x >= absW.y && absW.x >= absW.z ? 0 : (absW.y >= absW.z ? 1 : 2)
    // Basis vectors p, q of the plane: λ = α p + β q.
    let p: Vector3, q: Vector3
    switch pivot {
    case 0: p = Vector3(-w.y / w.x, 1, 0); q = Vector3(-w.z / w.x, 0, 1)
    case 1: p = Vector3(1, -w.x / w.y, 0); q = Vector3(0, -w.z / w.y, 1)
    default: p = Vector3(1, 0, -w.x / w.z); q = Vector3(0, 1, -w.y / w.z)
    }
    // Homogeneous equation independent of D0's pencil: a13·(λᵀM12λ) − a12·(λᵀM13λ) = 0.
    func h(_ u: Vector3, _ v: Vector3) -> Double {
        let m12 = u.x * v.x + u.y * v.y - b12 * (u.x * v.y + u.y * v.x)
        let m13 = u.x * v.x + u.z * v.z - b13 * (u.x * v.z + u.z * v.x)
        return a13 * m12 - a12 * m13
    }
    // h(αp + βq) = A α² + 2B αβ + C β² = 0.
    let qa = h(p, p), qb = h(p, q), qc = h(q, q)
    func solve(direction: Vector3) {
        // Scale from a non-homogeneous equation: the one with the best-conditioned quadric value.
        let m12 = direction.x * direction.x + direction.y * direction.y - 2 * b12 * direction.x * direction.y
        let m13 = direction.x * direction.x + direction.z * direction.z - 2 * b13 * direction.x * direction.z
        let m23 = direction.y * direction.y + direction.z * direction.z - 2 * b23 * direction.y * direction.z
        let (m, av) = m12 >= m13 && m12 >= m23 ? (m12, a12) : (m13 >= m23 ? (m13, a13) : (m23, a23))
        guard m > 0 else { return }
        var lambda = direction * (av / m).squareRoot()
        // Depths must all be positive (the direction's sign is arbitrary).
        if lambda.x < 0 && lambda.y < 0 && lambda.z < 0 { lambda = -lambda }
        guard lambda.x > 0, lambda.y > 0, lambda.z > 0 else { return }
        refineDepths(&lambda, a: a, b: b)
        if let pose = poseFromDepths(lambda, y: y, X: X, worldFrameInverse: worldFrameInverse) { poses.append(pose) }
    }
    if abs(qa) > 1e-14 * (abs(qb) + abs(qc)) {
        // α/β = τ: A τ² + 2B τ + C = 0, roots in the numerically stable form.
        let disc = qb * qb - qa * qc
        guard disc >= 0 else { return }
        let r = disc.squareRoot()
        let t = -(qb + (qb >= 0 ? r : -r))
        if t != 0 {
            solve(direction: p * (t / qa) + q)
            solve(direction: p * (qc / t) + q)
        } else {
            solve(direction: q)
        }
    } else {
        // A ≈ 0: β = 0 is a root, and 2B τ + C = 0 the other.
        solve(direction: p)
        if qb != 0 { solve(direction: p * (-qc / (2 * qb)) + q) }
    }
}

/// Gauss–Newton on the three depth equations (Lambda Twist's refinement step). The Jacobian
/// `2·[[x11, x12, 0], [x21, 0, x23], [0, x32, x33]]` has three zeros, so its inverse is written
/// out from the adjugate instead of a general 3×3 solve.
@inline(__always)
private func refineDepths(_ lambda: inout Vector3, a: (Double, Double, Double), b: (Double, Double, Double)) {
    let (a12, a13, a23) = a
    let (b12, b13, b23) = b
    var (l1, l2, l3) = (lambda.x, lambda.y, lambda.z)
    let tolerance = 1e-13 * (a12 + a13 + a23)
    for _ in 0..<5 {
        let r1 = l1 * l1 + l2 * l2 - 2 * b12 * l1 * l2 - a12
        let r2 = l1 * l1 + l3 * l3 - 2 * b13 * l1 * l3 - a13
        let r3 = l2 * l2 + l3 * l3 - 2 * b23 * l2 * l3 - a23
        if abs(r1) + abs(r2) + abs(r3) < tolerance { break }
        let x11 = l1 - b12 * l2, x12 = l2 - b12 * l1
        let x21 = l1 - b13 * l3, x23 = l3 - b13 * l1
        let x32 = l2 - b23 * l3, x33 = l3 - b23 * l2
        // det of the half Jacobian; the step is J⁻¹ r = adj(J/2) r / (2 det).
        let det = -(x11 * x23 * x32 + x12 * x21 * x33)
        guard det != 0, det.isFinite else { break }
        let f = 0.5 / det
        let s1 = (-x23 * x32 * r1 - x12 * x33 * r2 + x12 * x23 * r3) * f
        let s2 = (-x21 * x33 * r1 + x11 * x33 * r2 - x11 * x23 * r3) * f
        let s3 = (x21 * x32 * r1 - x11 * x32 * r2 - x12 * x21 * r3) * f
        let n1 = l1 - s1, n2 = l2 - s2, n3 = l3 - s3
        guard n1 > 0, n2 > 0, n3 > 0, n1.isFinite, n2.isFinite, n3.isFinite else { break }
        (l1, l2, l3) = (n1, n2, n3)
    }
    lambda = Vector3(l1, l2, l3)
}

/// The pose mapping the world triangle onto the camera-frame triangle λ_i y_i:
/// `R = [ya yb ya×yb] · [xa xb xa×xb]⁻¹`, `t = λ1 y1 − R X1`.
private func poseFromDepths(_ lambda: Vector3, y: (Vector3, Vector3, Vector3), X: (Vector3, Vector3, Vector3),
                            worldFrameInverse: Matrix3x3) -> Rigid3? {
    let p1 = lambda.x * y.0, p2 = lambda.y * y.1, p3 = lambda.z * y.2
    let ya = p1 - p2, yb = p1 - p3, yc = cross(ya, yb)
    let ym = Matrix3x3(rows: Vector3(ya.x, yb.x, yc.x), Vector3(ya.y, yb.y, yc.y), Vector3(ya.z, yb.z, yc.z))
    let r = ym * worldFrameInverse
    let q = Quaternion(matrix: r)
    guard q.isFinite else { return nil }
    let t = p1 - r * X.0
    guard t.x.isFinite, t.y.isFinite, t.z.isFinite else { return nil }
    return Rigid3(rotation: q, translation: t)
}
