import Foundation

/// A quadric in three unknowns, `vᵀ G v = 0` with v = (x, y, z, 1) and G symmetric 4×4
/// (row-major in `g`).
struct Quadric3 {
    var g = SIMD16<Double>.zero

    subscript(row: Int, column: Int) -> Double {
        get { g[row * 4 + column] }
        set { g[row * 4 + column] = newValue; g[column * 4 + row] = newValue }
    }

    @inline(__always)
    func value(_ v: Vector3) -> Double {
        let h = SIMD4<Double>(v.x, v.y, v.z, 1)
        var total = 0.0
        for r in 0..<4 {
            let row = SIMD4<Double>(g[r * 4], g[r * 4 + 1], g[r * 4 + 2], g[r * 4 + 3])
            total += h[r] * (row * h).sum()
        }
        return total
    }

    /// ∂/∂(x, y, z).
    @inline(__always)
    func gradient(_ v: Vector3) -> Vector3 {
        let h = SIMD4<Double>(v.x, v.y, v.z, 1)
        var out = Vector3.zero
        for r in 0..<3 {
            let row = SIMD4<Double>(g[r * 4], g[r * 4 + 1], g[r * 4 + 2], g[r * 4 + 3])
            out[r] = 2 * (row * h).sum()
        }
        return out
    }

    var magnitude: Double { max(abs(g.max()), abs(g.min())) }
}

/// Real solutions of three quadrics in three unknowns ("E3Q3"; at most 8, after Kukelova,
/// Heller and Fitzgibbon, "Efficient intersection of three quadrics and applications in
/// computer vision", CVPR 2016, which reduces GP3P and P4Pf to this problem).
///
/// The elimination here is our own, by a hidden variable z: the three equations are linear in
/// the monomials x², xy, y² (constant coefficients, a 3×3 matrix A), so x² = L₀, xy = L₁ and
/// y² = L₂ with L_r linear forms in (x, y, 1) whose coefficients are polynomials in z (degrees
/// 1, 1, 2). Three identities of the monomials, x·(xy) = y·(x²), y·(xy) = x·(y²) and
/// (x²)(y²) = (xy)², with x², xy, y² replaced by the L's again, become three linear equations
/// in (x, y, 1) (coefficient degrees 2, 2, 3 for the first two rows and 3, 3, 4 for the third).
/// A solution makes their 3×3 matrix singular: its determinant is a polynomial of degree 8 in z
/// whose roots are exactly the 8 solutions (an earlier version substituted the first two rows'
/// null vector into a quadric instead, a degree-10 polynomial with 2 extraneous roots). (x, y)
/// follow from the null vector, the cross product of the best-conditioned pair of rows. Which
/// unknown is hidden is chosen for the best-conditioned A. Each solution is polished by Newton's
/// method on the three quadrics.
/// - Returns: the solutions (x, y, z), appended to `solutions`; none for degenerate input.
func solveThreeQuadrics(_ q: (Quadric3, Quadric3, Quadric3), into solutions: inout [Vector3]) {
    @inline(__always) func quadric(_ k: Int) -> Quadric3 { k == 0 ? q.0 : (k == 1 ? q.1 : q.2) }
    // Hidden unknown h, the others (i, j): A's conditioning as |det| over the product of its rows' norms.
    var best = (hidden: 2, i: 0, j: 1, quality: -1.0)
    for (h, i, j) in [(2, 0, 1), (0, 1, 2), (1, 0, 2)] {
        let r0 = Vector3(q.0[i, i], 2 * q.0[i, j], q.0[j, j])
        let r1 = Vector3(q.1[i, i], 2 * q.1[i, j], q.1[j, j])
        let r2 = Vector3(q.2[i, i], 2 * q.2[i, j], q.2[j, j])
        let det = dot(r0, cross(r1, r2))
        let scale = norm(r0) * norm(r1) * norm(r2)
        guard scale > 0, det.isFinite else { continue }
        let quality = abs(det) / scale
        if quality > best.quality { best = (h, i, j, quality) }
    }
    let (h, i, j, quality) = best
    guard quality > 1e-12 else { return }

    // A [x², xy, y²]ᵀ = −(d x + e y + f), rows per quadric.
    let a = Matrix3x3(rows: Vector3(q.0[i, i], 2 * q.0[i, j], q.0[j, j]), Vector3(q.1[i, i], 2 * q.1[i, j], q.1[j, j]),
                      Vector3(q.2[i, i], 2 * q.2[i, j], q.2[j, j]))
    @inline(__always) func d(_ k: Int) -> Polynomial { let g = quadric(k); return Polynomial(2 * g[i, 3], 2 * g[i, h]) }
    @inline(__always) func e(_ k: Int) -> Polynomial { let g = quadric(k); return Polynomial(2 * g[j, 3], 2 * g[j, h]) }
    @inline(__always) func f(_ k: Int) -> Polynomial { let g = quadric(k); return Polynomial(g[3, 3], 2 * g[h, 3], g[h, h]) }
    let (d0, d1, d2, e0, e1, e2, f0, f1, f2) = (d(0), d(1), d(2), e(0), e(1), e(2), f(0), f(1), f(2))
    guard let b = inverse3(a) else { return }
    // x² = P1x x + P1y y + P10, xy = P2…, y² = P3…
    @inline(__always) func combine(_ r: Int, _ p0: Polynomial, _ p1: Polynomial, _ p2: Polynomial) -> Polynomial {
        -b[r, 0] * p0 - b[r, 1] * p1 - b[r, 2] * p2
    }
    let (px0, px1, px2) = (combine(0, d0, d1, d2), combine(1, d0, d1, d2), combine(2, d0, d1, d2))
    let (py0, py1, py2) = (combine(0, e0, e1, e2), combine(1, e0, e1, e2), combine(2, e0, e1, e2))
    let (pc0, pc1, pc2) = (combine(0, f0, f1, f2), combine(1, f0, f1, f2), combine(2, f0, f1, f2))
    // x·(xy) − y·(x²) = c1x x + c1y y + c10.
    let c1x = px1 * px0 + py1 * px1 + pc1 - (px0 * px1 + py0 * px2)
    let c1y = px1 * py0 + py1 * py1 - (px0 * py1 + py0 * py2 + pc0)
    let c10 = px1 * pc0 + py1 * pc1 - (px0 * pc1 + py0 * pc2)
    // y·(xy) − x·(y²) = c2x x + c2y y + c20.
    let c2x = px1 * px1 + py1 * px2 - (px2 * px0 + py2 * px1 + pc2)
    let c2y = px1 * py1 + py1 * py2 + pc1 - (px2 * py0 + py2 * py1)
    let c20 = px1 * pc1 + py1 * pc2 - (px2 * pc0 + py2 * pc1)
    // (x²)(y²) − (xy)² = L₀L₂ − L₁², its quadratic monomials replaced by the L's = c3x x + c3y y + c30.
    let qxx = px0 * px2 - px1 * px1, qyy = py0 * py2 - py1 * py1
    let qxy = px0 * py2 + py0 * px2 - 2 * (px1 * py1)
    let qx = px0 * pc2 + pc0 * px2 - 2 * (px1 * pc1)
    let qy = py0 * pc2 + pc0 * py2 - 2 * (py1 * pc1)
    let q1 = pc0 * pc2 - pc1 * pc1
    let c3x = qxx * px0 + qxy * px1 + qyy * px2 + qx
    let c3y = qxx * py0 + qxy * py1 + qyy * py2 + qy
    let c30 = qxx * pc0 + qxy * pc1 + qyy * pc2 + q1
    // The rows' 2×2 minors in (x, y): each row pair's null vector is (minor_y0, minor_0x, minor_xy).
    let m12 = c1x * c2y - c2x * c1y, m13 = c1x * c3y - c3x * c1y, m23 = c2x * c3y - c3x * c2y
    let univariate = c10 * m23 - c20 * m13 + c30 * m12

    let roots = realPolynomialRoots(univariate)
    let scales = (q.0.magnitude, q.1.magnitude, q.2.magnitude)
    for k in 0..<roots.count {
        let z = roots[k]
        let r1 = Vector3(c1x(z), c1y(z), c10(z)), r2 = Vector3(c2x(z), c2y(z), c20(z)), r3 = Vector3(c3x(z), c3y(z), c30(z))
        // (x, y, 1) ∝ the null vector: the cross product of two rows, the pair with the largest last entry.
        let n12 = cross(r1, r2), n13 = cross(r1, r3), n23 = cross(r2, r3)
        var n = n12
        if abs(n13.z) > abs(n.z) { n = n13 }
        if abs(n23.z) > abs(n.z) { n = n23 }
        guard n.z != 0, n.z.isFinite else { continue }
        var u = Vector3.zero
        u[i] = n.x / n.z; u[j] = n.y / n.z; u[h] = z
        guard polishOnQuadrics(&u, q) else { continue }
        let size = 1 + dot(u, u)
        guard abs(q.0.value(u)) <= 1e-10 * scales.0 * size, abs(q.1.value(u)) <= 1e-10 * scales.1 * size,
              abs(q.2.value(u)) <= 1e-10 * scales.2 * size else { continue }
        if solutions.contains(where: { norm($0 - u) <= 1e-9 * size.squareRoot() }) { continue }
        solutions.append(u)
    }
}

