import Foundation
import Geometry

/// `RelocBench p3p [--instances N]`: ns per P3P solve and the % of random instances whose
/// true pose is among the solutions (rotation and translation to 1e-6), as PoseLib's benchmark
/// reports them. Instances: a random camera pose, three points in a ±45° cone at depth 1..10.
enum P3PBenchmark {
    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["instances"])
        let count = options.int("instances", 200_000)
        var rng = SeededGenerator(seed: 1)
        var instances: [(Rigid3, (Vector3, Vector3, Vector3), (Vector3, Vector3, Vector3))] = []
        instances.reserveCapacity(count)
        for _ in 0..<count {
            let camFromWorld = Rigid3(rotation: Quaternion.random(using: &rng),
                                      translation: Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, rng.nextUnit() - 0.5) * 10)
            let worldFromCam = camFromWorld.inverse
            var y: [Vector3] = [], X: [Vector3] = []
            for _ in 0..<3 {
                let p = Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (1 + 9 * rng.nextUnit())
                y.append(normalized(p))
                X.append(worldFromCam.apply(p))
            }
            instances.append((camFromWorld, (y[0], y[1], y[2]), (X[0], X[1], X[2])))
        }
        var solutions: [Rigid3Matrix] = []
        solutions.reserveCapacity(4)
        // Timing passes: solve only (rotations as matrices, the form RANSAC uses). Ten passes, as
        // PoseLib's benchmark (which reports their median): this VM's speed drifts by ±15 %.
        let passes = 10
        var totalSolutions = 0
        var times: [Double] = []
        for _ in 0..<passes {
            let start = now()
            for (_, y, X) in instances {
                solutions.removeAll(keepingCapacity: true)
                solveP3P(bearings: y, points: X, into: &solutions)
                totalSolutions &+= solutions.count
            }
            times.append((now() - start) / Double(count) * 1e9)
        }
        // The same with every solution converted to a quaternion, as PoseLib's solvers return them.
        var quaternionTimes: [Double] = []
        var checksum = 0.0
        for _ in 0..<3 {
            let start = now()
            for (_, y, X) in instances {
                solutions.removeAll(keepingCapacity: true)
                solveP3P(bearings: y, points: X, into: &solutions)
                for solution in solutions { checksum += solution.rigid3.rotation.w }
            }
            quaternionTimes.append((now() - start) / Double(count) * 1e9)
        }
        // Accuracy pass.
        var found = 0
        for (truth, y, X) in instances {
            solutions.removeAll(keepingCapacity: true)
            solveP3P(bearings: y, points: X, into: &solutions)
            if solutions.contains(where: {
                $0.rotation.maxAbsDifference(truth.rotation.matrix) < 1e-6
                    && norm($0.translation - truth.translation) < 1e-6 * max(1, norm(truth.translation))
            }) { found += 1 }
        }
        print("what                      value   reference (PoseLib, reported)")
        print(String(format: "ns per solve (best of %2d)  %6.0f   ~250 ns", passes, times.min()!))
        print(String(format: "ns per solve (median of %2d)%6.0f", passes, median(times)))
        print(String(format: "… with quaternions (best)  %6.0f   (checksum %.3f)", quaternionTimes.min()!, checksum))
        print(String(format: "true pose found            %6.3f%%  goal ≥ 99.9%%", 100 * Double(found) / Double(count)))
        print(String(format: "mean solutions per solve   %6.2f", Double(totalSolutions) / Double(passes * count)))
        print("instances: \(count)")
    }
}
