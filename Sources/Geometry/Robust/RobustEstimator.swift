/// A model-fitting problem for `loRansac`: a minimal solver, a residual, and a
/// local optimisation (non-linear refit on inliers). Conform once per problem type
/// (absolute pose, later relative pose, ...).
public protocol RobustEstimator {
    associatedtype Model

    /// Number of data needed by the minimal solver.
    var sampleSize: Int { get }
    /// Number of data (correspondences).
    var dataCount: Int { get }

    /// Appends the minimal solver's models for the data at `sample` (distinct indices).
    func minimalModels(sample: [Int], into models: inout [Model])

    /// Squared residual of datum `index` under `model`, in the units of the RANSAC threshold
    /// (infinite for data the model cannot explain, e.g. points behind a camera).
    func squaredResidual(_ model: Model, at index: Int) -> Double

    /// Local optimisation: refits `model` on `inliers` with a loss truncated at `threshold`.
    /// Returns nil when the refit fails (the caller keeps the unrefined model).
    func refine(_ model: Model, inliers: [Int], threshold: Double) -> Model?

    /// MSAC score Σ min(r², τ²) and the number of residuals below τ². Scoring may stop as
    /// soon as the partial sum exceeds `bailout` (the model then cannot be the best; the
    /// returned score is only known to exceed it). The default implementation sums
    /// `squaredResidual`; conformers may provide a tighter loop.
    func score(_ model: Model, squaredThreshold: Double, bailout: Double) -> (score: Double, inliers: Int)
}

extension RobustEstimator {
    public func score(_ model: Model, squaredThreshold: Double, bailout: Double = .infinity) -> (score: Double, inliers: Int) {
        var total = 0.0
        var count = 0
        for index in 0..<dataCount {
            if total > bailout { break }
            let r2 = squaredResidual(model, at: index)
            if r2 < squaredThreshold {
                total += r2
                count += 1
            } else {
                total += squaredThreshold
            }
        }
        return (total, count)
    }
}
