/// A 3-vector of doubles. Points, translations and bearings use this type.
public typealias Vector3 = SIMD3<Double>
/// A 2-vector of doubles: pixel coordinates or normalized image-plane coordinates.
public typealias Vector2 = SIMD2<Double>

/// A row-major 3×3 matrix of doubles.
public struct Matrix3x3: Equatable, Sendable {
    /// Rows of the matrix: `m[r][c] == rows[r][c]`.
    public var rows: (Vector3, Vector3, Vector3)

    public init(rows r0: Vector3, _ r1: Vector3, _ r2: Vector3) {
        rows = (r0, r1, r2)
    }

    /// Builds a matrix from 9 values in row-major order.
    public init(rowMajor v: [Double]) {
        precondition(v.count == 9, "Matrix3x3 needs 9 values")
        rows = (Vector3(v[0], v[1], v[2]), Vector3(v[3], v[4], v[5]), Vector3(v[6], v[7], v[8]))
    }

    public static let identity = Matrix3x3(rows: Vector3(1, 0, 0), Vector3(0, 1, 0), Vector3(0, 0, 1))

    public subscript(row: Int, column: Int) -> Double {
        get {
            switch row {
            case 0: return rows.0[column]
            case 1: return rows.1[column]
            default: return rows.2[column]
            }
        }
        set {
            switch row {
            case 0: rows.0[column] = newValue
            case 1: rows.1[column] = newValue
            default: rows.2[column] = newValue
            }
        }
    }

    /// The values in row-major order.
    public var rowMajor: [Double] {
        [rows.0.x, rows.0.y, rows.0.z, rows.1.x, rows.1.y, rows.1.z, rows.2.x, rows.2.y, rows.2.z]
    }

    public var transposed: Matrix3x3 {
        Matrix3x3(rows: Vector3(rows.0.x, rows.1.x, rows.2.x),
                  Vector3(rows.0.y, rows.1.y, rows.2.y),
                  Vector3(rows.0.z, rows.1.z, rows.2.z))
    }

    public var determinant: Double {
        (rows.0 * cross(rows.1, rows.2)).sum()
    }

    public var trace: Double { rows.0.x + rows.1.y + rows.2.z }

    public static func * (m: Matrix3x3, v: Vector3) -> Vector3 {
        Vector3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    public static func * (a: Matrix3x3, b: Matrix3x3) -> Matrix3x3 {
        let bt = b.transposed
        return Matrix3x3(rows: bt * a.rows.0, bt * a.rows.1, bt * a.rows.2)
    }

    public static func == (a: Matrix3x3, b: Matrix3x3) -> Bool {
        a.rows.0 == b.rows.0 && a.rows.1 == b.rows.1 && a.rows.2 == b.rows.2
    }

    /// Largest absolute difference between entries.
    public func maxAbsDifference(_ other: Matrix3x3) -> Double {
        zip(rowMajor, other.rowMajor).map { abs($0 - $1) }.max() ?? 0
    }
}

/// Cross product `a × b`.
@inlinable
public func cross(_ a: Vector3, _ b: Vector3) -> Vector3 {
    Vector3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// Dot product.
@inlinable
public func dot(_ a: Vector3, _ b: Vector3) -> Double { (a * b).sum() }

/// Euclidean norm.
@inlinable
public func norm(_ a: Vector3) -> Double { (a * a).sum().squareRoot() }

/// Euclidean norm of a 2-vector.
@inlinable
public func norm(_ a: Vector2) -> Double { (a * a).sum().squareRoot() }

/// `a / |a|`; a zero vector stays zero.
@inlinable
public func normalized(_ a: Vector3) -> Vector3 {
    let n = norm(a)
    return n > 0 ? a / n : a
}
