/// The robust loss of a least-squares refinement, on squared residuals r².
public enum RobustLoss: Equatable, Sendable {
    /// ρ(r²) = r² — plain least squares.
    case trivial
    /// ρ(r²) = min(r², τ²): data beyond τ are ignored (LO-RANSAC's refit).
    case truncated(threshold: Double)
    /// ρ(r²) = a² log(1 + r²/a²) with scale a.
    case cauchy(scale: Double)

    func cost(_ r2: Double) -> Double {
        switch self {
        case .trivial: return r2
        case .truncated(let t): return min(r2, t * t)
        case .cauchy(let a): return a * a * log1p(r2 / (a * a))
        }
    }

    /// IRLS weight ρ'(r²).
    func weight(_ r2: Double) -> Double {
        switch self {
        case .trivial: return 1
        case .truncated(let t): return r2 < t * t ? 1 : 0
        case .cauchy(let a): return 1 / (1 + r2 / (a * a))
        }
    }
}

/// Levenberg–Marquardt on a camFromWorld pose, minimizing Σ ρ(|π(R X_i + t) − x_i|²) with
/// π(p) = (p.x/p.z, p.y/p.z) over undistorted normalized image points x_i. The update is
/// `R ← exp(ω) R, t ← t + δt` with analytic Jacobians; each step re-weights (IRLS).
/// Used by LO-RANSAC (in Swift, so that a refit costs microseconds, not a Ceres set-up);
/// the final refinement in pixels with distortion goes through Ceres (`refineAbsolutePose`).
/// - Returns: the refined pose and its final cost, or nil when fewer than 3 points are usable.
func refinePoseLeastSquares(_ initial: Rigid3, normalizedPoints x: [Vector2], worldPoints X: [Vector3],
                            indices: [Int], loss: RobustLoss, maxIterations: Int = 25) -> (pose: Rigid3, cost: Double)? {
    guard indices.count >= 3 else { return nil }
    var pose = initial
    func totalCost(_ pose: Rigid3) -> Double {
        let r = pose.rotation.matrix
        var total = 0.0
        for i in indices {
            let p = r * X[i] + pose.translation
            guard p.z > 0 else { total += loss.cost(.greatestFiniteMagnitude); continue }
            let dx = p.x / p.z - x[i].x, dy = p.y / p.z - x[i].y
            total += loss.cost(dx * dx + dy * dy)
        }
        return total
    }
    var cost = totalCost(pose)
    var lambda = 1e-4
    for _ in 0..<maxIterations {
        var jtj = [Double](repeating: 0, count: 36)
        var jtr = [Double](repeating: 0, count: 6)
        let r = pose.rotation.matrix
        var used = 0
        for i in indices {
            let a = r * X[i]
            let p = a + pose.translation
            guard p.z > 0 else { continue }
            let iz = 1 / p.z
            let u = p.x * iz, v = p.y * iz
            let ru = u - x[i].x, rv = v - x[i].y
            let w = loss.weight(ru * ru + rv * rv)
            guard w > 0 else { continue }
            used += 1
            // dr/dp = [[1/z, 0, -u/z], [0, 1/z, -v/z]]; dp/dω = -[a]×, dp/dt = I, so
            // du/dω = (1/z)(-u a_y, a_z + u a_x... written out below), du/dt = (1/z)(1, 0, -u).
            let ju = SIMD8<Double>(iz * (-u * a.y), iz * (a.z + u * a.x), iz * (-a.y), iz, 0, -u * iz, 0, 0)
            let jv = SIMD8<Double>(iz * (-a.z - v * a.y), iz * (v * a.x), iz * a.x, 0, iz, -v * iz, 0, 0)
            for row in 0..<6 {
                jtr[row] += w * (ju[row] * ru + jv[row] * rv)
                let wu = w * ju[row], wv = w * jv[row]
                for col in row..<6 { jtj[row * 6 + col] += wu * ju[col] + wv * jv[col] }
            }
        }
        guard used >= 3 else { return nil }
        for row in 0..<6 { for col in 0..<row { jtj[row * 6 + col] = jtj[col * 6 + row] } }
        var improved = false
        for _ in 0..<8 {
            var damped = jtj
            for k in 0..<6 { damped[k * 6 + k] += lambda * max(jtj[k * 6 + k], 1e-12) }
            guard let step = solveSymmetric6(damped, jtr.map { -$0 }) else { lambda *= 10; continue }
            let omega = Vector3(step[0], step[1], step[2])
            let candidate = Rigid3(rotation: (Quaternion(rotationVector: omega) * pose.rotation).normalized(),
                                   translation: pose.translation + Vector3(step[3], step[4], step[5]))
            let candidateCost = totalCost(candidate)
            if candidateCost < cost {
                let stepSize = step.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let decrease = (cost - candidateCost) / max(cost, .leastNormalMagnitude)
                pose = candidate
                cost = candidateCost
                lambda = max(lambda / 10, 1e-10)
                improved = true
                // Converged: the step or the relative cost decrease is negligible.
                if stepSize < 1e-10 || decrease < 1e-10 { return (pose, cost) }
                break
            }
            lambda *= 10
        }
        if !improved { break }
    }
    return (pose, cost)
}

/// Solves a symmetric positive-definite 6×6 system by Cholesky; nil if not positive definite.
func solveSymmetric6(_ a: [Double], _ b: [Double]) -> [Double]? {
    var l = [Double](repeating: 0, count: 36)
    for i in 0..<6 {
        for j in 0...i {
            var sum = a[i * 6 + j]
            for k in 0..<j { sum -= l[i * 6 + k] * l[j * 6 + k] }
            if i == j {
                guard sum > 0, sum.isFinite else { return nil }
                l[i * 6 + i] = sum.squareRoot()
            } else {
                l[i * 6 + j] = sum / l[j * 6 + j]
            }
        }
    }
    var y = [Double](repeating: 0, count: 6)
    for i in 0..<6 {
        var sum = b[i]
        for k in 0..<i { sum -= l[i * 6 + k] * y[k] }
        y[i] = sum / l[i * 6 + i]
    }
    var x = [Double](repeating: 0, count: 6)
    for i in stride(from: 5, through: 0, by: -1) {
        var sum = y[i]
        for k in (i + 1)..<6 { sum -= l[k * 6 + i] * x[k] }
        x[i] = sum / l[i * 6 + i]
    }
    return x
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
