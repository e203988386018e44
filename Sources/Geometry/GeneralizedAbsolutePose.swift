/// An estimated rig pose.
public struct GeneralizedAbsolutePoseResult: Sendable {
    /// World-to-rig pose; camera k's pose is `cameras[k].camFromRig * rigFromWorld`.
    public var rigFromWorld: Rigid3
    /// Per camera, correspondences whose pixel reprojection error under the final pose is below the threshold.
    public var inlierMasks: [[Bool]]
    public var inlierCount: Int
    public var ransacIterations: Int
    public var ransacInlierCount: Int
    public var localOptimizations: Int
    public var refinement: RefinementSummary?
}

/// Generalized absolute pose of a multi-camera rig from the 2D-3D correspondences of each of
/// its cameras: unproject each camera's pixels (undistorting), LO-RANSAC with GP3P on the rays
/// (threshold in pixels in every camera), then rig-pose refinement with Ceres over all inliers.
/// When only one camera has correspondences this is `estimateAbsolutePose` on that camera
/// (P3P), composed with its `camFromRig`.
/// - Parameters:
///   - points2D: per camera, pixels (COLMAP convention).
///   - points3D: per camera, the world points, one per pixel.
///   - cameras: the rig's cameras.
/// - Returns: nil when no pose is found (fewer than 3 correspondences, or no model with 3 inliers).
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values or bad options.
public func estimateGeneralizedAbsolutePose(points2D: [[Vector2]], points3D: [[Vector3]], cameras: [RigCamera],
                                            options: AbsolutePoseOptions = AbsolutePoseOptions()) throws -> GeneralizedAbsolutePoseResult? {
    try options.validate()
    guard points2D.count == cameras.count, points3D.count == cameras.count else {
        throw GeometryError.invalidInput("\(cameras.count) cameras but correspondences for \(points2D.count) and \(points3D.count)")
    }
    for k in cameras.indices { try validateCorrespondences(points2D: points2D[k], points3D: points3D[k]) }
    let used = cameras.indices.filter { !points2D[$0].isEmpty }
    if used.count == 1, let k = used.first {
        guard let single = try estimateAbsolutePose(points2D: points2D[k], points3D: points3D[k], camera: cameras[k].camera,
                                                    options: options) else { return nil }
        var masks = cameras.indices.map { [Bool](repeating: false, count: points2D[$0].count) }
        masks[k] = single.inlierMask
        return GeneralizedAbsolutePoseResult(rigFromWorld: cameras[k].camFromRig.inverse * single.camFromWorld, inlierMasks: masks,
                                             inlierCount: single.inlierCount, ransacIterations: single.ransacIterations,
                                             ransacInlierCount: single.ransacInlierCount,
                                             localOptimizations: single.localOptimizations, refinement: single.refinement)
    }
    guard points2D.reduce(0, { $0 + $1.count }) >= 3 else { return nil }
    let normalizedPoints = cameras.indices.map { k in points2D[k].map(cameras[k].camera.normalizedFromImage) }
    let estimator = GeneralizedAbsolutePoseEstimator(normalizedPoints: normalizedPoints, worldPoints: points3D,
                                                     camFromRig: cameras.map(\.camFromRig), focalWeights: cameras.map(\.camera.meanFocal))
    let ransacOptions = RansacOptions(threshold: options.thresholdPixels, confidence: options.confidence, minIterations: options.minIterations,
                                      maxIterations: options.maxIterations, localOptimization: true, seed: options.seed)
    guard let report = loRansac(estimator, options: ransacOptions) else { return nil }
    var pose = report.model.rigid3
    var summary: RefinementSummary?
    if options.refine {
        let inliers = report.inlierMask.indices.filter { report.inlierMask[$0] }
        // As the single-camera facade: the Cauchy optimum without distortion first, then Ceres.
        if let start = estimator.refineRigPoseLeastSquares(pose, indices: inliers, loss: .cauchy(scale: options.refinement.lossScale),
                                                           maxIterations: 10) {
            pose = start.pose
        }
        var inlier2D = cameras.indices.map { _ in [Vector2]() }, inlier3D = cameras.indices.map { _ in [Vector3]() }
        var offset = 0
        for k in cameras.indices {
            for i in points2D[k].indices where report.inlierMask[offset + i] {
                inlier2D[k].append(points2D[k][i])
                inlier3D[k].append(points3D[k][i])
            }
            offset += points2D[k].count
        }
        if let refined = try refineGeneralizedAbsolutePose(pose, points2D: inlier2D, points3D: inlier3D, cameras: cameras,
                                                           options: options.refinement) {
            pose = refined.rigFromWorld
            summary = refined.summary
        }
    }
    let threshold2 = options.thresholdPixels * options.thresholdPixels
    var masks: [[Bool]] = []
    var count = 0
    for k in cameras.indices {
        let camFromWorld = cameras[k].camFromRig * pose
        masks.append(zip(points2D[k], points3D[k]).map { pixel, X in
            guard let projected = cameras[k].camera.imageFromCamera(camFromWorld.apply(X)) else { return false }
            let d = projected - pixel
            return (d * d).sum() < threshold2
        })
        count += masks[k].filter { $0 }.count
    }
    return GeneralizedAbsolutePoseResult(rigFromWorld: pose, inlierMasks: masks, inlierCount: count, ransacIterations: report.iterations,
                                         ransacInlierCount: report.inlierCount, localOptimizations: report.localOptimizations,
                                         refinement: summary)
}
