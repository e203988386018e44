import Foundation
import Geometry

/// `RelocBench gpnp [--problems K] [--sizes 99,999] [--outliers 0,50] [--repeats R] [--export DIR]`: rig pose
/// (`estimateGeneralizedAbsolutePose`: LO-RANSAC GP3P + Ceres) on synthetic problems for a three-camera
/// rig (front and ±60°, SIMPLE_RADIAL 1024×768): n correspondences split evenly over the cameras,
/// points 2..20 m in front of their camera, 1 px noise, a share of outliers (random pixels). Success:
/// rotation < 1° and rig centre < 0.1 m. With `--export DIR` the problems and reloc's per-problem
/// results go there for `benchmarks/compare_poselib.py --generalized`.
enum GeneralizedPnPBenchmark {
    static func rig() throws -> [RigCamera] {
        let camera = try Camera(model: .simpleRadial, width: 1024, height: 768, params: [800, 512, 384, -0.02])
        return [(0.0, Vector3(0, 0, 0.1)), (60.0, Vector3(0.15, 0, 0)), (-60.0, Vector3(-0.15, 0, 0))].map { yaw, centre in
            let rigFromCam = Rigid3(rotation: Quaternion(rotationVector: Vector3(0, yaw * .pi / 180, 0)), translation: centre)
            return RigCamera(camera: camera, camFromRig: rigFromCam.inverse)
        }
    }

    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["problems", "sizes", "outliers", "repeats", "export"])
        let problemsPerCell = options.int("problems", 20)
        let repeats = max(1, options.int("repeats", 1))
        let export = options.string("export")
        let sizes = try (options.string("sizes") ?? "99,999,4998").split(separator: ",").map { item -> Int in
            guard let n = Int(item), n >= 3 else { throw BenchError("--sizes: '\(item)' is not a count ≥ 3") }
            return n
        }
        let ratios = try (options.string("outliers") ?? "0,25,50,75,90").split(separator: ",").map { item -> Double in
            guard let percent = Double(item), percent >= 0, percent < 100 else { throw BenchError("--outliers: '\(item)' is not a percentage in [0, 100)") }
            return percent / 100
        }
        if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
        let rig = try rig()
        var records: [String] = []
        print("n      outliers  success  median time [ms]  median inliers  RANSAC iterations")
        for n in sizes {
            for ratio in ratios {
                var times: [Double] = [], inliers: [Double] = [], iterations: [Double] = []
                var successes = 0
                for k in 0..<problemsPerCell {
                    let seed = UInt64(7_000_000 + n * 1000 + Int(ratio * 100) * 10 + k)
                    var rng = SeededGenerator(seed: seed)
                    let truth = Rigid3(rotation: Quaternion.random(using: &rng), translation: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()))
                    var p2: [[Vector2]] = [], p3: [[Vector3]] = []
                    for rigCamera in rig {
                        let camera = rigCamera.camera
                        let worldFromCam = (rigCamera.camFromRig * truth).inverse
                        var a: [Vector2] = [], b: [Vector3] = []
                        let count = n / rig.count
                        for i in 0..<count {
                            let pixel = Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
                            let uv = camera.normalizedFromImage(pixel)
                            b.append(worldFromCam.apply(Vector3(uv.x, uv.y, 1) * (2 + 18 * rng.nextUnit())))
                            a.append(i < Int((Double(count) * ratio).rounded())
                                     ? Vector2(rng.nextUnit() * Double(camera.width), rng.nextUnit() * Double(camera.height))
                                     : pixel + Vector2(rng.nextGaussian(), rng.nextGaussian()))
                        }
                        p2.append(a)
                        p3.append(b)
                    }
                    let poseOptions = AbsolutePoseOptions(thresholdPixels: 12, seed: seed)
                    var result: GeneralizedAbsolutePoseResult?
                    var repeatTimes: [Double] = []
                    for _ in 0..<repeats {
                        let start = now()
                        result = try estimateGeneralizedAbsolutePose(points2D: p2, points3D: p3, cameras: rig, options: poseOptions)
                        repeatTimes.append(now() - start)
                    }
                    times.append(median(repeatTimes))
                    var ok = false
                    if let result {
                        ok = result.rigFromWorld.rotation.angularDistance(to: truth.rotation) * 180 / .pi < 1
                            && norm(result.rigFromWorld.cameraCenter - truth.cameraCenter) < 0.1
                        inliers.append(Double(result.inlierCount))
                        iterations.append(Double(result.ransacIterations))
                    }
                    if ok { successes += 1 }
                    if let export {
                        let name = "g\(n)_o\(Int(ratio * 100))_\(k)"
                        var text = ""
                        for (c, (a, b)) in zip(p2, p3).enumerated() {
                            for (p, X) in zip(a, b) { text += "\(c) " + [p.x, p.y, X.x, X.y, X.z].map(formatDouble).joined(separator: " ") + "\n" }
                        }
                        try text.write(toFile: "\(export)/\(name).txt", atomically: true, encoding: .utf8)
                        let q = truth.rotation, t = truth.translation
                        records.append("{\"name\": \"\(name)\", \"n\": \(n), \"outliers\": \(ratio), \"seconds\": \(times.last!), \"success\": \(ok), "
                                       + "\"truth\": [\([q.w, q.x, q.y, q.z, t.x, t.y, t.z].map(formatDouble).joined(separator: ", "))]}")
                    }
                }
                print(String(format: "%-6d %7.0f%%  %6.1f%%  %16.3f  %14.0f  %17.0f", n, ratio * 100,
                             100 * Double(successes) / Double(problemsPerCell), median(times) * 1000,
                             inliers.isEmpty ? 0 : median(inliers), iterations.isEmpty ? 0 : median(iterations)))
            }
        }
        if let export {
            let cameras = rig.map { rc -> String in
                let q = rc.camFromRig.rotation, t = rc.camFromRig.translation
                return "{\"model\": \"\(rc.camera.model.name)\", \"width\": \(rc.camera.width), \"height\": \(rc.camera.height), "
                    + "\"params\": [\(rc.camera.params.map(formatDouble).joined(separator: ", "))], "
                    + "\"cam_from_rig\": [\([q.w, q.x, q.y, q.z, t.x, t.y, t.z].map(formatDouble).joined(separator: ", "))]}"
            }
            let meta = "{\"cameras\": [\(cameras.joined(separator: ", "))], \"threshold\": 12, \"min_iterations\": 100, "
                + "\"max_iterations\": 10000, \"success_prob\": 0.9999,\n\"problems\": [\n" + records.joined(separator: ",\n") + "\n]}\n"
            try meta.write(toFile: "\(export)/reloc.json", atomically: true, encoding: .utf8)
            print("exported \(records.count) problems to \(export)")
        }
    }
}
