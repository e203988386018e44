import Foundation

/// Minimal absolute pose from three 2D-3D correspondences, after Y. Ding, J. Yang,
/// V. Larsson, C. Olsson and K. Åström, "Revisiting the P3P Problem" (CVPR 2023).
///
/// Solves for `camFromWorld = (R, t)` with `λ_i · y_i = R X_i + t`, λ_i > 0, where the
/// `y_i` are unit bearings in the camera frame and the `X_i` world points. With
/// `a_ij = |X_i − X_j|²` and `m_ij = y_i · y_j` the depths satisfy
/// `E_ij: λ_i² + λ_j² − 2 m_ij λ_i λ_j = a_ij`. The points are ordered so that `a12` is the
/// largest distance; with `a = a01/a12`, `b = a02/a12` the two homogeneous conics
/// `Q1 = E01 − a·E12` and `Q2 = E02 − b·E12` (constants cancelled) span a pencil
/// `C(s) = Q1 + s·Q2`. A real root of the cubic `det C(s) = 0` makes `C(s)` a pair of lines
/// through the origin; the lines are read off the adjugate (no eigen-decomposition), and on
/// each line the depth ratio follows from one quadratic and the scale from `E12` or `E01`.
/// Gauss–Newton steps on the three `E_ij` polish the depths; the pose follows from the
/// point differences.
///
/// When the cubic has a single real root the conics meet in exactly two real points, both on
/// one line, so the second line is skipped once the first gave a solution.
///
/// Preconditions: bearings are unit length. Degenerate input (coincident or collinear
/// world points, parallel bearings, non-finite values) yields no solution, never NaN.
/// - Returns: up to 4 poses.
public func solveP3P(bearings y: (Vector3, Vector3, Vector3), points X: (Vector3, Vector3, Vector3)) -> [Rigid3] {
    var poses: [Rigid3Matrix] = []
    poses.reserveCapacity(4)
    solveP3P(bearings: y, points: X, into: &poses)
    return poses.map(\.rigid3)
}

/// `solveP3P` appending into a caller-owned array (no allocation in RANSAC loops), the
/// rotations as matrices (RANSAC scores with them; no quaternion per hypothesis).
public func solveP3P(bearings yIn: (Vector3, Vector3, Vector3), points XIn: (Vector3, Vector3, Vector3),
                     into poses: inout [Rigid3Matrix]) {
    var y = yIn, X = XIn
    var d01 = X.0 - X.1, d02 = X.0 - X.2
    var a01 = dot(d01, d01), a02 = dot(d02, d02)
    let d12 = X.1 - X.2
    var a12 = dot(d12, d12)
    // Reorder so that a12 is the largest squared distance (point 0 opposite the longest side).
    if a01 > a02 {
        if a01 > a12 {
            swap(&y.0, &y.2); swap(&X.0, &X.2)
            d01 = X.0 - X.1; d02 = -d02
            swap(&a01, &a12)
        }
    } else if a02 > a12 {
        swap(&y.0, &y.1); swap(&X.0, &X.1)
        d01 = -d01; d02 = X.0 - X.2
        swap(&a02, &a12)
    }
    // Coincident or collinear world points: no unique pose. det[d01 d02 n] = |n|².
    let normal = cross(d01, d02)
    let normalSquared = dot(normal, normal)
    guard a12.isFinite, a12 > 0, normalSquared > 1e-20 * a12 * a12 else { return }
    let m01 = dot(y.0, y.1), m02 = dot(y.0, y.2), m12 = dot(y.1, y.2)
    guard m01.isFinite, m02.isFinite, m12.isFinite, abs(m01) < 1 - 1e-12, abs(m02) < 1 - 1e-12,
          abs(m12) < 1 - 1e-12 else { return }

    let inverseA12 = 1 / a12
    let a = a01 * inverseA12, b = a02 * inverseA12
    // det C(s) = k3 s³ + k2 s² + k1 s + k0 (expanded symbolically from the matrix below).
    let one12 = 1 - m12 * m12, one01 = 1 - m01 * m01, one02 = 1 - m02 * m02
    let triple = 2 * m01 * m02 * m12
    let k3 = b * (b * one12 - one02)
    let k2 = 2 * a * b * one12 - a * one02 + b * b * one12 + b * triple - 2 * b + one02
    let k1 = a * a * one12 + 2 * a * b * one12 + a * triple - 2 * a - b * one01 + one01
    let k0 = a * (a * one12 - one01)

    // C(s) on (λ0, λ1, λ2).
    func pencil(_ s: Double) -> Symmetric3 {
        Symmetric3(xx: 1 + s, yy: 1 - a - b * s, zz: s * (1 - b) - a,
                   xy: -m01, xz: -m02 * s, yz: m12 * (a + b * s))
    }
    var single = false
    var lines: (Vector3, Vector3)?
    if let (s, isSingle) = cubicRootForLines(k3, k2, k1, k0) {
        single = isSingle
        lines = linePair(pencil(s))
    }
    if lines == nil {
        // Rounding spoiled the first root (or the cubic degenerated): try every real root.
        let roots = realCubicRoots(k3, k2, k1, k0)
        for k in 0..<roots.count where lines == nil { lines = linePair(pencil(roots[k])) }
        single = false
    }
    guard let (line0, line1) = lines else { return }

    // [d01 d02 n]⁻¹ has rows (d02 × n, n × d01, n) / |n|²; R = [v01 v02 v01×v02] · that.
    let inverseNormal = 1 / normalSquared
    let worldFrameInverse = Matrix3x3(rows: cross(d02, normal) * inverseNormal, cross(normal, d01) * inverseNormal,
                                      normal * inverseNormal)
    let firstPointInFrame = worldFrameInverse * X.0
    let before = poses.count
    // One call site in a loop rather than two calls: the compiler then inlines it (RelocBench p3p).
    for pick in 0..<2 {
        if pick == 1 && single && poses.count > before { return }
        appendSolutions(line: pick == 0 ? line0 : line1, a: (a01, a02, a12), m: (m01, m02, m12), ratios: (a, b), y: y,
                        worldFrameInverse: worldFrameInverse, firstPointInFrame: firstPointInFrame, into: &poses)
    }
}

