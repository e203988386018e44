/// Options of `loRansac` (defaults as PoseLib's and COLMAP's where they agree).
public struct RansacOptions: Equatable, Sendable {
    /// Inlier threshold on the residual, in the estimator's units.
    public var threshold: Double
    /// Stop once the probability of having missed an all-inlier sample is below 1 − confidence.
    public var confidence: Double = 0.9999
    /// Always run at least this many iterations.
    public var minIterations: Int = 100
    /// Never run more than this many iterations.
    public var maxIterations: Int = 10_000
    /// Run local optimisation whenever the best model improves.
    public var localOptimization: Bool = true
    /// Seed of the sampler: the same seed and data give the same result.
    public var seed: UInt64 = 0

    public init(threshold: Double, confidence: Double = 0.9999, minIterations: Int = 100,
                maxIterations: Int = 10_000, localOptimization: Bool = true, seed: UInt64 = 0) {
        self.threshold = threshold; self.confidence = confidence; self.minIterations = minIterations
        self.maxIterations = maxIterations; self.localOptimization = localOptimization; self.seed = seed
    }

    /// - Throws: `GeometryError.invalidInput` for a non-positive threshold, a confidence outside
    ///   (0, 1) or min > max iterations.
    public func validate() throws {
        guard threshold > 0, threshold.isFinite else { throw GeometryError.invalidInput("RANSAC threshold must be positive, got \(threshold)") }
        guard confidence > 0, confidence < 1 else { throw GeometryError.invalidInput("RANSAC confidence must be in (0, 1), got \(confidence)") }
        guard minIterations >= 0, maxIterations >= max(1, minIterations) else {
            throw GeometryError.invalidInput("RANSAC iterations: need 0 ≤ min (\(minIterations)) ≤ max (\(maxIterations)), max ≥ 1")
        }
    }
}

/// The outcome of `loRansac`.
public struct RansacReport<Model> {
    /// The best model found (after local optimisation).
    public var model: Model
    /// `inlierMask[i]` is true when datum i's residual is below the threshold.
    public var inlierMask: [Bool]
    public var inlierCount: Int
    /// Sampling iterations run.
    public var iterations: Int
    /// Times local optimisation ran.
    public var localOptimizations: Int
    /// MSAC score of the model (lower is better).
    public var score: Double

    public var inlierRatio: Double { inlierMask.isEmpty ? 0 : Double(inlierCount) / Double(inlierMask.count) }
}

extension RansacReport: Sendable where Model: Sendable {}
