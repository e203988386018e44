import Foundation

/// A pose with the focal length it was estimated with.
public struct FocalPose: Equatable, Sendable {
    /// World-to-camera pose.
    public var camFromWorld: Rigid3Matrix
    /// Focal length, in the units of the image points given to the solver.
    public var focal: Double

    public init(camFromWorld: Rigid3Matrix, focal: Double) {
        self.camFromWorld = camFromWorld
        self.focal = focal
    }
}

/// Minimal absolute pose with unknown focal length (P4Pf): camFromWorld = (R, t) and f with
/// `λ_i (u_i, v_i, f) = R X_i + t`, λ_i > 0, from four image points (centred on the principal
/// point, square pixels) and their world points.
///
/// Formulation after Kukelova, Heller and Fitzgibbon, "Efficient intersection of three quadrics
/// and applications in computer vision" (CVPR 2016), §P4Pf: the projection matrix
/// P = diag(1, 1, 1/f) [R | t] satisfies the 8 equations `u_i (p₃·X̃_i) = p₁·X̃_i`,
/// `v_i (p₃·X̃_i) = p₂·X̃_i`, linear in its 12 entries, so P lies in a 4-dimensional null space
/// (here from a Householder QR); with P = Σ α_k N_k and α₄ = 1, the left 3×3 block M has rows
/// m₁, m₂ orthogonal and of equal norm and m₃ ⟂ m₁: three quadrics in α₁..α₃
/// (`solveThreeQuadrics`, at most 8 real solutions). The fourth constraint m₃ ⟂ m₂ holds for
/// exact data and is left to RANSAC's scoring. Then f = |m₁| / |m₃|, R from m₁, m₂ (Gram–Schmidt,
/// det +1), and the sign of P from the rotation's orientation; solutions with a point behind the
/// camera or a non-positive focal are dropped. World points are centred and scaled first.
///
/// Preconditions: image points in units near one (e.g. pixels over the image size), so that
/// the linear system is well conditioned. Degenerate configurations (coplanar points through
/// the camera centre, repeated points, non-finite values) yield no solution.
/// - Returns: up to 8 solutions, appended to `solutions`.
public func solveP4Pf(imagePoints u: [Vector2], worldPoints X: [Vector3], into solutions: inout [FocalPose]) {
    guard u.count == 4, X.count == 4 else { return }
    solveP4Pf(imagePoints: (u[0], u[1], u[2], u[3]), worldPoints: (X[0], X[1], X[2], X[3]), into: &solutions)
}

