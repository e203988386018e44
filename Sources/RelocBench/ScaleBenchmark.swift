import Features
import Foundation
import Geometry
import Reloc

/// `RelocBench scale`: an Aachen-sized map synthesized without rendering — database cameras every
/// 0.5 m along a 3.3 km façade (6,697 images), a grid of façade points (≈1.6 M, 16 cm apart), each
/// image observing 4,096 of the points in its view (keypoints = projections; descriptors = a
/// pseudo-random unit vector per point plus per-observation noise, float16 in the HDF5 store) — and
/// queries near the façade with their top-k nearest database images as pairs. The real `reloc match`
/// and `reloc localize` then run as child processes (under GNU time, `apt-get install time`); their
/// peak RSS, time and the disk are reported, and the median solve time per query from the log.
enum ScaleBenchmark {
    struct Options: Sendable {
        var images = 6_697
        var keypoints = 4_096
        var queries = 100
        var topK = 50
        var folder = NSTemporaryDirectory() + "reloc-scale"
        var reloc = ".build/release/reloc"
        /// Write the map, features, queries and pairs only (for `RelocBench serve-features`).
        var generateOnly = false
        /// `--serve`: serve the map and time it (`ScaleServeBenchmark`), with `features`' kind
        /// (its pipeline defaults; the generated descriptors are 128-d) and `requests` requests.
        var serve = false
        var features = "rootsift"
        var requests = 1_000
        var weights: String?
        init() {}
    }

    static let camera = try! Camera(model: .pinhole, width: 1024, height: 768, params: [640, 640, 512, 384])
    static let spacing = 0.5, pointStep = 0.16, wallDepth = 10.0, rows = 75   // rows × 0.16 m = 12 m of façade height

