/// Options of `estimateAbsolutePoseWithUnknownFocal`: those of `estimateAbsolutePose` plus k1.
public struct FocalAbsolutePoseOptions: Equatable, Sendable {
    public var pose = AbsolutePoseOptions()
    /// Refine the camera's k1 with pose and focal (models with k1 only).
    public var refineK1 = false
    /// Focal lengths believed possible, in units of the image's larger side: 0.1 (a 170° field
    /// of view) to 20 (3°). Minimal solutions outside are dropped, and a final focal outside means
    /// no pose.
    public var focalRange: ClosedRange<Double> = 0.1...20

    public init(pose: AbsolutePoseOptions = AbsolutePoseOptions(), refineK1: Bool = false) {
        self.pose = pose
        self.refineK1 = refineK1
    }

    public func validate() throws {
        try pose.validate()
        guard focalRange.lowerBound > 0, focalRange.upperBound.isFinite else {
            throw GeometryError.invalidInput("focal range must be positive and finite, got \(focalRange)")
        }
    }
}

/// An estimated pose with the camera's estimated focal length.
public struct FocalAbsolutePoseResult: Sendable {
    /// The pose, its inliers under the estimated camera, RANSAC's counts and Ceres' summary.
    public var pose: AbsolutePoseResult
    /// The given camera with the estimated focal length(s) (and k1 when refined).
    public var camera: Camera
    /// The focal length's standard deviation in pixels, from the inliers' reprojection residuals
    /// (Gauss–Newton covariance of pose and focal, σ² from the residuals): large when the data
    /// hardly constrain the focal, as for a planar scene seen nearly head-on. nil with fewer than 8 inliers.
    public var focalStandardDeviation: Double?
}

/// Absolute pose and focal length from 2D-3D correspondences: the pixels are centred on the
/// camera's principal point (undistorted with the given camera's distortion, scaled by its focal,
/// i.e. exact for a camera without distortion whatever focal it holds) and divided by the image's
/// larger side; LO-RANSAC with P4Pf (threshold = pixels / that side), then Ceres refines pose and
/// a factor on the focal length(s) (plus k1 when asked) on the inliers.
/// - Parameters:
///   - camera: model, size, principal point and distortion of the camera; its focal length is
///     only a scale for the undistortion and is replaced by the estimate.
/// - Returns: nil when no pose is found (fewer than 4 correspondences, or no model with 4 inliers).
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values or bad options.
public func estimateAbsolutePoseWithUnknownFocal(points2D: [Vector2], points3D: [Vector3], camera: Camera,
                                                 options: FocalAbsolutePoseOptions = FocalAbsolutePoseOptions()) throws -> FocalAbsolutePoseResult? {
    try options.validate()
    try validateCorrespondences(points2D: points2D, points3D: points3D)
    if options.refineK1 && camera.model.k1Index == nil {
        throw GeometryError.invalidInput("k1 refinement needs a model with k1 (SIMPLE_RADIAL, RADIAL, OPENCV), not \(camera.model.name)")
    }
    guard points2D.count >= 4 else { return nil }
    let imageScale = Double(max(camera.width, camera.height))
    let listedFocal = camera.meanFocal
    let centred = points2D.map { camera.normalizedFromImage($0) * (listedFocal / imageScale) }
    let estimator = FocalAbsolutePoseEstimator(imagePoints: centred, worldPoints: points3D, focalRange: options.focalRange)
    let o = options.pose
    let ransacOptions = RansacOptions(threshold: o.thresholdPixels / imageScale, confidence: o.confidence, minIterations: o.minIterations,
                                      maxIterations: o.maxIterations, localOptimization: true, seed: o.seed)
    guard let report = loRansac(estimator, options: ransacOptions) else { return nil }
    var pose = report.model.camFromWorld.rigid3
    var focal = report.model.focal * imageScale
    var summary: RefinementSummary?
    func scaled(_ camera: Camera, focal: Double) throws -> Camera {
        var params = camera.params
        for index in camera.model.focalIndices { params[index] *= focal / listedFocal }
        return try Camera(model: camera.model, width: camera.width, height: camera.height, params: params)
    }
    var estimated = try scaled(camera, focal: focal)
    if o.refine {
        let inliers = report.inlierMask.indices.filter { report.inlierMask[$0] }
        if let start = estimator.refineFocalPoseLeastSquares(report.model, indices: inliers,
                                                             loss: .cauchy(scale: o.refinement.lossScale / imageScale), maxIterations: 10) {
            pose = start.pose.camFromWorld.rigid3
            focal = start.pose.focal * imageScale
            estimated = try scaled(camera, focal: focal)
        }
        // Focal length and depth trade off along a shallow valley (for a nearly planar scene
        // especially), where Levenberg–Marquardt's relative cost decrease falls below Ceres'
        // default 1e-6 long before the minimum; a tighter tolerance lets it finish.
        var refinement = o.refinement
        refinement.functionTolerance = min(refinement.functionTolerance, 1e-12)
        refinement.maxIterations = max(refinement.maxIterations, 200)
        // RANSAC's inliers were chosen with the distortion undone at the given (wrong) focal, which
        // can drop the points near the border, where the distortion is largest; with the refined
        // camera they are chosen again, and the refinement rerun while the set changes (3 rounds at most).
        var chosen = inliers
        for _ in 0..<3 {
            guard let refined = try refineAbsolutePoseAndFocal(pose, points2D: chosen.map { points2D[$0] }, points3D: chosen.map { points3D[$0] },
                                                               camera: estimated, refineK1: options.refineK1, options: refinement) else { break }
            pose = refined.camFromWorld
            estimated = refined.camera
            summary = refined.summary
            let again = inlierIndices(points2D: points2D, points3D: points3D, camera: estimated, camFromWorld: pose, thresholdPixels: o.thresholdPixels)
            if again == chosen || again.count < 4 { break }
            chosen = again
        }
    }
    guard options.focalRange.contains(estimated.meanFocal / imageScale) else { return nil }
    let final = inlierIndices(points2D: points2D, points3D: points3D, camera: estimated, camFromWorld: pose, thresholdPixels: o.thresholdPixels)
    var mask = [Bool](repeating: false, count: points2D.count)
    for i in final { mask[i] = true }
    let count = final.count
    return FocalAbsolutePoseResult(pose: AbsolutePoseResult(camFromWorld: pose, inlierMask: mask, inlierCount: count,
                                                            ransacIterations: report.iterations, ransacInlierCount: report.inlierCount,
                                                            localOptimizations: report.localOptimizations, refinement: summary),
                                   camera: estimated,
                                   focalStandardDeviation: focalStandardDeviation(points2D: final.map { points2D[$0] },
                                                                                  points3D: final.map { points3D[$0] },
                                                                                  camera: estimated, camFromWorld: pose))
}