/// A real root of the cubic for the line pair: the only one when there is one (`single`), else the
/// largest. Nil when the cubic degenerates.
@inline(__always)
private func cubicRootForLines(_ k3: Double, _ k2: Double, _ k1: Double, _ k0: Double) -> (Double, single: Bool)? {
    guard k3 != 0, k3.isFinite else { return nil }
    let inverse = 1 / k3, inverseThird = inverse * (1.0 / 3.0)
    // With h = c2/3 (c_i = k_i/k3) and s = t − h the cubic is t³ + 3P t + q with
    // P = c1/3 − h², q = h (2h² − c1) + c0; its discriminant is q²/4 + P³. (Written so that no
    // division by a constant is left: x/3 is a true division, x·(1/3) a multiplication.)
    let h = k2 * inverseThird, c1 = k1 * inverse, c0 = k0 * inverse
    let P = k1 * inverseThird - h * h
    let q = h * (2 * h * h - c1) + c0
    let discriminant = 0.25 * q * q + P * P * P
    if discriminant > 0 {
        // Cardano: t = u + v with u³, v³ = −q/2 ± √Δ and u·v = −P; take the cube root of the
        // larger-magnitude one (no cancellation) and get the other from the product,
        // v = −P/u = −P u²/u³, the division running alongside the cube root.
        let r = discriminant.squareRoot()
        let big = q > 0 ? -0.5 * q - r : -0.5 * q + r
        let minusPOverBig = -P / big
        let u = cubeRoot(big)
        let s = (big != 0 ? u + u * u * minusPOverBig : 0) - h
        return s.isFinite ? (s, true) : nil
    }
    guard P < 0 else { return nil }
    let r = (-P).squareRoot()
    let s = 2 * r * cos(acos(max(-1, min(1, -q / (2 * r * r * r)))) * (1.0 / 3.0)) - h
    return s.isFinite ? (s, false) : nil
}

