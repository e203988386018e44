/// A rigid transform `x_b = R * x_a + t` between two frames a and b.
///
/// Name values after the frames they map, as COLMAP does: `camFromWorld`
/// maps world points into the camera frame (what COLMAP and Aachen files
/// store), `worldFromCam` is its inverse.
public struct Rigid3: Equatable, Sendable {
    /// Rotation R (unit quaternion, w first).
    public var rotation: Quaternion
    /// Translation t.
    public var translation: Vector3

    public init(rotation: Quaternion = .identity, translation: Vector3 = .zero) {
        self.rotation = rotation
        self.translation = translation
    }

    public static let identity = Rigid3()

    /// Applies the transform: `R * x + t`.
    public func apply(_ x: Vector3) -> Vector3 { rotation.rotate(x) + translation }

    /// The inverse transform: if `self` is b_from_a, the result is a_from_b.
    public var inverse: Rigid3 {
        let inverseRotation = rotation.conjugate
        return Rigid3(rotation: inverseRotation, translation: -inverseRotation.rotate(translation))
    }

    /// Composition: `(cFromB * bFromA).apply(x) == cFromB.apply(bFromA.apply(x))`.
    public static func * (cFromB: Rigid3, bFromA: Rigid3) -> Rigid3 {
        Rigid3(rotation: (cFromB.rotation * bFromA.rotation).normalized(),
               translation: cFromB.rotation.rotate(bFromA.translation) + cFromB.translation)
    }

    /// For a `camFromWorld` transform: the camera centre in world coordinates, `c = -Rᵀ t`.
    public var originInSource: Vector3 { -rotation.conjugate.rotate(translation) }

    /// The 3×4 matrix `[R | t]` in row-major order.
    public var matrix3x4: [Double] {
        let r = rotation.matrix
        return [r[0, 0], r[0, 1], r[0, 2], translation.x,
                r[1, 0], r[1, 1], r[1, 2], translation.y,
                r[2, 0], r[2, 1], r[2, 2], translation.z]
    }
}

extension Rigid3 {
    /// Camera centre in world coordinates when `self` is `camFromWorld`.
    public var cameraCenter: Vector3 { originInSource }
}