/// Newton's method on three quadrics from `u`; false when a step is not finite.
func polishOnQuadrics(_ u: inout Vector3, _ q: (Quadric3, Quadric3, Quadric3)) -> Bool {
    for _ in 0..<4 {
        let r = Vector3(q.0.value(u), q.1.value(u), q.2.value(u))
        let j0 = q.0.gradient(u), j1 = q.1.gradient(u), j2 = q.2.gradient(u)
        let det = dot(j0, cross(j1, j2))
        guard det != 0, det.isFinite else { return u.x.isFinite && u.y.isFinite && u.z.isFinite }
        // Cramer: the step s solves J s = r (rows j0, j1, j2).
        let c0 = cross(j1, j2), c1 = cross(j2, j0), c2 = cross(j0, j1)
        let step = (r.x * c0 + r.y * c1 + r.z * c2) / det
        guard step.x.isFinite, step.y.isFinite, step.z.isFinite else { return false }
        u -= step
        if dot(step, step) <= 1e-30 * (1 + dot(u, u)) { break }
    }
    return true
}

/// Inverse of a 3×3 matrix; nil when singular.
func inverse3(_ m: Matrix3x3) -> Matrix3x3? {
    let (r0, r1, r2) = m.rows
    let c0 = cross(r1, r2), c1 = cross(r2, r0), c2 = cross(r0, r1)
    let det = dot(r0, c0)
    guard det != 0, det.isFinite else { return nil }
    // The inverse's columns are the cofactor rows c0, c1, c2 over det.
    return Matrix3x3(rows: Vector3(c0.x, c1.x, c2.x) / det, Vector3(c0.y, c1.y, c2.y) / det, Vector3(c0.z, c1.z, c2.z) / det)
}
