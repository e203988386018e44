import CCeresShim

/// A refined rig pose with its summary.
public struct RefinedRigPose: Sendable {
    public var rigFromWorld: Rigid3
    public var summary: RefinementSummary
}

/// A refined pose with the camera whose focal length (and k1) were refined with it.
public struct RefinedFocalPose: Sendable {
    public var camFromWorld: Rigid3
    /// The input camera with its focal length(s) scaled by the refined factor and, when asked, its k1.
    public var camera: Camera
    public var summary: RefinementSummary
}

/// Rig-pose refinement through Ceres (CCeresShim): refines `rigFromWorld` over the observations
/// of every camera of the rig (each through its fixed `camFromRig` and intrinsics, distortion
/// inside the cost) with the Cauchy loss of `refineAbsolutePose`.
/// - Parameters: per camera, its observed pixels and their world points (same counts).
/// - Returns: nil when Ceres produced no usable solution (or fewer than 3 points in all).
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values or bad options.
public func refineGeneralizedAbsolutePose(_ rigFromWorld: Rigid3, points2D: [[Vector2]], points3D: [[Vector3]], cameras: [RigCamera],
                                          options: RefinementOptions = RefinementOptions()) throws -> RefinedRigPose? {
    try options.validate()
    guard points2D.count == cameras.count, points3D.count == cameras.count else {
        throw GeometryError.invalidInput("\(cameras.count) cameras but correspondences for \(points2D.count) and \(points3D.count)")
    }
    for k in cameras.indices { try validateCorrespondences(points2D: points2D[k], points3D: points3D[k]) }
    guard let (pose, _, summary) = runGeneralizedRefinement(rigFromWorld, points2D: points2D, points3D: points3D, cameras: cameras,
                                                             refineFocal: false, refineK1: false, options: options) else { return nil }
    return RefinedRigPose(rigFromWorld: pose, summary: summary)
}

/// Pose and focal-length refinement through Ceres: refines `camFromWorld` and one factor scaling the
/// camera's focal length(s) (aspect ratio, principal point and distortion kept), plus k1 when
/// `refineK1` (models with k1: SIMPLE_RADIAL, RADIAL, OPENCV), Cauchy loss as `refineAbsolutePose`.
/// - Returns: nil when Ceres produced no usable solution (or fewer than 4 points).
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values, bad options or
///   `refineK1` on a model without k1.
public func refineAbsolutePoseAndFocal(_ camFromWorld: Rigid3, points2D: [Vector2], points3D: [Vector3], camera: Camera,
                                       refineK1: Bool = false, options: RefinementOptions = RefinementOptions()) throws -> RefinedFocalPose? {
    try options.validate()
    try validateCorrespondences(points2D: points2D, points3D: points3D)
    if refineK1 && camera.model.k1Index == nil {
        throw GeometryError.invalidInput("k1 refinement needs a model with k1 (SIMPLE_RADIAL, RADIAL, OPENCV), not \(camera.model.name)")
    }
    guard points2D.count >= 4 else { return nil }
    let rig = [RigCamera(camera: camera, camFromRig: .identity)]
    guard let (pose, intrinsics, summary) = runGeneralizedRefinement(camFromWorld, points2D: [points2D], points3D: [points3D], cameras: rig,
                                                                     refineFocal: true, refineK1: refineK1, options: options) else { return nil }
    var params = camera.params
    for index in camera.model.focalIndices { params[index] *= intrinsics.scale }
    if refineK1, let k1 = camera.model.k1Index { params[k1] = intrinsics.k1 }
    guard let refined = try? Camera(model: camera.model, width: camera.width, height: camera.height, params: params) else { return nil }
    return RefinedFocalPose(camFromWorld: pose, camera: refined, summary: summary)
}

private func runGeneralizedRefinement(_ pose: Rigid3, points2D: [[Vector2]], points3D: [[Vector3]], cameras: [RigCamera],
                                      refineFocal: Bool, refineK1: Bool, options: RefinementOptions)
    -> (Rigid3, (scale: Double, k1: Double), RefinementSummary)? {
    var flat2D: [Double] = [], flat3D: [Double] = [], indices: [Int32] = []
    for k in cameras.indices {
        for (p, X) in zip(points2D[k], points3D[k]) {
            flat2D += [p.x, p.y]
            flat3D += [X.x, X.y, X.z]
            indices.append(Int32(k))
        }
    }
    guard indices.count >= 3 else { return nil }
    let maxParams = Int(CCERES_MAX_PARAMS)
    var params = [Double](repeating: 0, count: maxParams * cameras.count)
    var extrinsics: [Double] = []
    for (k, rigCamera) in cameras.enumerated() {
        for (i, v) in rigCamera.camera.params.enumerated() where i < maxParams { params[maxParams * k + i] = v }
        let q = rigCamera.camFromRig.rotation, t = rigCamera.camFromRig.translation
        extrinsics += [q.w, q.x, q.y, q.z, t.x, t.y, t.z]
    }
    let models = cameras.map(\.camera.model.colmapID)
    var q = [pose.rotation.w, pose.rotation.x, pose.rotation.y, pose.rotation.z]
    var t = [pose.translation.x, pose.translation.y, pose.translation.z]
    var intrinsics: [Double] = [1.0, refineK1 ? (cameras[0].camera.model.k1Index.map { cameras[0].camera.params[$0] } ?? 0) : 0]
    var cOptions = options.shimOptions
    var cSummary = cceres_refine_summary()
    let status = cceres_refine_generalized_pose(flat2D, flat3D, indices, Int32(indices.count), Int32(cameras.count), models, params,
                                                extrinsics, &q, &t, refineFocal ? 1 : 0, refineK1 ? 1 : 0, &intrinsics, &cOptions, &cSummary)
    guard status == 0 else { return nil }
    let refined = Rigid3(rotation: Quaternion(w: q[0], x: q[1], y: q[2], z: q[3]).normalized(), translation: Vector3(t[0], t[1], t[2]))
    return (refined, (intrinsics[0], intrinsics[1]), RefinementSummary(cSummary))
}
