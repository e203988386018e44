import Foundation
import Reloc

/// `RelocBench serve-features --store F.h5 [--file F.rlsf] [--requests 500] [--per-request 20]`: the
/// database features `reloc serve` needs, from an HDF5 store (e.g. `RelocBench scale`'s
/// `features.h5`, 6,697 images): making the memory-mapped `ServeFeatureFile` (once), opening it,
/// and `--requests` × `--per-request` random images read from it, with the process's resident
/// memory after each step; then the same store read into memory as float16, as serve held it
/// before. One JSON line at the end.
enum ServeFeaturesBenchmark {
    /// A /proc/self/status field in MiB: `VmRSS` (all resident), `RssAnon` (the process's own
    /// memory), `RssFile` (file pages mapped in: the feature file's, shared with other processes
    /// and reclaimable by the kernel).
    static func rssMiB(_ field: String = "VmRSS") -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") }),
              let kb = Double(line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first ?? "") else { return .nan }
        return kb / 1024
    }

    static func run(arguments: [String]) throws {
        var store = "", file = "", requests = 500, perRequest = 20
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--store": store = arguments[i + 1]
            case "--file": file = arguments[i + 1]
            case "--requests": requests = Int(arguments[i + 1]) ?? requests
            case "--per-request": perRequest = Int(arguments[i + 1]) ?? perRequest
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        guard !store.isEmpty else { throw RelocError.invalidArgument("--store F.h5 is required") }
        if file.isEmpty { file = store + ".rlsf" }
        let h5 = try FeatureStore(path: store, mode: .read)
        let names = try h5.names().sorted()
        print(String(format: "%d images in %@; RSS at start %.0f MiB", names.count, store, rssMiB()))

        var start = Date()
        if !FileManager.default.fileExists(atPath: file) {
            try ServeFeatureFile.write(to: file, source: "bench", names: names, read: { try h5.read($0) })
        }
        let writeSeconds = Date().timeIntervalSince(start)
        start = Date()
        let mapped = try ServeFeatureFile(path: file)
        let openSeconds = Date().timeIntervalSince(start)
        let rssAfterOpen = rssMiB()
        var rng = SystemRandomNumberGenerator()
        var times: [Double] = []
        var checksum: Float = 0
        for _ in 0..<requests {
            let t = Date()
            for _ in 0..<perRequest {
                let f = try mapped.read(names[Int.random(in: 0..<names.count, using: &rng)])!
                checksum += f.descriptors[0]
            }
            times.append(Date().timeIntervalSince(t))
        }
        let rssAfterReads = rssMiB(), anonAfterReads = rssMiB("RssAnon"), fileAfterReads = rssMiB("RssFile")
        times.sort()
        print(String(format: "file: written in %.1f s (once), opened in %.3f s, RSS %.0f MiB after open, %.0f MiB after %d × %d reads (own %.0f, file pages %.0f); per request p50 %.1f ms, p99 %.1f ms",
                     writeSeconds, openSeconds, rssAfterOpen, rssAfterReads, requests, perRequest, anonAfterReads, fileAfterReads, 1000 * times[times.count / 2], 1000 * times[times.count * 99 / 100]))

        _ = mapped
        start = Date()
        var held: [[Float16]] = []
        for name in names { held.append(try h5.read(name).descriptors.map { Float16($0) }) }
        let loadSeconds = Date().timeIntervalSince(start)
        let rssInMemory = rssMiB()
        print(String(format: "in memory (serve before): read in %.1f s, RSS %.0f MiB (%d arrays; checksum %g)", loadSeconds, rssInMemory, held.count, checksum))
        print(String(format: #"{"images": %d, "write_s": %.2f, "open_s": %.4f, "rss_after_open_mib": %.0f, "rss_after_reads_mib": %.0f, "rss_anon_after_reads_mib": %.0f, "rss_file_after_reads_mib": %.0f, "request_p50_ms": %.2f, "request_p99_ms": %.2f, "in_memory_load_s": %.2f, "in_memory_rss_mib": %.0f}"#,
                     names.count, writeSeconds, openSeconds, rssAfterOpen, rssAfterReads, anonAfterReads, fileAfterReads, 1000 * times[times.count / 2], 1000 * times[times.count * 99 / 100], loadSeconds, rssInMemory))
    }
}