    static func hash(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &* 0x9E37_79B9_7F4A_7C15 ^ (b &+ 0x632B_E59B_D9B4_E019)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    static func unit(_ h: UInt64) -> Float { Float(h >> 40) / Float(1 << 24) * 2 - 1 }

    static func point(_ id: UInt64) -> Vector3 {
        let column = Int(id - 1) / rows, row = Int(id - 1) % rows
        return Vector3(Double(column) * pointStep, (Double(row) - Double(rows) / 2) * pointStep, wallDepth)
    }

    /// Ids of the façade points in a camera's view, `count` of them (a deterministic subset).
    static func visible(_ camFromWorld: Rigid3, count: Int, salt: UInt64) -> [(UInt64, Vector2)] {
        let centre = camFromWorld.cameraCenter
        let first = max(0, Int((centre.x - 9) / pointStep)), last = Int((centre.x + 9) / pointStep)
        var seen: [(UInt64, Vector2)] = []
        for column in first...last {
            for row in 0..<rows {
                let id = UInt64(column * rows + row + 1)
                if let pixel = camera.imageFromCamera(camFromWorld.apply(point(id))),
                   pixel.x > 1, pixel.y > 1, pixel.x < 1023, pixel.y < 767 { seen.append((id, pixel)) }
            }
        }
        // Keep `count`, chosen by a hash (the same point is seen by neighbours most of the time).
        seen.sort { hash($0.0, salt & 7) < hash($1.0, salt & 7) }
        return Array(seen.prefix(count)).sorted { $0.0 < $1.0 }
    }

    static func descriptor(_ id: UInt64, observation: UInt64, into out: inout [Float], at offset: Int) {
        var s: Float = 0
        for k in 0..<128 {
            let v = unit(hash(id, UInt64(k))) + 0.15 * unit(hash(id &* 31 &+ observation, UInt64(k) &+ 1000))
            out[offset + k] = v
            s += v * v
        }
        let scale = 1 / s.squareRoot()
        for k in 0..<128 { out[offset + k] *= scale }
    }

    static func pose(x: Double, y: Double, z: Double, yaw: Double) -> Rigid3 {
        Rigid3(rotation: Quaternion(axis: Vector3(0, 1, 0), angle: yaw), translation: Vector3(x, y, z)).inverse
    }

    static func run(_ options: Options, say: (String) -> Void) throws {
        guard options.images > 0, options.keypoints > 0, options.queries > 0, options.topK > 0 else {
            throw RelocError.invalidArgument("--images, --keypoints, --queries and --top-k must be positive")
        }
        let fm = FileManager.default
        try? fm.removeItem(atPath: options.folder)
        try fm.createDirectory(atPath: options.folder + "/sfm", withIntermediateDirectories: true)
        if options.serve && !options.generateOnly { return try ScaleServeBenchmark.run(options, say: say) }
        let start = Date()
        var rng = SeededGenerator(seed: 5)

        let (pointCount, observations, pairCount) = try generate(options, rng: &rng, say: say)
        let generation = Date().timeIntervalSince(start)
        if options.generateOnly {
            say(String(format: "wrote %@ in %.0f s (%d points, %d observations, %d pairs)", options.folder, generation, pointCount, observations, pairCount))
            return
        }
        try measure(options, pointCount: pointCount, observations: observations, pairCount: pairCount, generation: generation, say: say)
    }

    /// Writes the map, the features (closed on return: HDF5 locks a file open for writing), the
    /// queries and the pairs. - Returns: points, observations, pairs.
    static func generate(_ options: Options, rng: inout SeededGenerator, say: (String) -> Void) throws -> (Int, Int, Int) {
        // The map: images with every observation, points with their tracks.
        var model = ColmapModel()
        model.cameras[1] = camera
        let features = try FeatureStore(path: options.folder + "/features.h5", mode: .create)
        var tracks: [UInt64: [ColmapModel.TrackElement]] = [:]
        var databasePoses: [Rigid3] = []
        for i in 0..<options.images {
            let camFromWorld = pose(x: 2 + Double(i) * spacing, y: 0, z: 0, yaw: 0)
            databasePoses.append(camFromWorld)
            let seen = visible(camFromWorld, count: options.keypoints, salt: UInt64(i))
            var descriptors = [Float](repeating: 0, count: seen.count * 128)
            for (k, (id, _)) in seen.enumerated() {
                descriptor(id, observation: UInt64(i), into: &descriptors, at: k * 128)
                tracks[id, default: []].append(.init(imageID: UInt32(i + 1), point2DIndex: UInt32(k)))
            }
            let name = String(format: "db/%05d.jpg", i)
            model.images[UInt32(i + 1)] = .init(id: UInt32(i + 1), name: name, cameraID: 1, camFromWorld: camFromWorld,
                                                points2D: seen.map { .init(xy: $0.1, point3DID: $0.0) })
            try features.write(name, ImageFeatures(keypoints: seen.map { SIMD2(Float($0.1.x), Float($0.1.y)) }, descriptors: descriptors,
                                                   descriptorDimension: 128, scores: [], imageSize: SIMD2(1024, 768)), halfDescriptors: true)
            if i % 500 == 499 { try features.flush(); say("  \(i + 1) database images") }
        }
        for (id, track) in tracks where track.count >= 2 { model.points3D[id] = .init(xyz: point(id), error: 0.5, track: track) }
        for (id, track) in tracks where track.count < 2 {
            for element in track { model.images[element.imageID]!.points2D[Int(element.point2DIndex)].point3DID = nil }
            _ = id
        }
        tracks = [:]
        try model.write(folder: options.folder + "/sfm", format: .binary)
        let pointCount = model.points3D.count, observations = model.observationCount
        model = ColmapModel()

        // Queries and their top-k nearest database images.
        var queryLines = "", pairs: [ImagePair] = []
        for q in 0..<options.queries {
            // Anywhere along the database cameras (short maps: their middle).
            let length = Double(options.images) * spacing
            let x = 2 + (length > 20 ? 8 + Double.random(in: 0...(length - 20), using: &rng) : length / 2)
            let camFromWorld = pose(x: x, y: Double.random(in: -0.5...0.5, using: &rng), z: Double.random(in: -1...1, using: &rng),
                                    yaw: Double.random(in: -0.15...0.15, using: &rng))
            let seen = visible(camFromWorld, count: options.keypoints, salt: UInt64(1_000_000 + q))
            var descriptors = [Float](repeating: 0, count: seen.count * 128)
            for (k, (id, _)) in seen.enumerated() { descriptor(id, observation: UInt64(1_000_000 + q), into: &descriptors, at: k * 128) }
            let name = String(format: "query/%04d.jpg", q)
            let noisy = seen.map { SIMD2(Float($0.1.x + Double.random(in: -0.5...0.5, using: &rng)), Float($0.1.y + Double.random(in: -0.5...0.5, using: &rng))) }
            try features.write(name, ImageFeatures(keypoints: noisy, descriptors: descriptors, descriptorDimension: 128, scores: [],
                                                   imageSize: SIMD2(1024, 768)), halfDescriptors: true)
            queryLines += "\(name) \(camera.colmapDescription)\n"
            let nearest = (0..<options.images).sorted { abs(databasePoses[$0].cameraCenter.x - x) < abs(databasePoses[$1].cameraCenter.x - x) }
            pairs += nearest.prefix(options.topK).map { ImagePair(name, String(format: "db/%05d.jpg", $0)) }
        }
        try features.flush()
        try AtomicFile.write(queryLines, to: options.folder + "/queries_with_intrinsics.txt")
        try PairsFile.write(pairs, to: options.folder + "/pairs.txt")
        return (pointCount, observations, pairs.count)
    }

    static func measure(_ options: Options, pointCount: Int, observations: Int, pairCount: Int, generation: Double,
                        say: (String) -> Void) throws {
        let fm = FileManager.default

        /// Runs reloc under GNU time (`/usr/bin/time -f %M`): the child's own peak RSS (a forked
        /// child would otherwise be charged with this generator's pages).
        func child(_ arguments: [String]) throws -> (seconds: Double, peakMiB: Double, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/time")
            process.arguments = ["-f", "%M", options.reloc] + arguments
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            let t = Date()
            try process.run()
            let data = out.fileHandleForReading.readDataToEndOfFile()
            let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw RelocError.invalidArgument("reloc \(arguments[0]) failed: \(errors.suffix(500))") }
            let kilobytes = errors.split(separator: "\n").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces)) } ?? 0
            return (Date().timeIntervalSince(t), kilobytes / 1024, String(decoding: data, as: UTF8.self))
        }
        let f = options.folder
        let match = try child(["match", "--pairs", f + "/pairs.txt", "--features", f + "/features.h5", "--output", f + "/matches.h5", "--mutual"])
        let localize = try child(["localize", "--model", f + "/sfm", "--queries", f + "/queries_with_intrinsics.txt", "--features", f + "/features.h5",
                                  "--matches", f + "/matches.h5", "--pairs", f + "/pairs.txt", "--output", f + "/results.txt"])
        var disk: [String: Int] = [:]
        for name in ["features.h5", "matches.h5", "sfm/images.bin", "sfm/points3D.bin"] {
            disk[name] = ((try? fm.attributesOfItem(atPath: f + "/" + name))?[.size] as? NSNumber)?.intValue ?? 0
        }
        say(String(format: "map: %d images × %d keypoints, %d points (%d observations); generated in %.0f s",
                   options.images, options.keypoints, pointCount, observations, generation))
        say(String(format: "disk: features %.2f GB, matches %.2f GB, map %.2f GB", Double(disk["features.h5"]!) / 1e9,
                   Double(disk["matches.h5"]!) / 1e9, Double(disk["sfm/images.bin"]! + disk["sfm/points3D.bin"]!) / 1e9))
        say(String(format: "reloc match:    %d pairs, %.1f s (%.2f s per query), peak RSS %.0f MiB",
                   pairCount, match.seconds, match.seconds / Double(options.queries), match.peakMiB))
        say(String(format: "reloc localize: %d queries, %.1f s (%.3f s per query incl. reading the map), peak RSS %.0f MiB",
                   options.queries, localize.seconds, localize.seconds / Double(options.queries), localize.peakMiB))
        say("  " + localize.output.trimmingCharacters(in: .whitespacesAndNewlines))
        let solve = (try LocalizationLog.entries(path: f + "/results.txt_logs.jsonl")).map(\.seconds).sorted()
        if !solve.isEmpty {
            say(String(format: "  per query (2D-3D, RANSAC, refinement; without reading the map): median %.3f s, max %.3f s",
                       solve[solve.count / 2], solve.last!))
        }
    }
}