/// σ of the focal length (pixels) at a pose and camera: J (2n × 7: rotation vector, translation,
/// focal factor) by central differences of the camera's own projection, cov = σ² (JᵀJ)⁻¹ with
/// σ² = Σ r² / (2n − 7); the focal's variance is f² cov₇₇.
func focalStandardDeviation(points2D: [Vector2], points3D: [Vector3], camera: Camera, camFromWorld: Rigid3) -> Double? {
    let n = points2D.count
    guard n >= 8 else { return nil }
    let focal = camera.meanFocal
    let scale = max(1, norm(camFromWorld.translation))
    let steps = [1e-6, 1e-6, 1e-6, 1e-6 * scale, 1e-6 * scale, 1e-6 * scale, 1e-6]
    // The camera with its focal factor at 1 ± the last step, built once.
    func withFocalFactor(_ factor: Double) -> Camera? {
        var params = camera.params
        for index in camera.model.focalIndices { params[index] *= factor }
        return try? Camera(model: camera.model, width: camera.width, height: camera.height, params: params)
    }
    guard let longer = withFocalFactor(1 + steps[6]), let shorter = withFocalFactor(1 - steps[6]) else { return nil }
    // Poses displaced by ± each of the six pose steps.
    let displaced: [(Rigid3, Rigid3)] = (0..<6).map { k in
        func pose(_ sign: Double) -> Rigid3 {
            var d = [Double](repeating: 0, count: 6)
            d[k] = sign * steps[k]
            return Rigid3(rotation: (Quaternion(rotationVector: Vector3(d[0], d[1], d[2])) * camFromWorld.rotation).normalized(),
                          translation: camFromWorld.translation + Vector3(d[3], d[4], d[5]))
        }
        return (pose(1), pose(-1))
    }
    var h = [Double](repeating: 0, count: 49)
    var sumSquares = 0.0
    var columns = [Vector2](repeating: .zero, count: 7)
    for i in 0..<n {
        let X = points3D[i]
        guard let p = camera.imageFromCamera(camFromWorld.apply(X)) else { continue }
        let r = p - points2D[i]
        sumSquares += (r * r).sum()
        for k in 0..<6 {
            guard let a = camera.imageFromCamera(displaced[k].0.apply(X)), let b = camera.imageFromCamera(displaced[k].1.apply(X)) else { return nil }
            columns[k] = (a - b) / (2 * steps[k])
        }
        guard let a = longer.imageFromCamera(camFromWorld.apply(X)), let b = shorter.imageFromCamera(camFromWorld.apply(X)) else { return nil }
        columns[6] = (a - b) / (2 * steps[6])
        for a in 0..<7 { for b in 0..<7 { h[a * 7 + b] += (columns[a] * columns[b]).sum() } }
    }
    let sigma2 = sumSquares / Double(2 * n - 7)
    // cov₇₇ = (H⁻¹)₇₇: solve H x = e₇.
    guard let x = solveSymmetric(h, [0, 0, 0, 0, 0, 0, 1], size: 7), x[6] > 0 else { return nil }
    return focal * (sigma2 * x[6]).squareRoot()
}

/// Indices of the correspondences whose pixel reprojection error is below the threshold.
func inlierIndices(points2D: [Vector2], points3D: [Vector3], camera: Camera, camFromWorld: Rigid3, thresholdPixels: Double) -> [Int] {
    let threshold2 = thresholdPixels * thresholdPixels
    return points2D.indices.filter { i in
        guard let projected = camera.imageFromCamera(camFromWorld.apply(points3D[i])) else { return false }
        let d = projected - points2D[i]
        return (d * d).sum() < threshold2
    }
}
