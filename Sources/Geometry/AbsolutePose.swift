/// Options of `estimateAbsolutePose` (defaults as hloc/PoseLib: 12 px threshold, at most 100,000 iterations;
/// at least 100, not PoseLib's 1,000: on the 12-image streets of `BenchmarkImportTests` more draws
/// found wrong poses that score higher on a query's few correspondences).
public struct AbsolutePoseOptions: Equatable, Sendable {
    /// RANSAC inlier threshold on the reprojection error, in pixels.
    public var thresholdPixels: Double = 12
    public var confidence: Double = 0.9999
    public var minIterations: Int = 100
    public var maxIterations: Int = 100_000
    public var seed: UInt64 = 0
    /// Refine the RANSAC pose on its inliers with Ceres.
    public var refine: Bool = true
    public var refinement = RefinementOptions()

    public init(thresholdPixels: Double = 12, seed: UInt64 = 0) {
        self.thresholdPixels = thresholdPixels
        self.seed = seed
    }

    public func validate() throws {
        guard thresholdPixels > 0, thresholdPixels.isFinite else {
            throw GeometryError.invalidInput("threshold must be positive pixels, got \(thresholdPixels)")
        }
        try ransacOptions(focal: 1).validate()
        try refinement.validate()
    }

    func ransacOptions(focal: Double) -> RansacOptions {
        RansacOptions(threshold: thresholdPixels / focal, confidence: confidence, minIterations: minIterations,
                      maxIterations: maxIterations, localOptimization: true, seed: seed)
    }
}

/// An estimated absolute pose.
public struct AbsolutePoseResult: Sendable {
    /// World-to-camera pose.
    public var camFromWorld: Rigid3
    /// Correspondences whose pixel reprojection error under the final pose is below the threshold.
    public var inlierMask: [Bool]
    public var inlierCount: Int
    public var ransacIterations: Int
    /// Inliers of RANSAC's pose, before refinement.
    public var ransacInlierCount: Int
    /// Local optimisations RANSAC ran.
    public var localOptimizations: Int
    /// Ceres' summary, when refinement ran and succeeded.
    public var refinement: RefinementSummary?
}

/// Absolute pose from 2D-3D correspondences: unproject the pixels through the camera
/// (undistorting), LO-RANSAC with P3P on the normalized points (threshold = pixels / mean
/// focal), then pose-only refinement with Ceres on the inliers, in pixels with distortion.
/// - Parameters:
///   - points2D: pixels (COLMAP convention, top-left pixel centre at (0.5, 0.5)).
///   - points3D: world points, one per pixel.
/// - Returns: nil when no pose is found (fewer than 3 correspondences, or no model with
///   at least 3 inliers): a normal result, not an error.
/// - Throws: `GeometryError.invalidInput` for mismatched counts, non-finite values or bad options.
public func estimateAbsolutePose(points2D: [Vector2], points3D: [Vector3], camera: Camera,
                                 options: AbsolutePoseOptions = AbsolutePoseOptions()) throws -> AbsolutePoseResult? {
    try options.validate()
    try validateCorrespondences(points2D: points2D, points3D: points3D)
    guard points2D.count >= 3 else { return nil }
    let normalizedPoints = points2D.map(camera.normalizedFromImage)
    let estimator = AbsolutePoseEstimator(normalizedPoints: normalizedPoints, worldPoints: points3D)
    guard let report = loRansac(estimator, options: options.ransacOptions(focal: camera.meanFocal)) else { return nil }

    var pose = report.model.rigid3
    var summary: RefinementSummary?
    if options.refine {
        let inliers = report.inlierMask.indices.filter { report.inlierMask[$0] }
        // Ceres' start: the Cauchy optimum on the normalized plane (no distortion, one focal),
        // a few microseconds in Swift; Ceres then only corrects for the camera model.
        if let start = refinePoseLeastSquares(pose, normalizedPoints: normalizedPoints, worldPoints: points3D, indices: inliers,
                                              loss: .cauchy(scale: options.refinement.lossScale / camera.meanFocal),
                                              maxIterations: 10) {
            pose = start.pose
        }
        if let refined = try refineAbsolutePose(pose, points2D: inliers.map { points2D[$0] },
                                                points3D: inliers.map { points3D[$0] }, camera: camera,
                                                options: options.refinement) {
            pose = refined.camFromWorld
            summary = refined.summary
        }
    }
    let threshold2 = options.thresholdPixels * options.thresholdPixels
    var mask = [Bool](repeating: false, count: points2D.count)
    var count = 0
    for i in 0..<points2D.count {
        if let projected = camera.imageFromCamera(pose.apply(points3D[i])) {
            let d = projected - points2D[i]
            if (d * d).sum() < threshold2 { mask[i] = true; count += 1 }
        }
    }
    return AbsolutePoseResult(camFromWorld: pose, inlierMask: mask, inlierCount: count, ransacIterations: report.iterations,
                              ransacInlierCount: report.inlierCount, localOptimizations: report.localOptimizations,
                              refinement: summary)
}

/// Checks 2D-3D correspondences shared by the pose functions: equal counts, finite values.
/// - Throws: `GeometryError.invalidInput` describing the problem.
func validateCorrespondences(points2D: [Vector2], points3D: [Vector3]) throws {
    guard points2D.count == points3D.count else {
        throw GeometryError.invalidInput("\(points2D.count) 2D points but \(points3D.count) 3D points")
    }
    guard points2D.allSatisfy({ $0.x.isFinite && $0.y.isFinite }),
          points3D.allSatisfy({ $0.x.isFinite && $0.y.isFinite && $0.z.isFinite }) else {
        throw GeometryError.invalidInput("non-finite coordinates in the correspondences")
    }
}
