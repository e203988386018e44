import Foundation
import Geometry

/// `RelocBench refine [--repeats K]`: time of the final pose refinement alone (Ceres through
/// CCeresShim, Cauchy loss 1 px) for n = 100, 1000, 5000 inlier correspondences with 1 px noise,
/// started from the true pose moved by 0.3° and 1 cm (about where LO-RANSAC leaves it).
enum RefineBenchmark {
    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["repeats"])
        let repeats = options.int("repeats", 50)
        let camera = try Camera(model: .simpleRadial, width: 1600, height: 1200, params: [1400, 800, 600, -0.03])
        print("n      median time [ms]  per point [ns]  iterations  rotation error before → after [°]")
        for n in [100, 1000, 5000] {
            var times: [Double] = [], iterations: [Double] = []
            var before: [Double] = [], after: [Double] = []
            for k in 0..<repeats {
                let problem = PnPBenchmark.makeProblem(camera: camera, count: n, outlierRatio: 0, seed: UInt64(7_000 + k))
                var rng = SeededGenerator(seed: UInt64(9_000 + k))
                let nudge = Quaternion(axis: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()),
                                       angle: 0.3 * .pi / 180)
                let start = Rigid3(rotation: nudge * problem.truth.rotation,
                                   translation: problem.truth.translation + normalized(Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian())) * 0.01)
                let begin = now()
                guard let refined = try refineAbsolutePose(start, points2D: problem.points2D, points3D: problem.points3D,
                                                           camera: camera) else { continue }
                times.append(now() - begin)
                iterations.append(Double(refined.summary.iterations))
                before.append(start.rotation.angularDistance(to: problem.truth.rotation) * 180 / .pi)
                after.append(refined.camFromWorld.rotation.angularDistance(to: problem.truth.rotation) * 180 / .pi)
            }
            let time = median(times)
            print(String(format: "%-6d %16.3f  %14.0f  %10.1f  %.3f → %.4f", n, time * 1e3, time / Double(n) * 1e9,
                         median(iterations), median(before), median(after)))
        }
    }
}
