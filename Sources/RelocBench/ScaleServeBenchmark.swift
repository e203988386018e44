import Foundation
import Reloc

/// `RelocBench scale --serve`: the generated map (`ScaleBenchmark.generate`) made a servable run
/// folder — VLAD retrieval by the real `PairsTask`, a `pipeline.json` with the pipeline's
/// defaults for the features' kind — then `reloc serve` started on it as a child process and
/// timed over HTTP with the queries' features (`POST /v1/localize/features`: the generated map
/// has descriptors, not images), against the same on a 60-image map generated alike. Ends with
/// one JSON line.
enum ScaleServeBenchmark {
    struct Served {
        let process: Process
        let port: Int
        let readySeconds: Double
    }

    /// Makes `options.folder` a run folder `reloc serve` takes. - Returns: the request bodies and cameras.
    static func prepare(_ options: ScaleBenchmark.Options, say: (String) -> Void) throws -> [(name: String, camera: String, body: [UInt8])] {
        let f = options.folder
        var task = PipelineTask(dataset: f, output: f)
        let kind = FeatureKind(rawValue: options.features) ?? .rootsift
        if kind != .rootsift { task.extraction = ExtractionSettings(kind: kind, maxEdge: nil, maxKeypoints: nil, detectionThreshold: nil) }
        task.extraction.weightsFolder = options.weights
        task.setMatching(lightGlue: nil)
        let featuresName = task.settingsRecord(files: RunFiles(imageFolder: f, model: "", queryLists: [], features: "", map: "", queryPairs: "",
                                                               queryMatches: "", results: "")).features
        var pairs = PairsTask(retrieval: .vlad, queryLists: [f + "/queries_with_intrinsics.txt"], database: f + "/sfm",
                              output: f + "/pairs-query-vlad\(task.topK).txt", topK: task.topK, featuresFile: f + "/features.h5",
                              globalOutput: f + "/global-vlad_\(featuresName).h5")
        pairs.seed = task.localization.seed
        let start = Date()
        let summary = try pairs.run()
        say(String(format: "VLAD of %d database images and %d queries (reloc pairs' code): %.0f s", summary.databaseImages, summary.queries,
                   Date().timeIntervalSince(start)))
        let files = RunFiles(imageFolder: f, model: f + "/sfm", queryLists: [f + "/queries_with_intrinsics.txt"], features: f + "/features.h5",
                             map: f + "/sfm", queryPairs: pairs.output, queryMatches: f + "/matches-query.h5", results: f + "/results.txt")
        try AtomicFile.write(try task.settingsRecord(files: files).json(), to: f + "/pipeline.json")
        let store = try FeatureStore(path: f + "/features.h5", mode: .read)
        return try QueryList.read(path: f + "/queries_with_intrinsics.txt").map { entry in
            (entry.name, entry.camera.colmapDescription, FeatureRequestBody.encode(try store.read(entry.name)))
        }
    }

