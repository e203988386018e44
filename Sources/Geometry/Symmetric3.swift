/// A symmetric 3×3 matrix, stored by its six distinct entries.
struct Symmetric3 {
    var xx, yy, zz, xy, xz, yz: Double
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