/// The two lines `l·λ = 0` of a degenerate conic `C = (l mᵀ + m lᵀ)/2`, or nil when they are not
/// real. `−adj(C) = w wᵀ` with `w ∝ l × m`; then `C + [w]×` has rank one (`l mᵀ` or `m lᵀ`), so
/// any of its non-zero columns is one line and the matching row the other.
@inline(__always)
private func linePair(_ c: Symmetric3) -> (Vector3, Vector3)? {
    let bxx = c.yz * c.yz - c.yy * c.zz
    let byy = c.xz * c.xz - c.xx * c.zz
    let bzz = c.xy * c.xy - c.xx * c.yy
    // w = w' / √b_kk with w' the adjugate's k-th column; the lines below are scaled by √b_kk
    // (lines are homogeneous), so no division.
    let w: Vector3
    let scale: Double
    if bxx >= byy && bxx >= bzz {
        guard bxx > 0 else { return nil }
        let bxy = c.xy * c.zz - c.xz * c.yz, bxz = c.xz * c.yy - c.xy * c.yz
        w = Vector3(bxx, bxy, bxz)
        scale = bxx.squareRoot()
    } else if byy >= bzz {
        guard byy > 0 else { return nil }
        let bxy = c.xy * c.zz - c.xz * c.yz, byz = c.xx * c.yz - c.xz * c.xy
        w = Vector3(bxy, byy, byz)
        scale = byy.squareRoot()
    } else {
        guard bzz > 0 else { return nil }
        let bxz = c.xz * c.yy - c.xy * c.yz, byz = c.xx * c.yz - c.xz * c.xy
        w = Vector3(bxz, byz, bzz)
        scale = bzz.squareRoot()
    }
    // M = C + [w]× with [w]× = [[0, −wz, wy], [wz, 0, −wx], [−wy, wx, 0]]; M_kk = C_kk = l_k m_k, so
    // the column and row through the largest |C_kk| are the two lines.
    let ax = abs(c.xx), ay = abs(c.yy), az = abs(c.zz)
    if ax >= ay && ax >= az {
        let column = Vector3(c.xx, c.xy, c.xz) * scale, twist = Vector3(0, w.z, -w.y)
        return (column + twist, column - twist)
    } else if ay >= az {
        let column = Vector3(c.xy, c.yy, c.yz) * scale, twist = Vector3(-w.z, 0, w.x)
        return (column + twist, column - twist)
    } else {
        let column = Vector3(c.xz, c.yz, c.zz) * scale, twist = Vector3(w.y, -w.x, 0)
        return (column + twist, column - twist)
    }
}

/// Depths on one line `l·λ = 0`, then poses.
@inline(__always)
private func appendSolutions(line l: Vector3, a: (Double, Double, Double), m: (Double, Double, Double),
                             ratios: (Double, Double), y: (Vector3, Vector3, Vector3),
                             worldFrameInverse: Matrix3x3, firstPointInFrame: Vector3, into poses: inout [Rigid3Matrix]) {
    let (a01, _, a12) = a
    let (m01, m02, m12) = m
    let (ra, rb) = ratios
    // Eliminate the depth with the larger line coefficient: either λ0 = w0 λ2 + w1 λ1 with
    // τ = λ1/λ2 from Q2 = 0 and the scale from E12, or λ2 = w0 λ0 + w1 λ1 with τ = λ1/λ0 from
    // Q1 = 0 and the scale from E01.
    let eliminateFirst = abs(l.x) >= abs(l.z)
    let pivot = eliminateFirst ? l.x : l.z
    guard pivot != 0 else { return }
    // The eliminated depth is w0·λ_ref + w1·λ1 with (w0, w1) = −(l_ref, l_y)/pivot; the
    // quadratic for τ is written times pivot² (same roots), so only the depths wait for 1/pivot.
    let far = eliminateFirst ? l.z : l.x, ly = l.y
    let inversePivot = -1 / pivot
    let pp = pivot * pivot
    let roots = eliminateFirst
        ? realQuadraticRoots(ly * ly - rb * pp, 2 * (far * ly + m02 * ly * pivot + rb * m12 * pp),
                             far * far + 2 * m02 * far * pivot + (1 - rb) * pp)
        : realQuadraticRoots((1 - ra) * pp - ra * ly * ly - 2 * ra * m12 * ly * pivot,
                             -2 * (ra * m12 * far * pivot + m01 * pp + ra * far * ly), pp - ra * far * far)
    let w0 = far * inversePivot, w1 = ly * inversePivot
    // The distance fixing the scale, and the cosine between the two depths τ relates.
    let (scaleDistance, scaleCosine) = eliminateFirst ? (a12, m12) : (a01, m01)
    for k in 0..<roots.count {
        let tau = roots[k]
        guard tau > 0 else { continue }
        // λ_ref with λ_other = τ·λ_ref: λ_ref²(τ² − 2 m τ + 1) = a.
        let reference = (scaleDistance / (tau * (tau - 2 * scaleCosine) + 1)).squareRoot()
        let lambda1 = tau * reference
        let eliminated = w0 * reference + w1 * lambda1
        guard eliminated > 0 else { continue }
        let depths = eliminateFirst ? (eliminated, lambda1, reference) : (reference, lambda1, eliminated)
        appendPose(depths: depths, a: a, m: m, y: y, worldFrameInverse: worldFrameInverse,
                   firstPointInFrame: firstPointInFrame, into: &poses)
    }
}

