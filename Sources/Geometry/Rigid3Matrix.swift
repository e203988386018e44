/// A rigid transform `x_b = R * x_a + t` with R held as a 3×3 matrix: the form minimal solvers
/// produce and RANSAC scores with, so that neither converts to a quaternion and back for
/// every hypothesis. Convert with `init(_:)` and `rigid3` where a `Rigid3` is wanted (the
/// final pose, refinement). Frame naming as for `Rigid3` (`camFromWorld`).
public struct Rigid3Matrix: Equatable, Sendable {
    /// Rotation R (orthonormal, det +1).
    public var rotation: Matrix3x3
    /// Translation t.
    public var translation: Vector3

    public init(rotation: Matrix3x3, translation: Vector3) {
        self.rotation = rotation
        self.translation = translation
    }

    public init(_ rigid: Rigid3) {
        self.init(rotation: rigid.rotation.matrix, translation: rigid.translation)
    }

    /// The same transform with its rotation as a unit quaternion.
    public var rigid3: Rigid3 { Rigid3(rotation: Quaternion(matrix: rotation), translation: translation) }

    /// Applies the transform: `R * x + t`.
    public func apply(_ x: Vector3) -> Vector3 { rotation * x + translation }
}
