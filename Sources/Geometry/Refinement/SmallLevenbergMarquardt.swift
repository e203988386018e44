/// The normal equations of a small least-squares problem at one parameter value: the robust
/// cost, how many residuals count (non-zero weight), and the rows of JᵀWJ and JᵀWr (up to 8
/// parameters, in SIMD lanes). `smallLevenbergMarquardt` runs on any conformer.
protocol SmallLeastSquares {
    var cost: Double { get }
    var used: Int { get }
    /// Row k of JᵀWJ.
    func hessianRow(_ k: Int) -> SIMD8<Double>
    /// JᵀWr.
    var gradient: SIMD8<Double> { get }
}

/// `SmallLeastSquares` accumulated residual by residual, 2D residuals with Jacobian rows in SIMD
/// lanes (the generalized and unknown-focal refits).
struct SmallNormalEquations: SmallLeastSquares {
    var cost = 0.0
    var used = 0
    var h: (SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>, SIMD8<Double>)
        = (.zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero)
    var gradient = SIMD8<Double>.zero

    func hessianRow(_ k: Int) -> SIMD8<Double> {
        switch k {
        case 0: return h.0
        case 1: return h.1
        case 2: return h.2
        case 3: return h.3
        case 4: return h.4
        case 5: return h.5
        case 6: return h.6
        default: return h.7
        }
    }

    /// Adds a 2D residual r with Jacobian rows `ju`, `jv` (lanes ≥ the parameter count zero) under `loss`.
    @inline(__always)
    mutating func add(ru: Double, rv: Double, ju: SIMD8<Double>, jv: SIMD8<Double>, loss: RobustLoss) {
        let r2 = ru * ru + rv * rv
        cost += loss.cost(r2)
        let w = loss.weight(r2)
        guard w > 0 else { return }
        used += 1
        let wu = w * ju, wv = w * jv
        gradient += wu * ru + wv * rv
        h.0 += wu[0] * ju + wv[0] * jv
        h.1 += wu[1] * ju + wv[1] * jv
        h.2 += wu[2] * ju + wv[2] * jv
        h.3 += wu[3] * ju + wv[3] * jv
        h.4 += wu[4] * ju + wv[4] * jv
        h.5 += wu[5] * ju + wv[5] * jv
        h.6 += wu[6] * ju + wv[6] * jv
        h.7 += wu[7] * ju + wv[7] * jv
    }

    /// A point the model cannot explain (behind its camera): the loss's largest cost, no curvature.
    mutating func addUnexplained(loss: RobustLoss) { cost += loss.cost(.greatestFiniteMagnitude) }
}

/// Levenberg–Marquardt with IRLS weights on up to 8 parameters (LO-RANSAC's refits and the
/// refinements' Swift start, where a refit must cost microseconds): `evaluate` gives the normal
/// equations at a state (nil when the cost is not finite), `update` applies a step δ. Damping
/// λ·max(diag, 1e-12), λ from 1e-4, ×10 on a rejected step, ÷10 on an accepted one; converged when
/// the step or the relative cost decrease is below 1e-10.
/// - Returns: the final state and cost, or nil when fewer than `minimumUsed` residuals count at the start.
func smallLevenbergMarquardt<State, Equations: SmallLeastSquares>(_ initial: State, parameterCount n: Int, minimumUsed: Int,
                                                                  maxIterations: Int, evaluate: (State) -> Equations?,
                                                                  update: (State, SIMD8<Double>) -> State?) -> (state: State, cost: Double)? {
    var state = initial
    guard var current = evaluate(state), current.used >= minimumUsed else { return nil }
    var lambda = 1e-4
    for _ in 0..<maxIterations {
        var improved = false
        for _ in 0..<8 {
            guard let delta = dampedStep(current, lambda: lambda, size: n) else { lambda *= 10; continue }
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

/// The Levenberg–Marquardt step (JᵀWJ + λ diag) δ = −JᵀWr by Cholesky on the stack; nil when not
/// positive definite.
func dampedStep<Equations: SmallLeastSquares>(_ equations: Equations, lambda: Double, size n: Int) -> SIMD8<Double>? {
    var l = (SIMD8<Double>.zero, SIMD8<Double>.zero, SIMD8<Double>.zero, SIMD8<Double>.zero,
             SIMD8<Double>.zero, SIMD8<Double>.zero, SIMD8<Double>.zero, SIMD8<Double>.zero)
    return withUnsafeMutableBytes(of: &l) { raw -> SIMD8<Double>? in
        // l[i * 8 + j]: the Cholesky factor of the damped matrix, row-major, stride 8.
        let f = raw.baseAddress!.assumingMemoryBound(to: Double.self)
        for i in 0..<n {
            let row = equations.hessianRow(i)
            for j in 0...i {
                var sum = row[j]
                if i == j { sum += lambda * max(row[i], 1e-12) }
                for k in 0..<j { sum -= f[i * 8 + k] * f[j * 8 + k] }
                if i == j {
                    guard sum > 0, sum.isFinite else { return nil }
                    f[i * 8 + i] = sum.squareRoot()
                } else {
                    f[i * 8 + j] = sum / f[j * 8 + j]
                }
            }
        }
        let g = equations.gradient
        var y = SIMD8<Double>.zero, x = SIMD8<Double>.zero
        for i in 0..<n {
            var sum = -g[i]
            for k in 0..<i { sum -= f[i * 8 + k] * y[k] }
            y[i] = sum / f[i * 8 + i]
        }
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = y[i]
            for k in (i + 1)..<n { sum -= f[k * 8 + i] * x[k] }
            x[i] = sum / f[i * 8 + i]
        }
        return x
    }
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
