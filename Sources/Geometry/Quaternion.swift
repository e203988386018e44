import Foundation

/// A unit quaternion representing a 3D rotation, stored **w first** as COLMAP
/// and the Aachen submission format write it: `(w, x, y, z)`.
///
/// This file is the one place where rotation conventions live: `matrix` is the
/// active rotation `R` with `x_b = R * x_a` (COLMAP/Eigen), and
/// `init(matrix:)` is its exact inverse (Shepperd's method, stable for all
/// rotations including 180° ones).
public struct Quaternion: Equatable, Sendable, CustomStringConvertible {
    public var w: Double
    public var x: Double
    public var y: Double
    public var z: Double

    /// Creates a quaternion from its components, w first. It is not normalized:
    /// call `normalized()` or check `isUnit` for values read from files.
    public init(w: Double, x: Double, y: Double, z: Double) {
        self.w = w; self.x = x; self.y = y; self.z = z
    }

    public static let identity = Quaternion(w: 1, x: 0, y: 0, z: 0)

    /// Rotation by `angle` radians about `axis` (need not be unit length).
    public init(axis: Vector3, angle: Double) {
        let a = Geometry.normalized(axis)
        let s = sin(angle / 2)
        self.init(w: cos(angle / 2), x: a.x * s, y: a.y * s, z: a.z * s)
    }

    /// Rotation from an axis-angle vector (direction = axis, length = angle in radians).
    public init(rotationVector v: Vector3) {
        let angle = Geometry.norm(v)
        if angle < 1e-12 {
            // First-order expansion keeps tiny rotations exact to machine precision.
            self = Quaternion(w: 1, x: v.x / 2, y: v.y / 2, z: v.z / 2).normalized()
        } else {
            self.init(axis: v, angle: angle)
        }
    }

    /// Converts a rotation matrix to a unit quaternion with w ≥ 0.
    ///
    /// Shepperd's method: picks the largest of (trace, R00, R11, R22) as the pivot so the
    /// pivot component is never small (exact at 180°). Each branch's four values are the
    /// quaternion times 4·(pivot component), so one normalisation gives the unit quaternion.
    public init(matrix m: Matrix3x3) {
        let (r0, r1, r2) = m.rows
        let (m00, m01, m02) = (r0.x, r0.y, r0.z)
        let (m10, m11, m12) = (r1.x, r1.y, r1.z)
        let (m20, m21, m22) = (r2.x, r2.y, r2.z)
        let trace = m00 + m11 + m22
        let q: Quaternion
        if trace > m00 && trace > m11 && trace > m22 {
            q = Quaternion(w: 1 + trace, x: m21 - m12, y: m02 - m20, z: m10 - m01)
        } else if m00 >= m11 && m00 >= m22 {
            q = Quaternion(w: m21 - m12, x: 1 + m00 - m11 - m22, y: m01 + m10, z: m02 + m20)
        } else if m11 >= m22 {
            q = Quaternion(w: m02 - m20, x: m01 + m10, y: 1 + m11 - m00 - m22, z: m12 + m21)
        } else {
            q = Quaternion(w: m10 - m01, x: m02 + m20, y: m12 + m21, z: 1 + m22 - m00 - m11)
        }
        // w ≥ 0, and unit length (R may be slightly non-orthonormal).
        let scale = (q.w < 0 ? -1 : 1) / q.norm
        self = Quaternion(w: q.w * scale, x: q.x * scale, y: q.y * scale, z: q.z * scale)
    }

    /// Components in storage order `[w, x, y, z]`.
    public var components: [Double] { [w, x, y, z] }

    public var squaredNorm: Double { w * w + x * x + y * y + z * z }
    public var norm: Double { squaredNorm.squareRoot() }

    /// Whether |q| is within `tolerance` of 1.
    public func isUnit(tolerance: Double = 1e-6) -> Bool { abs(norm - 1) <= tolerance }

    public var isFinite: Bool { w.isFinite && x.isFinite && y.isFinite && z.isFinite }

    public func normalized() -> Quaternion {
        let n = norm
        return Quaternion(w: w / n, x: x / n, y: y / n, z: z / n)
    }

    /// The same rotation with all signs flipped (q and -q are the same rotation).
    public var negated: Quaternion { Quaternion(w: -w, x: -x, y: -y, z: -z) }

    /// The inverse rotation (for a unit quaternion).
    public var conjugate: Quaternion { Quaternion(w: w, x: -x, y: -y, z: -z) }

    /// Hamilton product: `(a * b).rotate(v) == a.rotate(b.rotate(v))`.
    public static func * (a: Quaternion, b: Quaternion) -> Quaternion {
        Quaternion(w: a.w * b.w - a.x * b.x - a.y * b.y - a.z * b.z,
                   x: a.w * b.x + a.x * b.w + a.y * b.z - a.z * b.y,
                   y: a.w * b.y - a.x * b.z + a.y * b.w + a.z * b.x,
                   z: a.w * b.z + a.x * b.y - a.y * b.x + a.z * b.w)
    }

    /// The rotation matrix R (active rotation, `x' = R x`).
    public var matrix: Matrix3x3 {
        let (xx, yy, zz) = (x * x, y * y, z * z)
        let (xy, xz, yz) = (x * y, x * z, y * z)
        let (wx, wy, wz) = (w * x, w * y, w * z)
        return Matrix3x3(rows: Vector3(1 - 2 * (yy + zz), 2 * (xy - wz), 2 * (xz + wy)),
                         Vector3(2 * (xy + wz), 1 - 2 * (xx + zz), 2 * (yz - wx)),
                         Vector3(2 * (xz - wy), 2 * (yz + wx), 1 - 2 * (xx + yy)))
    }

    /// Rotates a vector: `R v`.
    public func rotate(_ v: Vector3) -> Vector3 {
        let u = Vector3(x, y, z)
        let t = 2 * cross(u, v)
        return v + w * t + cross(u, t)
    }

    /// Rotation angle in radians, in [0, π]. Uses atan2 so it stays accurate for
    /// angles near 0 (where acos loses precision).
    public var angle: Double {
        let vectorNorm = (x * x + y * y + z * z).squareRoot()
        return 2 * atan2(vectorNorm, abs(w))
    }

    /// Angle in radians of the rotation taking `other` to `self`: the angle of `R_self · R_otherᵀ`.
    public func angularDistance(to other: Quaternion) -> Double {
        (self * other.conjugate).angle
    }

    public var description: String { "Quaternion(w: \(w), x: \(x), y: \(y), z: \(z))" }
}
