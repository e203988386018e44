import Foundation

/// Minimal generalized absolute pose (GP3P): the pose `rigFromWorld` of a generalized camera
/// (a multi-camera rig) from three rays and the world points they observe,
/// `origin_i + λ_i · direction_i = R X_i + t` with λ_i > 0, rays in the rig frame.
///
/// Formulation after Nistér and Stewénius, "A minimal solution to the generalised 3-point pose
/// problem" (JMIV 2007), solved as in Kukelova, Heller and Fitzgibbon (CVPR 2016) as three
/// quadrics in three unknowns: the depths λ_i, constrained by the world distances
/// `|o_i + λ_i d_i − o_j − λ_j d_j|² = |X_i − X_j|²` (at most 8 solutions; `solveThreeQuadrics`).
/// The pose then aligns the three rig-frame points with the world points. Coordinates are scaled
/// by the world triangle's size first so that the quadrics are well conditioned.
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
    let origins = [o.0 * inverseScale, o.1 * inverseScale, o.2 * inverseScale]
    let d = [dIn.0, dIn.1, dIn.2]
    guard origins.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }),
          d.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else { return }
    let squaredDistances = [(0, 1, d01), (0, 2, d02), (1, 2, d12)]

    func quadric(_ i: Int, _ j: Int, _ distance2: Double) -> Quadric3 {
        let oij = origins[i] - origins[j]
        var g = Quadric3()
        g[i, i] = 1
        g[j, j] = 1
        g[i, j] = -dot(d[i], d[j])
        g[i, 3] = dot(d[i], oij)
        g[j, 3] = -dot(d[j], oij)
        g[3, 3] = dot(oij, oij) - distance2 / scale2
        return g
    }
    let q = squaredDistances.map { quadric($0.0, $0.1, $0.2) }
    var depths: [Vector3] = []
    depths.reserveCapacity(8)
    solveThreeQuadrics((q[0], q[1], q[2]), into: &depths)
    let scale = scale2.squareRoot()
    for lambda in depths where lambda.x > 0 && lambda.y > 0 && lambda.z > 0 {
        let p0 = (origins[0] + lambda.x * d[0]) * scale
        let p1 = (origins[1] + lambda.y * d[1]) * scale
        let p2 = (origins[2] + lambda.z * d[2]) * scale
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
