/// A symmetric 3×3 matrix, stored by its six distinct entries.
struct Symmetric3 {
    var xx, yy, zz, xy, xz, yz: Double

    static func + (a: Symmetric3, b: Symmetric3) -> Symmetric3 {
        Symmetric3(xx: a.xx + b.xx, yy: a.yy + b.yy, zz: a.zz + b.zz, xy: a.xy + b.xy, xz: a.xz + b.xz, yz: a.yz + b.yz)
    }

    static func * (a: Symmetric3, s: Double) -> Symmetric3 {
        Symmetric3(xx: a.xx * s, yy: a.yy * s, zz: a.zz * s, xy: a.xy * s, xz: a.xz * s, yz: a.yz * s)
    }

    var rows: (Vector3, Vector3, Vector3) {
        (Vector3(xx, xy, xz), Vector3(xy, yy, yz), Vector3(xz, yz, zz))
    }

    var determinant: Double {
        xx * (yy * zz - yz * yz) - xy * (xy * zz - yz * xz) + xz * (xy * yz - yy * xz)
    }

    /// `trace(adj(self) · other)`: the coefficient that makes
    /// `det(A + γB) = det A + γ tr(adj(A)B) + γ² tr(adj(B)A) + γ³ det B`.
    func adjugateTrace(with b: Symmetric3) -> Double {
        // adj(A) of a symmetric matrix is symmetric.
        let axx = yy * zz - yz * yz, ayy = xx * zz - xz * xz, azz = xx * yy - xy * xy
        let axy = xz * yz - xy * zz, axz = xy * yz - xz * yy, ayz = xy * xz - xx * yz
        return axx * b.xx + ayy * b.yy + azz * b.zz + 2 * (axy * b.xy + axz * b.xz + ayz * b.yz)
    }

    /// A unit vector spanning the null space of `self − shift·I` (assumed rank 2), from
    /// the largest cross product of two of its rows; nil if the matrix has rank < 2.
    func nullVector(shift: Double) -> Vector3? {
        let r0 = Vector3(xx - shift, xy, xz), r1 = Vector3(xy, yy - shift, yz), r2 = Vector3(xz, yz, zz - shift)
        let c0 = cross(r0, r1), c1 = cross(r0, r2), c2 = cross(r1, r2)
        let n0 = dot(c0, c0), n1 = dot(c1, c1), n2 = dot(c2, c2)
        let (best, n) = n0 >= n1 && n0 >= n2 ? (c0, n0) : (n1 >= n2 ? (c1, n1) : (c2, n2))
        guard n > 0, n.isFinite else { return nil }
        return best / n.squareRoot()
    }
}

/// Solves `m · x = b` by Cramer's rule; nil when m is (numerically) singular.
func solve3x3(_ m: Matrix3x3, _ b: Vector3) -> Vector3? {
    guard let inverse = inverse3x3(m) else { return nil }
    return inverse * b
}

/// The inverse of a 3×3 matrix (adjugate / determinant); nil when singular.
func inverse3x3(_ m: Matrix3x3) -> Matrix3x3? {
    let (r0, r1, r2) = m.rows
    let c0 = cross(r1, r2), c1 = cross(r2, r0), c2 = cross(r0, r1)
    let det = dot(r0, c0)
    let scale = norm(r0) * norm(r1) * norm(r2)
    guard det.isFinite, scale > 0, abs(det) > 1e-14 * scale else { return nil }
    // The columns of the inverse are the cross products divided by det.
    return Matrix3x3(rows: Vector3(c0.x, c1.x, c2.x) / det, Vector3(c0.y, c1.y, c2.y) / det, Vector3(c0.z, c1.z, c2.z) / det)
}
