import Foundation

/// LO-RANSAC (Chum, Matas, Kittler 2003) with MSAC scoring (Torr & Zisserman 2000) and
/// adaptive stopping, generic over a `RobustEstimator`.
///
/// Each iteration draws a minimal sample (seeded), scores every model of the minimal
/// solver by MSAC, and whenever the best score improves runs local optimisation (the
/// estimator's non-linear refit on the current inliers, truncated loss) and keeps the
/// refit if it scores better. The number of iterations adapts to the best inlier ratio w:
/// `log(1 − confidence) / log(1 − w^s)`, clamped to [minIterations, maxIterations].
/// A final local optimisation runs on the best model's inliers.
///
/// - Returns: nil when there are fewer data than the sample size or no model has at least
///   `sampleSize` inliers ("no model found" is a normal result).
public func loRansac<E: RobustEstimator>(_ estimator: E, options: RansacOptions) -> RansacReport<E.Model>? {
    let n = estimator.dataCount
    let s = estimator.sampleSize
    guard n >= s, s > 0, (try? options.validate()) != nil else { return nil }
    let threshold2 = options.threshold * options.threshold
    var rng = SeededGenerator(seed: options.seed)
    var sample = [Int](repeating: 0, count: s)
    var models: [E.Model] = []
    models.reserveCapacity(8)

    var best: E.Model?
    var bestScore = Double.infinity
    var bestInliers = 0
    var requiredIterations = options.maxIterations
    var localOptimizations = 0
    var iteration = 0

    func inlierIndices(_ model: E.Model) -> [Int] {
        var indices: [Int] = []
        indices.reserveCapacity(bestInliers + 8)
        for i in 0..<n where estimator.squaredResidual(model, at: i) < threshold2 { indices.append(i) }
        return indices
    }

    func updateRequiredIterations() {
        let ratio = Double(bestInliers) / Double(n)
        let allInlierProbability = pow(ratio, Double(s))
        var needed: Int
        if allInlierProbability >= 1 {
            needed = 0
        } else if allInlierProbability <= 0 {
            needed = options.maxIterations
        } else {
            let value = log(1 - options.confidence) / log(1 - allInlierProbability)
            needed = value.isFinite ? Int(min(Double(options.maxIterations), value.rounded(.up))) : options.maxIterations
        }
        requiredIterations = min(options.maxIterations, max(options.minIterations, needed))
    }

    while iteration < requiredIterations {
        iteration += 1
        drawSample(&sample, count: n, rng: &rng)
        models.removeAll(keepingCapacity: true)
        estimator.minimalModels(sample: sample, into: &models)
        for model in models {
            let (score, inliers) = estimator.score(model, squaredThreshold: threshold2, bailout: bestScore)
            guard score < bestScore else { continue }
            best = model
            bestScore = score
            bestInliers = inliers
            if options.localOptimization && inliers >= s {
                localOptimizations += 1
                if let refined = estimator.refine(model, inliers: inlierIndices(model), threshold: options.threshold) {
                    let (refinedScore, refinedInliers) = estimator.score(refined, squaredThreshold: threshold2, bailout: .infinity)
                    if refinedScore < bestScore {
                        best = refined
                        bestScore = refinedScore
                        bestInliers = refinedInliers
                    }
                }
            }
            updateRequiredIterations()
        }
    }

    guard var model = best, bestInliers >= s else { return nil }
    if options.localOptimization, let refined = estimator.refine(model, inliers: inlierIndices(model), threshold: options.threshold) {
        let (refinedScore, refinedInliers) = estimator.score(refined, squaredThreshold: threshold2, bailout: .infinity)
        if refinedScore <= bestScore {
            model = refined
            bestScore = refinedScore
            bestInliers = refinedInliers
        }
        localOptimizations += 1
    }
    var mask = [Bool](repeating: false, count: n)
    var count = 0
    for i in 0..<n where estimator.squaredResidual(model, at: i) < threshold2 {
        mask[i] = true
        count += 1
    }
    return RansacReport(model: model, inlierMask: mask, inlierCount: count, iterations: iteration,
                        localOptimizations: localOptimizations, score: bestScore)
}

/// Fills `sample` with distinct indices in 0..<count (rejection sampling; sample sizes are tiny).
@inline(__always)
func drawSample(_ sample: inout [Int], count: Int, rng: inout SeededGenerator) {
    for k in 0..<sample.count {
        var index: Int
        repeat {
            index = Int(rng.next() % UInt64(count))
        } while sample[0..<k].contains(index)
        sample[k] = index
    }
}
