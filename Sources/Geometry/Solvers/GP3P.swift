import Foundation

/// Minimal generalized absolute pose (GP3P): the pose `rigFromWorld` of a generalized camera
/// (a multi-camera rig) from three rays and the world points they observe,
/// `origin_i + λ_i · direction_i = R X_i + t` with λ_i > 0, rays in the rig frame.
///
/// Formulation after Nistér and Stewénius, "A minimal solution to the generalised 3-point pose
/// problem" (JMIV 2007): the depths λ_i satisfy the three distance constraints
/// `E_ij: |o_i + λ_i d_i − o_j − λ_j d_j|² = |X_i − X_j|²`, three quadrics with at most 8 common
/// solutions (Kukelova, Heller and Fitzgibbon, CVPR 2016, solve such systems in general). Here the
/// structure is used directly, by our own elimination with λ₀ = s hidden: E₀₁ and E₀₂ are monic
/// quadratics in λ₁ and λ₂; substituting λ₁², λ₂² from them makes E₁₂ bilinear, so λ₂ = −N/D
/// with N, D linear in λ₁; E₀₂ times D² is then a quadratic in λ₁, reduced by E₀₁ to a linear
/// equation λ₁ = −U(s)/V(s); and E₀₁ times V² is the octic U² − b₁ U V + c₁ V² = 0 in s alone.
/// Its positive real roots (Sturm sequences) give λ₁, λ₂ back, Newton polishes the three depths on
/// E_ij, and the pose aligns the three rig-frame points with the world points. Coordinates are
/// scaled by the world triangle's size first.
///
/// Preconditions: unit directions. Degenerate input (coincident or collinear world points,
/// non-finite values) yields no solution. Rays through one centre are a central camera: still
/// solved (as P3P), though `solveP3P` is faster for that case.
/// - Returns: up to 8 poses, appended to `poses`.
public func solveGP3P(origins o: (Vector3, Vector3, Vector3), directions dIn: (Vector3, Vector3, Vector3),
                      points X: (Vector3, Vector3, Vector3), into poses: inout [Rigid3Matrix]) {
    let a01 = X.0 - X.1, a02 = X.0 - X.2, a12 = X.1 - X.2
    let d01 = dot(a01, a01), d02 = dot(a02, a02), d12 = dot(a12, a12)
    let scale2 = max(d01, d02, d12)
    let normal = cross(a01, a02)
    guard scale2.isFinite, scale2 > 0, dot(normal, normal) > 1e-20 * scale2 * scale2 else { return }
    let inverseScale = 1 / scale2.squareRoot()
    let o0 = o.0 * inverseScale, o1 = o.1 * inverseScale, o2 = o.2 * inverseScale
    let (d0, d1, d2) = dIn
    let all = o0 + o1 + o2 + d0 + d1 + d2
    guard all.x.isFinite, all.y.isFinite, all.z.isFinite else { return }

    // E_ij = λi² + λj² − 2 m λi λj + 2 p λi − 2 q λj + r.
    @inline(__always) func terms(_ oi: Vector3, _ oj: Vector3, _ di: Vector3, _ dj: Vector3, _ distance2: Double)
        -> (m: Double, p: Double, q: Double, r: Double) {
        let oij = oi - oj
        return (dot(di, dj), dot(di, oij), dot(dj, oij), dot(oij, oij) - distance2 / scale2)
    }
    let e01 = terms(o0, o1, d0, d1, d01), e02 = terms(o0, o2, d0, d2, d02), e12 = terms(o1, o2, d1, d2, d12)
    // With s = λ0: E01 = λ1² + b1 λ1 + c1, E02 = λ2² + b2 λ2 + c2.
    let b1 = Polynomial(-2 * e01.q, -2 * e01.m), c1 = Polynomial(e01.r, 2 * e01.p, 1)
    let b2 = Polynomial(-2 * e02.q, -2 * e02.m), c2 = Polynomial(e02.r, 2 * e02.p, 1)
    // E12 with the squares substituted: λ2 (μ λ1 + h) = −(k λ1 + g).
    let mu = -2 * e12.m
    let h = Polynomial(-2 * e12.q) - b2
    let k = Polynomial(2 * e12.p) - b1
    let g = Polynomial(e12.r) - c1 - c2
    // E02 · D², a quadratic A λ1² + B λ1 + C in λ1.
    let a = k * k - mu * (b2 * k) + (mu * mu) * c2
    let b = 2 * (k * g) - b2 * (k * h + mu * g) + (2 * mu) * (c2 * h)
    let c = g * g - b2 * (g * h) + c2 * (h * h)
    // Reduced by E01: V λ1 + U = 0.
    let v = b - a * b1
    let u = c - a * c1
    let octic = u * u - b1 * (u * v) + c1 * (v * v)

    let roots = realPolynomialRoots(octic, positiveOnly: true)
    guard roots.count > 0 else { return }
    @inline(__always) func quadric(_ i: Int, _ j: Int, _ e: (m: Double, p: Double, q: Double, r: Double)) -> Quadric3 {
        var q = Quadric3()
        q[i, i] = 1
        q[j, j] = 1
        q[i, j] = -e.m
        q[i, 3] = e.p
        q[j, 3] = -e.q
        q[3, 3] = e.r
        return q
    }
    let quadrics = (quadric(0, 1, e01), quadric(0, 2, e02), quadric(1, 2, e12))
    let scale = scale2.squareRoot()
    for index in 0..<roots.count {
        let s = roots[index]
        let vs = v(s)
        guard vs != 0 else { continue }
        let l1 = -u(s) / vs
        let ds = mu * l1 + h(s)
        guard ds != 0 else { continue }
        let l2 = -(k(s) * l1 + g(s)) / ds
        var lambda = Vector3(s, l1, l2)
        guard lambda.y > 0, lambda.z > 0, polishOnQuadrics(&lambda, quadrics),
              lambda.x > 0, lambda.y > 0, lambda.z > 0 else { continue }
        let size = 1 + dot(lambda, lambda)
        guard abs(quadrics.0.value(lambda)) <= 1e-8 * size, abs(quadrics.1.value(lambda)) <= 1e-8 * size,
              abs(quadrics.2.value(lambda)) <= 1e-8 * size else { continue }
        let p0 = (o0 + lambda.x * d0) * scale
        let p1 = (o1 + lambda.y * d1) * scale
        let p2 = (o2 + lambda.z * d2) * scale
        if let pose = alignTriangles(from: X, to: (p0, p1, p2)) { poses.append(pose) }
    }
}

/// The rigid transform taking the triangle `a` onto the congruent triangle `b` (b_i = R a_i + t),
/// through orthonormal frames built on each triangle; nil for a degenerate triangle.
func alignTriangles(from a: (Vector3, Vector3, Vector3), to b: (Vector3, Vector3, Vector3)) -> Rigid3Matrix? {
    func frame(_ p: (Vector3, Vector3, Vector3)) -> Matrix3x3? {
        let u = p.1 - p.0, v = p.2 - p.0
        let nu = norm(u)
        guard nu > 0 else { return nil }
        let e0 = u / nu
        let w = v - dot(v, e0) * e0
        let nw = norm(w)
        guard nw > 0 else { return nil }
        let e1 = w / nw
        return Matrix3x3(rows: e0, e1, cross(e0, e1))
    }
    guard let fa = frame(a), let fb = frame(b) else { return nil }
    // R maps fa's axes to fb's: R = fbᵀ fa (frames as rows).
    let rotation = fb.transposed * fa
    let ca = (a.0 + a.1 + a.2) / 3, cb = (b.0 + b.1 + b.2) / 3
    return Rigid3Matrix(rotation: rotation, translation: cb - rotation * ca)
}
