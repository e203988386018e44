import CCeresShim

/// Options of pose-only refinement: Cauchy scale 1 px and 100 iterations as pycolmap's
/// `AbsolutePoseRefinementOptions` and PoseLib's `BundleOptions`; Ceres' default stopping
/// tolerances (relative cost change 1e-6, step 1e-8, gradient 1e-10).
public struct RefinementOptions: Equatable, Sendable {
    /// Scale a of the Cauchy loss a² log(1 + r²/a²), in pixels.
    public var lossScale: Double = 1.0
    public var maxIterations: Int = 100
    public var gradientTolerance: Double = 1e-10
    public var functionTolerance: Double = 1e-6
    public var parameterTolerance: Double = 1e-8

    public init(lossScale: Double = 1.0, maxIterations: Int = 100) {
        self.lossScale = lossScale
        self.maxIterations = maxIterations
    }

    /// - Throws: `GeometryError.invalidInput` for a non-positive scale or iteration count.
    public func validate() throws {
        guard lossScale > 0, lossScale.isFinite else { throw GeometryError.invalidInput("loss scale must be positive, got \(lossScale)") }
        guard maxIterations > 0 else { throw GeometryError.invalidInput("max iterations must be positive, got \(maxIterations)") }
    }
}

/// What a refinement did (Ceres' summary).
public struct RefinementSummary: Equatable, Sendable {
    public enum Termination: Sendable { case converged, noConvergence, failure }
    /// Half the sum of robustified squared pixel residuals, before and after.
    public var initialCost: Double
    public var finalCost: Double
    public var iterations: Int
    public var termination: Termination
}

/// A refined pose with its summary.
public struct RefinedPose: Sendable {
    public var camFromWorld: Rigid3
    public var summary: RefinementSummary
}

/// Pose-only bundle adjustment through Ceres (CCeresShim): refines `camFromWorld` over the
/// given correspondences with a Cauchy loss, intrinsics fixed, the camera model's
/// distortion inside the cost.
/// - Parameters:
///   - points2D: observed pixels (COLMAP convention), typically RANSAC's inliers.
///   - points3D: their world points.
/// - Returns: nil when Ceres produced no usable solution (or fewer than 3 points).
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values or bad options.
public func refineAbsolutePose(_ camFromWorld: Rigid3, points2D: [Vector2], points3D: [Vector3], camera: Camera,
                               options: RefinementOptions = RefinementOptions()) throws -> RefinedPose? {
    try options.validate()
    try validateCorrespondences(points2D: points2D, points3D: points3D)
    guard points2D.count >= 3 else { return nil }
    // Vector2 and Vector3 (SIMD3 is padded to 4 doubles) do not have the C layout; copy densely.
    let flat2D = [Double](unsafeUninitializedCapacity: 2 * points2D.count) { buffer, count in
        for (i, p) in points2D.enumerated() { buffer[2 * i] = p.x; buffer[2 * i + 1] = p.y }
        count = 2 * points2D.count
    }
    let flat3D = [Double](unsafeUninitializedCapacity: 3 * points3D.count) { buffer, count in
        for (i, p) in points3D.enumerated() { buffer[3 * i] = p.x; buffer[3 * i + 1] = p.y; buffer[3 * i + 2] = p.z }
        count = 3 * points3D.count
    }
    var q = [camFromWorld.rotation.w, camFromWorld.rotation.x, camFromWorld.rotation.y, camFromWorld.rotation.z]
    var t = [camFromWorld.translation.x, camFromWorld.translation.y, camFromWorld.translation.z]
    var cOptions = options.shimOptions
    var cSummary = cceres_refine_summary()
    let status = cceres_refine_absolute_pose(flat2D, flat3D, Int32(points2D.count), camera.model.colmapID,
                                                 camera.params, &q, &t, &cOptions, &cSummary)
    guard status == 0 else { return nil }
    let pose = Rigid3(rotation: Quaternion(w: q[0], x: q[1], y: q[2], z: q[3]).normalized(), translation: Vector3(t[0], t[1], t[2]))
    return RefinedPose(camFromWorld: pose, summary: RefinementSummary(cSummary))
}

extension RefinementOptions {
    /// The options as the shim takes them.
    var shimOptions: cceres_refine_options {
        cceres_refine_options(loss_scale: lossScale, max_iterations: Int32(maxIterations), gradient_tolerance: gradientTolerance,
                              function_tolerance: functionTolerance, parameter_tolerance: parameterTolerance)
    }
}

extension RefinementSummary {
    /// The shim's summary.
    init(_ summary: cceres_refine_summary) {
        let termination: Termination
        switch Int(summary.termination) {
        case CCERES_CONVERGED: termination = .converged
        case CCERES_NO_CONVERGENCE: termination = .noConvergence
        default: termination = .failure
        }
        self.init(initialCost: summary.initial_cost, finalCost: summary.final_cost, iterations: Int(summary.iterations), termination: termination)
    }
}

/// Projection through the shim's templated cost code (for tests that compare it with the
/// Swift projection). nil for points not in front of the camera.
public func shimProjection(_ camera: Camera, pointInCam: Vector3) -> Vector2? {
    guard pointInCam.z > 0 else { return nil }
    var pixel = [0.0, 0.0]
    let point = [pointInCam.x, pointInCam.y, pointInCam.z]
    guard cceres_project(camera.model.colmapID, camera.params, point, &pixel) == 0 else { return nil }
    return Vector2(pixel[0], pixel[1])
}

/// The shim's robust pose cost at R = exp(ω) R(q), t (for tests): the 2n robustified residuals,
/// whose half squared norm is the Cauchy cost, and the Jacobians handed to Ceres with respect to
/// ω and t (2n×3 each, row-major; curvature-corrected: their product with the residuals is the
/// exact gradient). nil for bad input.
func shimPoseCost(_ camera: Camera, points2D: [Vector2], points3D: [Vector3], rotation q: Quaternion, omega: Vector3,
                  translation t: Vector3, lossScale: Double)
    -> (residuals: [Double], jacobianOmega: [Double], jacobianTranslation: [Double])? {
    let n = points2D.count
    let flat2D = points2D.flatMap { [$0.x, $0.y] }, flat3D = points3D.flatMap { [$0.x, $0.y, $0.z] }
    var residuals = [Double](repeating: 0, count: 2 * n)
    var jw = [Double](repeating: 0, count: 6 * n), jt = [Double](repeating: 0, count: 6 * n)
    let status = cceres_evaluate_pose_cost(flat2D, flat3D, Int32(n), camera.model.colmapID, camera.params, [q.w, q.x, q.y, q.z],
                                           [omega.x, omega.y, omega.z], [t.x, t.y, t.z], lossScale, &residuals, &jw, &jt)
    return status == 0 ? (residuals, jw, jt) : nil
}
