import Foundation
import Geometry
import Reloc

/// `RelocBench pnp [--problems K] [--sizes 100,1000] [--outliers 0,50] [--repeats R] [--export DIR] [--refine no]`: absolute pose (LO-RANSAC P3P + Ceres
/// refinement, 12 px) on synthetic problems with n = 100, 1000, 5000 correspondences,
/// outlier ratios 0–90 %, 1 px noise: success rate (rotation < 1° and position < 0.1 m of
/// a scene ~10 m across) and median time. With `--export DIR` the problems and reloc's
/// per-problem results are written there for `benchmarks/compare_poselib.py`.
enum PnPBenchmark {
    static let sizes = [100, 1000, 5000]
    static let outlierRatios = [0.0, 0.25, 0.5, 0.75, 0.9]

    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["problems", "sizes", "outliers", "repeats", "export", "refine"])
        let refine = options.string("refine") != "no"
        let problemsPerCell = options.int("problems", 20)
        // Each problem solved R times in a row, its time the median: warm caches, as in a
        // loop of localizations, and no interference from the export's file writing.
        let repeats = max(1, options.int("repeats", 1))
        let export = options.string("export")
        let chosenSizes = try options.string("sizes").map { list in
            try list.split(separator: ",").map { item -> Int in
                guard let n = Int(item), n >= 3 else { throw BenchError("--sizes: '\(item)' is not a count ≥ 3") }
                return n
            }
        } ?? sizes
        let chosenRatios = try options.string("outliers").map { list in
            try list.split(separator: ",").map { item -> Double in
                guard let percent = Double(item), percent >= 0, percent < 100 else {
                    throw BenchError("--outliers: '\(item)' is not a percentage in [0, 100)")
                }
                return percent / 100
            }
        } ?? outlierRatios
        if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
        let camera = try Camera(model: .simpleRadial, width: 1600, height: 1200, params: [1400, 800, 600, -0.03])
        var records: [String] = []
        print("n      outliers  success  median time [ms]  median inliers  RANSAC iterations  local optimisations  refinement iterations")
        for n in chosenSizes {
            for ratio in chosenRatios {
                var times: [Double] = [], inliers: [Double] = [], refineIterations: [Double] = []
                var ransacIterations: [Double] = [], localOptimizations: [Double] = []
                var successes = 0
                for k in 0..<problemsPerCell {
                    let seed = UInt64(n * 1000 + Int(ratio * 100) * 10 + k)
                    let problem = makeProblem(camera: camera, count: n, outlierRatio: ratio, seed: seed)
                    var options = AbsolutePoseOptions(thresholdPixels: 12, seed: seed)
                    options.refine = refine
                    var result: AbsolutePoseResult?
                    var repeatTimes: [Double] = []
                    for _ in 0..<repeats {
                        let start = now()
                        result = try estimateAbsolutePose(points2D: problem.points2D, points3D: problem.points3D,
                                                          camera: camera, options: options)
                        repeatTimes.append(now() - start)
                    }
                    let elapsed = median(repeatTimes)
                    times.append(elapsed)
                    var ok = false
                    if let result {
                        let rotationError = result.camFromWorld.rotation.angularDistance(to: problem.truth.rotation) * 180 / .pi
                        let positionError = norm(result.camFromWorld.cameraCenter - problem.truth.cameraCenter)
                        ok = rotationError < 1 && positionError < 0.1
                        inliers.append(Double(result.inlierCount))
                        ransacIterations.append(Double(result.ransacIterations))
                        localOptimizations.append(Double(result.localOptimizations))
                        if let summary = result.refinement { refineIterations.append(Double(summary.iterations)) }
                    }
                    if ok { successes += 1 }
                    if let export {
                        let name = "n\(n)_o\(Int(ratio * 100))_\(k)"
                        let text = zip(problem.points2D, problem.points3D).map { p, X in
                            [p.x, p.y, X.x, X.y, X.z].map(formatDouble).joined(separator: " ")
                        }.joined(separator: "\n") + "\n"
                        try text.write(toFile: "\(export)/\(name).txt", atomically: true, encoding: .utf8)
                        let q = problem.truth.rotation, t = problem.truth.translation
                        records.append("{\"name\": \"\(name)\", \"n\": \(n), \"outliers\": \(ratio), \"seconds\": \(elapsed), \"success\": \(ok), "
                                       + "\"truth\": [\([q.w, q.x, q.y, q.z, t.x, t.y, t.z].map(formatDouble).joined(separator: ", "))]}")
                    }
                }
                print(String(format: "%-6d %7.0f%%  %6.1f%%  %16.3f  %14.0f  %17.0f  %19.0f  %21.1f", n, ratio * 100,
                             100 * Double(successes) / Double(problemsPerCell), median(times) * 1000, median(inliers),
                             median(ransacIterations), median(localOptimizations),
                             refineIterations.isEmpty ? 0 : median(refineIterations)))
            }
        }
        if let export {
            let meta = "{\"camera\": {\"model\": \"\(camera.model.name)\", \"width\": \(camera.width), \"height\": \(camera.height), "
                + "\"params\": [\(camera.params.map(formatDouble).joined(separator: ", "))]}, \"threshold\": 12, "
                + "\"min_iterations\": 100, \"max_iterations\": 10000, \"success_prob\": 0.9999,\n\"problems\": [\n"
                + records.joined(separator: ",\n") + "\n]}\n"
            try meta.write(toFile: "\(export)/reloc.json", atomically: true, encoding: .utf8)
            print("exported \(records.count) problems to \(export)")
        }
    }

    struct Problem {
        var truth: Rigid3
        var points2D: [Vector2]
        var points3D: [Vector3]
    }

    /// Camera at a random pose; points 2..20 m in front; outliers are random pixels.
    static func makeProblem(camera: Camera, count: Int, outlierRatio: Double, seed: UInt64) -> Problem {
        var rng = SeededGenerator(seed: seed)
        let truth = Rigid3(rotation: Quaternion.random(using: &rng), translation: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()))
        let worldFromCam = truth.inverse
        var p2: [Vector2] = [], p3: [Vector3] = []
        let outliers = Int((Double(count) * outlierRatio).rounded())
        for i in 0..<count {
            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
            let uv = camera.normalizedFromImage(pixel)
            p3.append(worldFromCam.apply(Vector3(uv.x, uv.y, 1) * (2 + 18 * rng.nextUnit())))
            if i < outliers {
                p2.append(Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height)))
            } else {
                p2.append(pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()))
            }
        }
        return Problem(truth: truth, points2D: p2, points3D: p3)
    }
}
