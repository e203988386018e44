import Foundation
import Features
import Geometry
import Reloc

/// `RelocBench retrieval [--images 6697,50000] [--dimension 8192] [--queries 50] [--k 20]`: exact
/// top-k over a database of unit global descriptors (VLAD's 64 × 128 by default), one query at a
/// time as `reloc serve` asks: seconds per query (median, max) and the database's size. Random
/// rows; the ranking is checked against a scalar scan of the same rows for the first query.
enum RetrievalScaleBenchmark {
    static func run(arguments: [String]) throws {
        var sizes = [6_697, 50_000], dimension = 8_192, queries = 50, k = 20
        var i = 0
        while i + 1 < arguments.count {
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--images": sizes = value.split(separator: ",").compactMap { Int($0) }
            case "--dimension": dimension = Int(value) ?? dimension
            case "--queries": queries = Int(value) ?? queries
            case "--k": k = Int(value) ?? k
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        BLASThreads.set(1)
        print("| database images | dimension | size (float32) | per query, median | max | top-k equals a scalar scan |")
        print("|---|---|---|---|---|---|")
        for m in sizes {
            var rng = SeededGenerator(seed: 9)
            let rows = (0..<m).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) } }
            let database = try GlobalRetrieval.Database(rows)
            let asked = (0..<queries).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) } }
            var seconds: [Double] = []
            var first: [RetrievalHit] = []
            for (q, query) in asked.enumerated() {
                let t = Date()
                let hits = try GlobalRetrieval.topK(queries: [query], database: database, k: k)[0]
                seconds.append(Date().timeIntervalSince(t))
                if q == 0 { first = hits }
            }
            // Independent: cosine by a plain loop over the rows, the k best.
            func dot(_ a: [Float], _ b: [Float]) -> Float {
                var s: Float = 0
                for k in a.indices { s += a[k] * b[k] }
                return s
            }
            let norm = dot(asked[0], asked[0]).squareRoot()
            let cosines: [Float] = rows.map { row in dot(row, asked[0]) / (dot(row, row).squareRoot() * norm) }
            let expected = cosines.indices.sorted { cosines[$0] > cosines[$1] }.prefix(k)
            seconds.sort()
            print(String(format: "| %d | %d | %.2f GB | %.4f s | %.4f s | %@ |", m, dimension, Double(m * dimension * 4) / 1e9,
                         seconds[seconds.count / 2], seconds.last!, first.map(\.index) == Array(expected) ? "yes" : "no"))
        }
    }
}
