/// JᵀWJ (rows of up to 8 lanes), JᵀWr and the robust cost of a small least-squares problem at one
/// parameter value, accumulated residual by residual.
struct SmallNormalEquations {
    var cost = 0.0
    var used = 0
    var h = [SIMD8<Double>](repeating: .zero, count: 8)
    var g = SIMD8<Double>.zero

    /// Adds a 2D residual r with Jacobian rows `ju`, `jv` under `loss`.
    @inline(__always)
    mutating func add(ru: Double, rv: Double, ju: SIMD8<Double>, jv: SIMD8<Double>, loss: RobustLoss, parameterCount n: Int) {
        let r2 = ru * ru + rv * rv
        cost += loss.cost(r2)
        let w = loss.weight(r2)
        guard w > 0 else { return }
        used += 1
        let wu = w * ju, wv = w * jv
        g += wu * ru + wv * rv
        for k in 0..<n { h[k] += wu[k] * ju + wv[k] * jv }
    }

    /// A point the model cannot explain (behind its camera): the loss's largest cost, no curvature.
    mutating func addUnexplained(loss: RobustLoss) { cost += loss.cost(.greatestFiniteMagnitude) }
}

/// Levenberg–Marquardt with IRLS weights on up to 8 parameters, the shape of
/// `refinePoseLeastSquares` (used by LO-RANSAC's refits, where a refit must cost microseconds):
/// `evaluate` accumulates the normal equations at a state, `update` applies a step δ.
/// - Returns: the final state and cost, or nil when fewer than `minimumUsed` residuals count.
func smallLevenbergMarquardt<State>(_ initial: State, parameterCount n: Int, minimumUsed: Int, maxIterations: Int,
                                    evaluate: (State) -> SmallNormalEquations?,
                                    update: (State, SIMD8<Double>) -> State?) -> (state: State, cost: Double)? {
    var state = initial
    guard var current = evaluate(state), current.used >= minimumUsed else { return nil }
    var lambda = 1e-4
    for _ in 0..<maxIterations {
        var improved = false
        for _ in 0..<8 {
            var a = [Double](repeating: 0, count: n * n)
            for r in 0..<n {
                for c in 0..<n { a[r * n + c] = current.h[r][c] }
                a[r * n + r] += lambda * max(current.h[r][r], 1e-12)
            }
            guard let step = solveSymmetric(a, (0..<n).map { -current.g[$0] }, size: n) else { lambda *= 10; continue }
            var delta = SIMD8<Double>.zero
            for k in 0..<n { delta[k] = step[k] }
            guard let candidate = update(state, delta), let next = evaluate(candidate), next.cost < current.cost else {
                lambda *= 10
                continue
            }
            let stepSize = (delta * delta).sum().squareRoot()
            let decrease = (current.cost - next.cost) / max(current.cost, .leastNormalMagnitude)
            state = candidate
            current = next
            lambda = max(lambda / 10, 1e-10)
            improved = true
            if stepSize < 1e-10 || decrease < 1e-10 { return (state, current.cost) }
            break
        }
        guard improved, current.used >= minimumUsed else { break }
    }
    return (state, current.cost)
}

/// Solves a symmetric positive-definite n×n system (row-major) by Cholesky; nil if not positive definite.
func solveSymmetric(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
    var l = [Double](repeating: 0, count: n * n)
    for i in 0..<n {
        for j in 0...i {
            var sum = a[i * n + j]
            for k in 0..<j { sum -= l[i * n + k] * l[j * n + k] }
            if i == j {
                guard sum > 0, sum.isFinite else { return nil }
                l[i * n + i] = sum.squareRoot()
            } else {
                l[i * n + j] = sum / l[j * n + j]
            }
        }
    }
    var y = [Double](repeating: 0, count: n)
    for i in 0..<n {
        var sum = b[i]
        for k in 0..<i { sum -= l[i * n + k] * y[k] }
        y[i] = sum / l[i * n + i]
    }
    var x = [Double](repeating: 0, count: n)
    for i in stride(from: n - 1, through: 0, by: -1) {
        var sum = y[i]
        for k in (i + 1)..<n { sum -= l[k * n + i] * x[k] }
        x[i] = sum / l[i * n + i]
    }
    return x
}
