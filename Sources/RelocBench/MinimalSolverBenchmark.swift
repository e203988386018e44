import Foundation
import Geometry

/// `RelocBench minimal [--instances N] [--export DIR] [--solver gp3p|p4pf]`: ns per solve and the % of random instances
/// whose true solution is among the solutions (rotation, translation and focal to 1e-6), for the
/// minimal solvers of #22: GP3P (three rays from three cameras of a rig, origins within 1 m, points
/// 2..20 m away) and P4Pf (focal 500..3000 px, image points centred and divided by 1000, points
/// 2..10 m deep in a ±45° cone). With `--export DIR` the instances go there (gp3p.txt, p4pf.txt) with
/// reloc's timing for `benchmarks/compare_poselib.py --minimal`.
enum MinimalSolverBenchmark {
    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["instances", "export", "solver"])
        let only = options.string("solver")
        let count = options.int("instances", 100_000)
        let export = options.string("export")
        if let export { try FileManager.default.createDirectory(atPath: export, withIntermediateDirectories: true) }
        var rng = SeededGenerator(seed: 5)

        let rigInstances = gp3pInstances(count, &rng)
        let focalInstances = p4pfInstances(count, &rng)

        var poses: [Rigid3Matrix] = []
        poses.reserveCapacity(8)
        var focalPoses: [FocalPose] = []
        focalPoses.reserveCapacity(8)
        var checksum = 0
        var gp3pTimes: [Double] = [], p4pfTimes: [Double] = []
        for _ in 0..<5 {
            var start = now()
            for (_, o, d, X) in rigInstances where only != "p4pf" {
                poses.removeAll(keepingCapacity: true)
                solveGP3P(origins: o, directions: d, points: X, into: &poses)
                checksum &+= poses.count
            }
            gp3pTimes.append((now() - start) / Double(count) * 1e9)
            start = now()
            for (_, _, u, X) in focalInstances where only != "gp3p" {
                focalPoses.removeAll(keepingCapacity: true)
                solveP4Pf(imagePoints: (u[0], u[1], u[2], u[3]), worldPoints: (X[0], X[1], X[2], X[3]), into: &focalPoses)
                checksum &+= focalPoses.count
            }
            p4pfTimes.append((now() - start) / Double(count) * 1e9)
        }
        func close(_ a: Rigid3Matrix, _ b: Rigid3) -> Bool {
            a.rotation.maxAbsDifference(b.rotation.matrix) < 1e-6 && norm(a.translation - b.translation) < 1e-6 * max(1, norm(b.translation))
        }
        var gp3pFound = 0, p4pfFound = 0, gp3pSolutions = 0, p4pfSolutions = 0
        for (truth, o, d, X) in rigInstances {
            poses.removeAll(keepingCapacity: true)
            solveGP3P(origins: o, directions: d, points: X, into: &poses)
            gp3pSolutions += poses.count
            if poses.contains(where: { close($0, truth) }) { gp3pFound += 1 }
        }
        for (truth, f, u, X) in focalInstances {
            focalPoses.removeAll(keepingCapacity: true)
            solveP4Pf(imagePoints: u, worldPoints: X, into: &focalPoses)
            p4pfSolutions += focalPoses.count
            if focalPoses.contains(where: { abs($0.focal - f) < 1e-6 * f && close($0.camFromWorld, truth) }) { p4pfFound += 1 }
        }
        print("solver  instances  ns/solve (median of 5)  true solution found  mean solutions")
        print(String(format: "gp3p    %9d  %22.0f  %18.2f%%  %14.2f", count, median(gp3pTimes), 100 * Double(gp3pFound) / Double(count),
                     Double(gp3pSolutions) / Double(count)))
        print(String(format: "p4pf    %9d  %22.0f  %18.2f%%  %14.2f", count, median(p4pfTimes), 100 * Double(p4pfFound) / Double(count),
                     Double(p4pfSolutions) / Double(count)))
        if checksum == -1 { print(checksum) }
        if let export {
            func line(_ values: [Double]) -> String { values.map(formatDouble).joined(separator: " ") }
            var text = ""
            for (truth, o, d, X) in rigInstances {
                let q = truth.rotation, t = truth.translation
                text += line([q.w, q.x, q.y, q.z, t.x, t.y, t.z])
                for v in [o.0, o.1, o.2, d.0, d.1, d.2, X.0, X.1, X.2] { text += " " + line([v.x, v.y, v.z]) }
                text += "\n"
            }
            try text.write(toFile: "\(export)/gp3p.txt", atomically: true, encoding: .utf8)
            text = ""
            for (truth, f, u, X) in focalInstances {
                let q = truth.rotation, t = truth.translation
                text += line([q.w, q.x, q.y, q.z, t.x, t.y, t.z, f])
                for v in u { text += " " + line([v.x, v.y]) }
                for v in X { text += " " + line([v.x, v.y, v.z]) }
                text += "\n"
            }
            try text.write(toFile: "\(export)/p4pf.txt", atomically: true, encoding: .utf8)
            let meta = "{\"instances\": \(count), \"gp3p_ns\": \(median(gp3pTimes)), \"p4pf_ns\": \(median(p4pfTimes)), "
                + "\"gp3p_found\": \(gp3pFound), \"p4pf_found\": \(p4pfFound)}\n"
            try meta.write(toFile: "\(export)/minimal.json", atomically: true, encoding: .utf8)
        }
    }

    typealias RigInstance = (Rigid3, (Vector3, Vector3, Vector3), (Vector3, Vector3, Vector3), (Vector3, Vector3, Vector3))

    /// GP3P instances: rig pose, three ray origins, directions and world points.
    static func gp3pInstances(_ count: Int, _ rng: inout SeededGenerator) -> [RigInstance] {
        var rigInstances: [RigInstance] = []
        for _ in 0..<count {
            let rigFromWorld = Rigid3(rotation: Quaternion.random(using: &rng), translation: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * 5)
            let worldFromRig = rigFromWorld.inverse
            var o: [Vector3] = [], d: [Vector3] = [], X: [Vector3] = []
            for _ in 0..<3 {
                let rigFromCam = Rigid3(rotation: Quaternion.random(using: &rng), translation: Vector3(rng.nextUnit() - 0.5, rng.nextUnit() - 0.5, rng.nextUnit() - 0.5))
                let pointInRig = rigFromCam.apply(Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (2 + 18 * rng.nextUnit()))
                o.append(rigFromCam.translation)
                d.append(normalized(pointInRig - rigFromCam.translation))
                X.append(worldFromRig.apply(pointInRig))
            }
            rigInstances.append((rigFromWorld, (o[0], o[1], o[2]), (d[0], d[1], d[2]), (X[0], X[1], X[2])))
        }
        return rigInstances
    }

    /// P4Pf instances: pose, focal / 1000, four image points (÷ 1000) and world points.
    static func p4pfInstances(_ count: Int, _ rng: inout SeededGenerator) -> [(Rigid3, Double, [Vector2], [Vector3])] {
        var focalInstances: [(Rigid3, Double, [Vector2], [Vector3])] = []
        for _ in 0..<count {
            let camFromWorld = Rigid3(rotation: Quaternion.random(using: &rng), translation: Vector3(rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()) * 5)
            let worldFromCam = camFromWorld.inverse
            let focal = 500 + 2500 * rng.nextUnit()
            var u: [Vector2] = [], X: [Vector3] = []
            for _ in 0..<4 {
                let p = Vector3(rng.nextUnit() * 2 - 1, rng.nextUnit() * 2 - 1, 1) * (2 + 8 * rng.nextUnit())
                u.append(Vector2(p.x / p.z, p.y / p.z) * focal / 1000)
                X.append(worldFromCam.apply(p))
            }
            focalInstances.append((camFromWorld, focal / 1000, u, X))
        }
        return focalInstances
    }
}
