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
public func solveP4Pf(imagePoints u: [Vector2], worldPoints XIn: [Vector3], into solutions: inout [FocalPose]) {
    guard u.count == 4, XIn.count == 4 else { return }
    var centroid = Vector3.zero
    for p in XIn { centroid += p }
    centroid /= 4
    var spread = 0.0
    for p in XIn { spread = max(spread, norm(p - centroid)) }
    guard spread > 0, spread.isFinite, u.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
    let X = XIn.map { ($0 - centroid) / spread }

    // Mᵀ (12 × 8), column c = equation c: rows 0..3 p₁, 4..7 p₂, 8..11 p₃.
    var a = [Double](repeating: 0, count: 96)  // a[row * 8 + column]
    for i in 0..<4 {
        let h = [X[i].x, X[i].y, X[i].z, 1.0]
        for k in 0..<4 {
            a[k * 8 + 2 * i] = -h[k]
            a[(8 + k) * 8 + 2 * i] = u[i].x * h[k]
            a[(4 + k) * 8 + 2 * i + 1] = -h[k]
            a[(8 + k) * 8 + 2 * i + 1] = u[i].y * h[k]
        }
    }
    guard let basis = nullSpace12x8(&a) else { return }
    // Mix the basis (a Hadamard rotation) so that fixing α₄ = 1 never meets a vanishing coordinate
    // of the particular basis the QR happened to give.
    let hadamard: [[Double]] = [[1, 1, 1, 1], [1, -1, 1, -1], [1, 1, -1, -1], [1, -1, -1, 1]]
    var n = [[Double]](repeating: [Double](repeating: 0, count: 12), count: 4)
    for k in 0..<4 { for l in 0..<4 { for e in 0..<12 { n[k][e] += 0.5 * hadamard[k][l] * basis[l][e] } } }
    // Row r of M for basis vector k: n[k][4r ..< 4r + 3].
    func row(_ k: Int, _ r: Int) -> Vector3 { Vector3(n[k][4 * r], n[k][4 * r + 1], n[k][4 * r + 2]) }
    func form(_ r: Int, _ s: Int) -> [[Double]] {
        (0..<4).map { k in (0..<4).map { l in 0.5 * (dot(row(k, r), row(l, s)) + dot(row(l, r), row(k, s))) } }
    }
    let g01 = form(0, 1), g00 = form(0, 0), g11 = form(1, 1), g02 = form(0, 2)
    var q = (Quadric3(), Quadric3(), Quadric3())
    for k in 0..<4 {
        for l in k..<4 {
            q.0[k, l] = g01[k][l]
            q.1[k, l] = g00[k][l] - g11[k][l]
            q.2[k, l] = g02[k][l]
        }
    }
    var alphas: [Vector3] = []
    alphas.reserveCapacity(8)
    solveThreeQuadrics(q, into: &alphas)
    for alpha in alphas {
        let w = [alpha.x, alpha.y, alpha.z, 1.0]
        var p = [Double](repeating: 0, count: 12)
        for k in 0..<4 { for e in 0..<12 { p[e] += w[k] * n[k][e] } }
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
        guard X.allSatisfy({ pose.apply($0).z > 0 }) else { continue }
        // Back to the caller's world frame: R (X − c)/σ + t' = (R X + σ t' − R c)/σ.
        let camFromWorld = Rigid3Matrix(rotation: rotation, translation: translation * spread - rotation * centroid)
        solutions.append(FocalPose(camFromWorld: camFromWorld, focal: focal))
    }
}

/// The 4-dimensional null space of the 8 × 12 matrix whose transpose is `a` (12 × 8, row-major),
/// from a Householder QR of `a`: the last four columns of Q. `a` is overwritten. nil when the
/// matrix has rank below 8 or non-finite entries.
private func nullSpace12x8(_ a: inout [Double]) -> [[Double]]? {
    var vectors = [[Double]]()
    vectors.reserveCapacity(8)
    var maxDiagonal = 0.0, minDiagonal = Double.infinity
    for k in 0..<8 {
        var v = [Double](repeating: 0, count: 12)
        var normSquared = 0.0
        for r in k..<12 { v[r] = a[r * 8 + k]; normSquared += v[r] * v[r] }
        let length = normSquared.squareRoot()
        guard length.isFinite else { return nil }
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
            for r in k..<12 { v[r] /= vv.squareRoot() }
        }
        a[k * 8 + k] = alpha
        vectors.append(v)
    }
    guard maxDiagonal > 0, minDiagonal > 1e-10 * maxDiagonal else { return nil }
    // Q e_j = H₀ H₁ … H₇ e_j for j = 8..11.
    var basis: [[Double]] = []
    for j in 8..<12 {
        var x = [Double](repeating: 0, count: 12)
        x[j] = 1
        for k in stride(from: 7, through: 0, by: -1) {
            let v = vectors[k]
            var dotValue = 0.0
            for r in k..<12 { dotValue += v[r] * x[r] }
            for r in k..<12 { x[r] -= 2 * dotValue * v[r] }
        }
        basis.append(x)
    }
    return basis
}