/// `solveP4Pf` on four points given as tuples (no allocation in RANSAC loops).
public func solveP4Pf(imagePoints u: (Vector2, Vector2, Vector2, Vector2), worldPoints XIn: (Vector3, Vector3, Vector3, Vector3),
                      into solutions: inout [FocalPose]) {
    let centroid = (XIn.0 + XIn.1 + XIn.2 + XIn.3) / 4
    let spread = max(norm(XIn.0 - centroid), norm(XIn.1 - centroid), norm(XIn.2 - centroid), norm(XIn.3 - centroid))
    let imageSum = u.0 + u.1 + u.2 + u.3
    guard spread > 0, spread.isFinite, imageSum.x.isFinite, imageSum.y.isFinite else { return }
    let X = ((XIn.0 - centroid) / spread, (XIn.1 - centroid) / spread, (XIn.2 - centroid) / spread, (XIn.3 - centroid) / spread)
    @inline(__always) func point(_ i: Int) -> Vector3 { i == 0 ? X.0 : (i == 1 ? X.1 : (i == 2 ? X.2 : X.3)) }
    @inline(__always) func pixel(_ i: Int) -> Vector2 { i == 0 ? u.0 : (i == 1 ? u.1 : (i == 2 ? u.2 : u.3)) }

    withUnsafeTemporaryAllocation(of: Double.self, capacity: 96 + 96 + 48 + 48) { scratch in
        let a = scratch.baseAddress!, vectors = a + 96, basis = vectors + 96, n = basis + 48
        // Mᵀ (12 × 8), column c = equation c: rows 0..3 p₁, 4..7 p₂, 8..11 p₃.
        for k in 0..<96 { a[k] = 0 }
        for i in 0..<4 {
            let p = point(i), x = pixel(i)
            let h = SIMD4<Double>(p.x, p.y, p.z, 1)
            for k in 0..<4 {
                a[k * 8 + 2 * i] = -h[k]
                a[(8 + k) * 8 + 2 * i] = x.x * h[k]
                a[(4 + k) * 8 + 2 * i + 1] = -h[k]
                a[(8 + k) * 8 + 2 * i + 1] = x.y * h[k]
            }
        }
        guard nullSpace12x8(a, vectors: vectors, basis: basis) else { return }
        // Mix the basis (a Hadamard rotation) so that fixing α₄ = 1 never meets a vanishing coordinate
        // of the particular basis the QR happened to give.
        let signs = (SIMD4<Double>(1, 1, 1, 1), SIMD4<Double>(1, -1, 1, -1), SIMD4<Double>(1, 1, -1, -1), SIMD4<Double>(1, -1, -1, 1))
        for k in 0..<4 {
            for e in 0..<12 {
                let sign = k == 0 ? signs.0 : (k == 1 ? signs.1 : (k == 2 ? signs.2 : signs.3))
                n[k * 12 + e] = 0.5 * (sign[0] * basis[e] + sign[1] * basis[12 + e] + sign[2] * basis[24 + e] + sign[3] * basis[36 + e])
            }
        }
        // Row r of M for basis vector k: n[k][4r ..< 4r + 3].
        @inline(__always) func row(_ k: Int, _ r: Int) -> Vector3 { Vector3(n[k * 12 + 4 * r], n[k * 12 + 4 * r + 1], n[k * 12 + 4 * r + 2]) }
        var q = (Quadric3(), Quadric3(), Quadric3())
        for k in 0..<4 {
            let (k0, k1, k2) = (row(k, 0), row(k, 1), row(k, 2))
            for l in k..<4 {
                let (l0, l1, l2) = (row(l, 0), row(l, 1), row(l, 2))
                q.0[k, l] = 0.5 * (dot(k0, l1) + dot(l0, k1))
                q.1[k, l] = dot(k0, l0) - dot(k1, l1)
                q.2[k, l] = 0.5 * (dot(k0, l2) + dot(l0, k2))
            }
        }
        var alphas: [Vector3] = []
        alphas.reserveCapacity(10)
        solveThreeQuadrics(q, into: &alphas)
        for alpha in alphas {
            let w = SIMD4<Double>(alpha.x, alpha.y, alpha.z, 1)
            var p = SIMD16<Double>.zero
            for e in 0..<12 { p[e] = w[0] * n[e] + w[1] * n[12 + e] + w[2] * n[24 + e] + w[3] * n[36 + e] }
            var m1 = Vector3(p[0], p[1], p[2]), m2 = Vector3(p[4], p[5], p[6]), m3 = Vector3(p[8], p[9], p[10])
            var t = Vector3(p[3], p[7], p[11])
            if dot(m3, cross(m1, m2)) < 0 { m1 = -m1; m2 = -m2; m3 = -m3; t = -t }
            let s = 0.5 * (norm(m1) + norm(m2))
            let w3 = norm(m3)
            guard s > 0, w3 > 0, s.isFinite else { continue }
            let focal = s / w3
            let r1 = normalized(m1)
            let r2 = normalized(m2 - dot(m2, r1) * r1)
            let rotation = Matrix3x3(rows: r1, r2, cross(r1, r2))
            // P = diag(1, 1, 1/f) s [R | t]: t = (p₁₄, p₂₄, f p₃₄) / s.
            let translation = Vector3(t.x / s, t.y / s, t.z * focal / s)
            let pose = Rigid3Matrix(rotation: rotation, translation: translation)
            guard pose.apply(X.0).z > 0, pose.apply(X.1).z > 0, pose.apply(X.2).z > 0, pose.apply(X.3).z > 0 else { continue }
            // Back to the caller's world frame: R (X − c)/σ + t' = (R X + σ t' − R c)/σ.
            let camFromWorld = Rigid3Matrix(rotation: rotation, translation: translation * spread - rotation * centroid)
            solutions.append(FocalPose(camFromWorld: camFromWorld, focal: focal))
        }
    }
}

/// The 4-dimensional null space of the 8 × 12 matrix whose transpose is `a` (12 × 8, row-major),
/// from a Householder QR of `a`: the last four columns of Q, written to `basis` (4 × 12). `a` is
/// overwritten; `vectors` (8 × 12) holds the reflections. False when the matrix has rank below 8
/// or non-finite entries.
private func nullSpace12x8(_ a: UnsafeMutablePointer<Double>, vectors: UnsafeMutablePointer<Double>, basis: UnsafeMutablePointer<Double>) -> Bool {
    var maxDiagonal = 0.0, minDiagonal = Double.infinity
    for k in 0..<8 {
        let v = vectors + 12 * k
        var normSquared = 0.0
        for r in 0..<12 { v[r] = r < k ? 0 : a[r * 8 + k] }
        for r in k..<12 { normSquared += v[r] * v[r] }
        let length = normSquared.squareRoot()
        guard length.isFinite else { return false }
        maxDiagonal = max(maxDiagonal, length)
        minDiagonal = min(minDiagonal, length)
        let alpha = v[k] >= 0 ? -length : length
        v[k] -= alpha
        var vv = 0.0
        for r in k..<12 { vv += v[r] * v[r] }
        if vv > 0 {
            // Apply H = I − 2 v vᵀ / vᵀv to the remaining columns.
            for c in (k + 1)..<8 {
                var dotValue = 0.0
                for r in k..<12 { dotValue += v[r] * a[r * 8 + c] }
                let factor = 2 * dotValue / vv
                for r in k..<12 { a[r * 8 + c] -= factor * v[r] }
            }
            let inverse = 1 / vv.squareRoot()
            for r in k..<12 { v[r] *= inverse }
        }
        a[k * 8 + k] = alpha
    }
    guard maxDiagonal > 0, minDiagonal > 1e-10 * maxDiagonal else { return false }
    // Q e_j = H₀ H₁ … H₇ e_j for j = 8..11.
    for j in 8..<12 {
        let x = basis + 12 * (j - 8)
        for r in 0..<12 { x[r] = r == j ? 1 : 0 }
        for k in stride(from: 7, through: 0, by: -1) {
            let v = vectors + 12 * k
            var dotValue = 0.0
            for r in k..<12 { dotValue += v[r] * x[r] }
            for r in k..<12 { x[r] -= 2 * dotValue * v[r] }
        }
    }
    return true
}