@inline(__always)
private func appendPose(depths: (Double, Double, Double), a: (Double, Double, Double), m: (Double, Double, Double),
                        y: (Vector3, Vector3, Vector3), worldFrameInverse: Matrix3x3, firstPointInFrame: Vector3,
                        into poses: inout [Rigid3Matrix]) {
    var (l0, l1, l2) = depths
    refineDepths(&l0, &l1, &l2, a: a, m: m)
    // R [d01 d02 n] = [v01 v02 v01×v02] with v = the camera-frame differences.
    let p0 = l0 * y.0
    let v01 = p0 - l1 * y.1, v02 = p0 - l2 * y.2, vn = cross(v01, v02)
    // Row i of R is Σ_k Y_ik · (row k of the inverse): broadcasts, no horizontal sums; and
    // R X0 = Y (W X0) with W X0 fixed per solve.
    let (w0, w1, w2) = worldFrameInverse.rows
    let r = Matrix3x3(rows: v01.x * w0 + v02.x * w1 + vn.x * w2, v01.y * w0 + v02.y * w1 + vn.y * w2,
                      v01.z * w0 + v02.z * w1 + vn.z * w2)
    let t = p0 - (v01 * firstPointInFrame.x + v02 * firstPointInFrame.y + vn * firstPointInFrame.z)
    // One sum is NaN or infinite when any entry of R or t is not finite.
    let check = (t + r.rows.0 + r.rows.1 + r.rows.2).sum()
    guard check.isFinite else { return }
    poses.append(Rigid3Matrix(rotation: r, translation: t))
}

/// Gauss–Newton on the three depth equations. The Jacobian
/// `2·[[x11, x12, 0], [x21, 0, x23], [0, x32, x33]]` has three zeros, so its inverse is written
/// out from the adjugate instead of a general 3×3 solve.
@inline(__always)
private func refineDepths(_ l0: inout Double, _ l1: inout Double, _ l2: inout Double,
                          a: (Double, Double, Double), m: (Double, Double, Double)) {
    let (a01, a02, a12) = a
    let (m01, m02, m12) = m
    let tolerance = 1e-13 * (a01 + a02 + a12)
    for _ in 0..<5 {
        let r1 = l0 * l0 + l1 * l1 - 2 * m01 * l0 * l1 - a01
        let r2 = l0 * l0 + l2 * l2 - 2 * m02 * l0 * l2 - a02
        let r3 = l1 * l1 + l2 * l2 - 2 * m12 * l1 * l2 - a12
        if abs(r1) + abs(r2) + abs(r3) < tolerance { break }
        let x11 = l0 - m01 * l1, x12 = l1 - m01 * l0
        let x21 = l0 - m02 * l2, x23 = l2 - m02 * l0
        let x32 = l1 - m12 * l2, x33 = l2 - m12 * l1
        // det of the half Jacobian; the step is J⁻¹ r = adj(J/2) r / (2 det).
        let det = -(x11 * x23 * x32 + x12 * x21 * x33)
        guard det != 0, det.isFinite else { break }
        let f = 0.5 / det
        let s1 = (-x23 * x32 * r1 - x12 * x33 * r2 + x12 * x23 * r3) * f
        let s2 = (-x21 * x33 * r1 + x11 * x33 * r2 - x11 * x23 * r3) * f
        let s3 = (x21 * x32 * r1 - x11 * x32 * r2 - x12 * x21 * r3) * f
        let n1 = l0 - s1, n2 = l1 - s2, n3 = l2 - s3
        guard n1 > 0, n2 > 0, n3 > 0, n1.isFinite, n2.isFinite, n3.isFinite else { break }
        (l0, l1, l2) = (n1, n2, n3)
    }
}
