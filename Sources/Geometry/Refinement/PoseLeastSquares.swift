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
    // The used points, gathered once: X, Y, Z, u, v interleaved per point.
    var packed = [Double](repeating: 0, count: 5 * indices.count)
    for (k, i) in indices.enumerated() {
        packed[5 * k] = X[i].x; packed[5 * k + 1] = X[i].y; packed[5 * k + 2] = X[i].z
        packed[5 * k + 3] = x[i].x; packed[5 * k + 4] = x[i].y
    }
    return packed.withUnsafeBufferPointer { points in
        smallLevenbergMarquardt(initial, parameterCount: 6, minimumUsed: 3, maxIterations: maxIterations, evaluate: { pose in
            NormalEquations(pose, points: points, loss: loss)
        }, update: { pose, step in
            Rigid3(rotation: (Quaternion(rotationVector: Vector3(step[0], step[1], step[2])) * pose.rotation).normalized(),
                   translation: pose.translation + Vector3(step[3], step[4], step[5]))
        }).map { ($0.state, $0.cost) }
    }
}

/// Cost, JᵀWJ and JᵀWr of the pose problem at one pose, in one pass over the
/// packed points (X, Y, Z, u, v each).
private struct NormalEquations: SmallLeastSquares {
    var cost = 0.0
    var used = 0
    /// Rows of JᵀWJ (lanes 0..<6) and JᵀWr.
    var h0 = SIMD8<Double>.zero, h1 = SIMD8<Double>.zero, h2 = SIMD8<Double>.zero
    var h3 = SIMD8<Double>.zero, h4 = SIMD8<Double>.zero, h5 = SIMD8<Double>.zero
    var g = SIMD8<Double>.zero

    /// nil when the cost is not finite.
    init?(_ pose: Rigid3, points: UnsafeBufferPointer<Double>, loss: RobustLoss) {
        let (r0, r1, r2) = pose.rotation.matrix.rows
        let t = pose.translation
        let base = points.baseAddress!
        for k in 0..<(points.count / 5) {
            let q = base + 5 * k
            let P = SIMD3<Double>(q[0], q[1], q[2])
            let a = SIMD3<Double>((r0 * P).sum(), (r1 * P).sum(), (r2 * P).sum())
            let p = a + t
            guard p.z > 0 else { cost += loss.cost(.greatestFiniteMagnitude); continue }
            let iz = 1 / p.z
            let u = p.x * iz, v = p.y * iz
            let ru = u - q[3], rv = v - q[4]
            let r2 = ru * ru + rv * rv
            cost += loss.cost(r2)
            let w = loss.weight(r2)
            guard w > 0 else { continue }
            used += 1
            // dr/dp = [[1/z, 0, -u/z], [0, 1/z, -v/z]], dp/dω = -[a]×, dp/dt = I.
            let ju = SIMD8<Double>(-u * a.y, a.z + u * a.x, -a.y, 1, 0, -u, 0, 0) * iz
            let jv = SIMD8<Double>(-a.z - v * a.y, v * a.x, a.x, 0, 1, -v, 0, 0) * iz
            let wu = w * ju, wv = w * jv
            g += wu * ru + wv * rv
            h0 += wu[0] * ju + wv[0] * jv
            h1 += wu[1] * ju + wv[1] * jv
            h2 += wu[2] * ju + wv[2] * jv
            h3 += wu[3] * ju + wv[3] * jv
            h4 += wu[4] * ju + wv[4] * jv
            h5 += wu[5] * ju + wv[5] * jv
        }
        guard cost.isFinite else { return nil }
    }

    func hessianRow(_ k: Int) -> SIMD8<Double> {
        switch k {
        case 0: return h0
        case 1: return h1
        case 2: return h2
        case 3: return h3
        case 4: return h4
        default: return h5
        }
    }

    var gradient: SIMD8<Double> { g }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
