import Foundation
import Reloc

/// `RelocBench match [--count N] [--dimension D]`: mutual nearest-neighbour matching of two
/// N×D descriptor sets against one bare `sgemm` of the same size (the matcher's floor).
/// Goal: the matcher runs at ≥ 70 % of sgemm's speed.
enum MatchBenchmark {
    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["count", "dimension"])
        let n = options.int("count", 4096), d = options.int("dimension", 128)
        var state: UInt64 = 1
        func next() -> Float {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) - 0.5
        }
        let a = (0..<(n * d)).map { _ in next() }, b = (0..<(n * d)).map { _ in next() }
        var sgemmTimes: [Double] = [], matchTimes: [Double] = []
        var checksum = 0
        for _ in 0..<3 {
            var start = now()
            checksum &+= DescriptorMatching.bareProductChecksum(a, b, count: n, dimension: d)
            sgemmTimes.append(now() - start)
            start = now()
            checksum &+= DescriptorMatching.mutualNearestNeighbours(a, b, dimension: d)
            matchTimes.append(now() - start)
        }
        let sgemm = sgemmTimes.min()!, match = matchTimes.min()!
        print("what                         time [ms]")
        print(String(format: "bare sgemm %dx%dx%d      %9.1f", n, n, d, sgemm * 1000))
        print(String(format: "mutual NN (tiled)            %9.1f", match * 1000))
        print(String(format: "matcher speed / sgemm speed  %9.0f%%   goal ≥ 70%%", 100 * sgemm / match))
        print("(checksum \(checksum))")
    }
}