    static func start(_ options: ScaleBenchmark.Options, port: Int, log: String) throws -> Served {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.reloc)
        process.arguments = ["serve", "--map", options.folder, "--port", "\(port)"] + (options.weights.map { ["--weights", $0] } ?? [])
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log)
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        let t = Date()
        try process.run()
        while true {
            if let answer = try? BenchHTTP.request(port: port, method: "GET", path: "/healthz", timeoutSeconds: 5), answer.status == 200 { break }
            guard process.isRunning else {
                throw BenchHTTPError("reloc serve exited (\(process.terminationStatus)): \((try? String(contentsOfFile: log, encoding: .utf8))?.suffix(800) ?? "")")
            }
            guard Date().timeIntervalSince(t) < 1800 else { process.terminate(); throw BenchHTTPError("reloc serve not ready in 30 min") }
            usleep(20_000)
        }
        return Served(process: process, port: port, readySeconds: Date().timeIntervalSince(t))
    }

    static func stop(_ served: Served) {
        served.process.terminate()
        served.process.waitUntilExit()
    }

    /// Resident memory of a process, MiB: total, anonymous (its own), file-backed (shared page cache).
    static func rss(_ process: Process) -> (total: Double, anonymous: Double, file: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Double {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }
        return (field("VmRSS"), field("RssAnon"), field("RssFile") + field("RssShmem"))
    }

    struct Timing {
        var seconds: [Double] = []
        var errors = 0
        var localized = 0
        var p50: Double { seconds.isEmpty ? .nan : seconds.sorted()[seconds.count / 2] }
        var p99: Double { seconds.isEmpty ? .nan : seconds.sorted()[min(seconds.count - 1, Int((Double(seconds.count) * 0.99).rounded(.up)) - 1)] }
    }

    static func requests(_ served: Served, bodies: [(name: String, camera: String, body: [UInt8])], count: Int) -> Timing {
        var timing = Timing()
        for k in 0..<count {
            let q = bodies[k % bodies.count]
            let camera = q.camera.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let name = q.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let t = Date()
            guard let answer = try? BenchHTTP.request(port: served.port, method: "POST", path: "/v1/localize/features?camera=\(camera)&name=\(name)",
                                                      body: q.body), answer.status == 200 else { timing.errors += 1; continue }
            timing.seconds.append(Date().timeIntervalSince(t))
            if let json = try? JSONSerialization.jsonObject(with: answer.body) as? [String: Any], json["localized"] as? Bool == true { timing.localized += 1 }
        }
        return timing
    }

    static func run(_ options: ScaleBenchmark.Options, say: (String) -> Void) throws {
        var small = options
        small.images = 60
        small.folder = options.folder + "-small"
        var results: [String: Any] = ["images": options.images, "keypoints": options.keypoints, "features": options.features,
                                      "requests": options.requests]
        for (role, o) in [("small", small), ("large", options)] {
            var generated = o
            generated.generateOnly = true
            try ScaleBenchmark.run(generated, say: say)
            let bodies = try prepare(o, say: say)
            let log = o.folder + "/serve.log"
            // The first start makes the files read in place; the measured starts find them.
            let first = try start(o, port: 18_700, log: log)
            say(String(format: "%@ map: first start (files made) %.1f s", role, first.readySeconds))
            stop(first)
            let served = try start(o, port: 18_701, log: log)
            let loaded = rss(served.process)
            let count = role == "small" ? min(options.requests, 300) : options.requests
            let timing = requests(served, bodies: bodies, count: count)
            let after = rss(served.process)
            say(String(format: "%@ map (%d images): ready %.2f s, RSS %.0f MiB (own %.0f) after load, %.0f MiB (own %.0f) after %d requests; p50 %.3f s, p99 %.3f s, %d errors, %d localized",
                       role, o.images, served.readySeconds, loaded.total, loaded.anonymous, after.total, after.anonymous, count, timing.p50, timing.p99,
                       timing.errors, timing.localized))
            if role == "small" {
                results["small_p50_s"] = timing.p50
                results["small_ready_s"] = served.readySeconds
                stop(served)
                continue
            }
            results["first_start_s"] = first.readySeconds
            results["ready_s"] = served.readySeconds
            results["rss_after_load_mib"] = loaded.total
            results["rss_after_requests_mib"] = after.total
            results["anon_after_requests_mib"] = after.anonymous
            results["p50_s"] = timing.p50
            results["p99_s"] = timing.p99
            results["errors"] = timing.errors
            results["localized"] = timing.localized
            // A second replica on the same files while the first runs: what it adds is its own memory.
            let second = try start(o, port: 18_702, log: o.folder + "/serve2.log")
            let secondLoaded = rss(second.process)
            let secondTiming = requests(second, bodies: bodies, count: min(100, options.requests))
            let secondAfter = rss(second.process)
            say(String(format: "second replica: ready %.2f s, RSS %.0f MiB (own %.0f) after load, %.0f MiB (own %.0f, shared file pages %.0f) after %d requests, %d errors",
                       second.readySeconds, secondLoaded.total, secondLoaded.anonymous, secondAfter.total, secondAfter.anonymous, secondAfter.file,
                       secondTiming.seconds.count + secondTiming.errors, secondTiming.errors))
            results["replica2_ready_s"] = second.readySeconds
            results["replica2_rss_after_load_mib"] = secondLoaded.total
            results["replica2_anon_after_requests_mib"] = secondAfter.anonymous
            results["replica2_rss_after_requests_mib"] = secondAfter.total
            stop(second)
            stop(served)
        }
        let data = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
