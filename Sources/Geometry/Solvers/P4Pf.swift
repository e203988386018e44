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
/// `v_i (p₃·X̃_i) = p₂·X̃_i`, linear in its 12 entries, so P lies in a 4-dimensional null space.
/// Here that space is written in closed form (our own step): with M the 4×4 matrix of rows X̃_i,
/// p₁ = M⁻¹ diag(u) M p₃ and p₂ = M⁻¹ diag(v) M p₃, so P is linear in α = p₃, whose last entry (the
/// depth of the points' centroid over f) is positive and is set to 1. The left 3×3 block of P has
/// rows m₁, m₂ orthogonal and of equal norm and m₃ ⟂ m₁: three quadrics in α₁..α₃
/// (`solveThreeQuadrics`, at most 8 real solutions). The fourth constraint m₃ ⟂ m₂ holds for
/// exact data and is left to RANSAC's scoring. Then f = |m₁| / |m₃|, R from m₁, m₂ (Gram–Schmidt,
/// det +1), and the sign of P from the rotation's orientation; solutions with a point behind the
/// camera are dropped. World points are centred and scaled first.
///
/// Preconditions: image points in units near one (e.g. pixels over the image size), so that
/// the quadrics are well conditioned. Degenerate configurations (four coplanar world points,
/// repeated points, non-finite values) yield no solution.
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

    do {
        // With M the 4×4 matrix of rows X̃_i, the equations say M p₁ = diag(u) M p₃ and
        // M p₂ = diag(v) M p₃: the null space is P(p₃) = [A_u p₃; A_v p₃; p₃] with
        // A_u = M⁻¹ diag(u) M, A_v = M⁻¹ diag(v) M (coplanar points make M singular: no solution).
        // α = p₃ = w (r₃, t₃); its last entry w t₃ is the depth of the points' centroid (the world
        // origin here) times 1/f, positive, so α₄ = 1 is safe.
        guard let inverse = inverse4(rows: (SIMD4(X.0.x, X.0.y, X.0.z, 1), SIMD4(X.1.x, X.1.y, X.1.z, 1),
                                             SIMD4(X.2.x, X.2.y, X.2.z, 1), SIMD4(X.3.x, X.3.y, X.3.z, 1))) else { return }
        let m = (SIMD4(X.0.x, X.0.y, X.0.z, 1), SIMD4(X.1.x, X.1.y, X.1.z, 1), SIMD4(X.2.x, X.2.y, X.2.z, 1), SIMD4(X.3.x, X.3.y, X.3.z, 1))
        let us = SIMD4(u.0.x, u.1.x, u.2.x, u.3.x), vs = SIMD4(u.0.y, u.1.y, u.2.y, u.3.y)
        // Rows r of A_u: Σ_i inverse[r][i] u_i M[i] (M[i] the i-th row).
        @inline(__always) func product(_ weights: SIMD4<Double>) -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>) {
            @inline(__always) func row(_ c: SIMD4<Double>) -> SIMD4<Double> {
                let w = c * weights
                return w[0] * m.0 + w[1] * m.1 + w[2] * m.2 + w[3] * m.3
            }
            return (row(inverse.0), row(inverse.1), row(inverse.2), row(inverse.3))
        }
        let au = product(us), av = product(vs)
        // m₁ = first three rows of A_u applied to α, m₂ the same with A_v, m₃ = α's first three entries.
        // As quadratic forms in α: (m_a · m_b)(α) = αᵀ (R_aᵀ R_b) α with R the 3×4 row blocks.
        let r1 = (au.0, au.1, au.2), r2 = (av.0, av.1, av.2)
        let r3 = (SIMD4<Double>(1, 0, 0, 0), SIMD4<Double>(0, 1, 0, 0), SIMD4<Double>(0, 0, 1, 0))
        @inline(__always) func form(_ a: (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>), _ b: (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>)) -> Quadric3 {
            var q = Quadric3()
            for k in 0..<4 {
                for l in k..<4 {
                    let kl = a.0[k] * b.0[l] + a.1[k] * b.1[l] + a.2[k] * b.2[l]
                    let lk = a.0[l] * b.0[k] + a.1[l] * b.1[k] + a.2[l] * b.2[k]
                    q[k, l] = 0.5 * (kl + lk)
                }
            }
            return q
        }
        var q1 = form(r1, r1)
        q1.g -= form(r2, r2).g
        let q = (form(r1, r2), q1, form(r1, r3))
        var alphas: [Vector3] = []
        alphas.reserveCapacity(10)
        solveThreeQuadrics(q, into: &alphas)
        for alpha in alphas {
            let a4 = SIMD4<Double>(alpha.x, alpha.y, alpha.z, 1)
            let p1 = SIMD4((au.0 * a4).sum(), (au.1 * a4).sum(), (au.2 * a4).sum(), (au.3 * a4).sum())
            let p2 = SIMD4((av.0 * a4).sum(), (av.1 * a4).sum(), (av.2 * a4).sum(), (av.3 * a4).sum())
            let p = SIMD16<Double>(p1[0], p1[1], p1[2], p1[3], p2[0], p2[1], p2[2], p2[3], a4[0], a4[1], a4[2], a4[3], 0, 0, 0, 0)
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

/// The inverse of a 4×4 matrix given by rows (cofactors), nil when singular or ill-conditioned.
func inverse4(rows m: (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>)) -> (SIMD4<Double>, SIMD4<Double>, SIMD4<Double>, SIMD4<Double>)? {
    // 2×2 minors of the first two rows (s) and the last two (c).
    let s0 = m.0[0] * m.1[1] - m.1[0] * m.0[1], s1 = m.0[0] * m.1[2] - m.1[0] * m.0[2]
    let s2 = m.0[0] * m.1[3] - m.1[0] * m.0[3], s3 = m.0[1] * m.1[2] - m.1[1] * m.0[2]
    let s4 = m.0[1] * m.1[3] - m.1[1] * m.0[3], s5 = m.0[2] * m.1[3] - m.1[2] * m.0[3]
    let c5 = m.2[2] * m.3[3] - m.3[2] * m.2[3], c4 = m.2[1] * m.3[3] - m.3[1] * m.2[3]
    let c3 = m.2[1] * m.3[2] - m.3[1] * m.2[2], c2 = m.2[0] * m.3[3] - m.3[0] * m.2[3]
    let c1 = m.2[0] * m.3[2] - m.3[0] * m.2[2], c0 = m.2[0] * m.3[1] - m.3[0] * m.2[1]
    let det = s0 * c5 - s1 * c4 + s2 * c3 + s3 * c2 - s4 * c1 + s5 * c0
    let size = max((m.0 * m.0).sum(), (m.1 * m.1).sum(), (m.2 * m.2).sum(), (m.3 * m.3).sum())
    guard det.isFinite, abs(det) > 1e-12 * size * size else { return nil }
    let i = 1 / det
    let r0 = SIMD4(m.1[1] * c5 - m.1[2] * c4 + m.1[3] * c3, -m.0[1] * c5 + m.0[2] * c4 - m.0[3] * c3,
                   m.3[1] * s5 - m.3[2] * s4 + m.3[3] * s3, -m.2[1] * s5 + m.2[2] * s4 - m.2[3] * s3) * i
    let r1 = SIMD4(-m.1[0] * c5 + m.1[2] * c2 - m.1[3] * c1, m.0[0] * c5 - m.0[2] * c2 + m.0[3] * c1,
                   -m.3[0] * s5 + m.3[2] * s2 - m.3[3] * s1, m.2[0] * s5 - m.2[2] * s2 + m.2[3] * s1) * i
    let r2 = SIMD4(m.1[0] * c4 - m.1[1] * c2 + m.1[3] * c0, -m.0[0] * c4 + m.0[1] * c2 - m.0[3] * c0,
                   m.3[0] * s4 - m.3[1] * s2 + m.3[3] * s0, -m.2[0] * s4 + m.2[1] * s2 - m.2[3] * s0) * i
    let r3 = SIMD4(-m.1[0] * c3 + m.1[1] * c1 - m.1[2] * c0, m.0[0] * c3 - m.0[1] * c1 + m.0[2] * c0,
                   -m.3[0] * s3 + m.3[1] * s1 - m.3[2] * s0, m.2[0] * s3 - m.2[1] * s1 + m.2[2] * s0) * i
    return (r0, r1, r2, r3)
}
