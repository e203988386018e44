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
/// the monomials x², xy, y² (constant coefficients, a 3×3 matrix A), so x², xy and y² are linear
/// forms in (x, y, 1) with coefficients polynomial in z. The two syzygies x·(xy) = y·(x²) and
/// y·(xy) = x·(y²), reduced the same way, are two linear equations in (x, y, 1); by Cramer's rule
/// x = Nx(z)/D(z), y = Ny(z)/D(z), and the first quadric times D² is a polynomial of degree 10
/// in z whose roots are the 8 solutions plus 2 extraneous ones (from the elimination; they fail
/// the other quadrics and are dropped). Which unknown is hidden is chosen for the best-conditioned
/// A. Each solution is polished by Newton's method on the three quadrics.
/// - Returns: the solutions (x, y, z), appended to `solutions`; none for degenerate input.
func solveThreeQuadrics(_ q: (Quadric3, Quadric3, Quadric3), into solutions: inout [Vector3]) {
    let quadrics = [q.0, q.1, q.2]
    // Hidden unknown h, the others (i, j): A's conditioning as |det| over the product of its rows' norms.
    var best: (hidden: Int, i: Int, j: Int, quality: Double)?
    for (h, i, j) in [(2, 0, 1), (0, 1, 2), (1, 0, 2)] {
        var rows: [Vector3] = []
        for k in 0..<3 { rows.append(Vector3(quadrics[k][i, i], 2 * quadrics[k][i, j], quadrics[k][j, j])) }
        let det = dot(rows[0], cross(rows[1], rows[2]))
        let scale = norm(rows[0]) * norm(rows[1]) * norm(rows[2])
        guard scale > 0, det.isFinite else { continue }
        let quality = abs(det) / scale
        if best == nil || quality > best!.quality { best = (h, i, j, quality) }
    }
    guard let (h, i, j, quality) = best, quality > 1e-12 else { return }

    // A [x², xy, y²]ᵀ = −(d x + e y + f), rows per quadric.
    var a = [Double](repeating: 0, count: 9)
    var d: [Polynomial] = [], e: [Polynomial] = [], f: [Polynomial] = []
    for k in 0..<3 {
        let g = quadrics[k]
        a[3 * k] = g[i, i]; a[3 * k + 1] = 2 * g[i, j]; a[3 * k + 2] = g[j, j]
        d.append(Polynomial(2 * g[i, 3], 2 * g[i, h]))
        e.append(Polynomial(2 * g[j, 3], 2 * g[j, h]))
        f.append(Polynomial(g[3, 3], 2 * g[h, 3], g[h, h]))
    }
    guard let b = inverse3(a) else { return }
    // x² = P1x x + P1y y + P10, xy = P2…, y² = P3…
    var px: [Polynomial] = [], py: [Polynomial] = [], p0: [Polynomial] = []
    for r in 0..<3 {
        px.append(-b[3 * r] * d[0] - b[3 * r + 1] * d[1] - b[3 * r + 2] * d[2])
        py.append(-b[3 * r] * e[0] - b[3 * r + 1] * e[1] - b[3 * r + 2] * e[2])
        p0.append(-b[3 * r] * f[0] - b[3 * r + 1] * f[1] - b[3 * r + 2] * f[2])
    }
    // x·(xy) − y·(x²) = c1x x + c1y y + c10.
    let c1x = px[1] * px[0] + py[1] * px[1] + p0[1] - (px[0] * px[1] + py[0] * px[2])
    let c1y = px[1] * py[0] + py[1] * py[1] - (px[0] * py[1] + py[0] * py[2] + p0[0])
    let c10 = px[1] * p0[0] + py[1] * p0[1] - (px[0] * p0[1] + py[0] * p0[2])
    // y·(xy) − x·(y²) = c2x x + c2y y + c20.
    let c2x = px[1] * px[1] + py[1] * px[2] - (px[2] * px[0] + py[2] * px[1] + p0[2])
    let c2y = px[1] * py[1] + py[1] * py[2] + p0[1] - (px[2] * py[0] + py[2] * py[1])
    let c20 = px[1] * p0[1] + py[1] * p0[2] - (px[2] * p0[0] + py[2] * p0[1])
    let den = c1x * c2y - c2x * c1y
    let nx = c1y * c20 - c2y * c10
    let ny = c2x * c10 - c1x * c20
    let univariate = a[0] * (nx * nx) + a[1] * (nx * ny) + a[2] * (ny * ny)
        + (d[0] * nx + e[0] * ny) * den + f[0] * (den * den)

    var roots: [Double] = []
    roots.reserveCapacity(10)
    realPolynomialRoots(univariate, into: &roots)
    let scales = quadrics.map(\.magnitude)
    for z in roots {
        let dz = den(z)
        guard dz != 0, dz.isFinite else { continue }
        var u = Vector3.zero
        u[i] = nx(z) / dz; u[j] = ny(z) / dz; u[h] = z
        guard polishOnQuadrics(&u, quadrics) else { continue }
        let size = 1 + dot(u, u)
        guard zip(quadrics, scales).allSatisfy({ abs($0.value(u)) <= 1e-10 * $1 * size }) else { continue }
        if solutions.contains(where: { norm($0 - u) <= 1e-9 * size.squareRoot() }) { continue }
        solutions.append(u)
    }
}

/// Newton's method on three quadrics from `u`; false when a step is not finite.
private func polishOnQuadrics(_ u: inout Vector3, _ quadrics: [Quadric3]) -> Bool {
    for _ in 0..<4 {
        let r = Vector3(quadrics[0].value(u), quadrics[1].value(u), quadrics[2].value(u))
        let j0 = quadrics[0].gradient(u), j1 = quadrics[1].gradient(u), j2 = quadrics[2].gradient(u)
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

/// Inverse of a row-major 3×3 matrix; nil when singular.
func inverse3(_ m: [Double]) -> [Double]? {
    let r0 = Vector3(m[0], m[1], m[2]), r1 = Vector3(m[3], m[4], m[5]), r2 = Vector3(m[6], m[7], m[8])
    let c0 = cross(r1, r2), c1 = cross(r2, r0), c2 = cross(r0, r1)
    let det = dot(r0, c0)
    guard det != 0, det.isFinite else { return nil }
    // The inverse's columns are the cofactor rows c0, c1, c2 over det.
    return [c0.x, c1.x, c2.x, c0.y, c1.y, c2.y, c0.z, c1.z, c2.z].map { $0 / det }
}
