import Features
import Foundation
import Reloc
import TensorFiles

/// `RelocBench lightglue --input PAIR.safetensors [--weights weights/aliked_lightglue.pth] [--repeats 3]`:
/// seconds per pair of LightGlue on the features in PAIR (`keypoints0/1` N × 2 in pixels with the
/// top-left centre at 0, `descriptors0/1`, `image_size0/1`, as benchmarks/compare_torch.py
/// writes them), adaptive and full depth, with the two images' halves of each layer on two
/// threads or on one (BLAS single-threaded either way), and the process's peak RSS.
enum LightGlueBenchmark {
    static func run(arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["input", "weights", "repeats"])
        guard let inputPath = options.string("input") else { throw BenchError("--input PAIR.safetensors is required") }
        let matcher = try LightGlue(path: options.string("weights") ?? "weights/aliked_lightglue.pth")
        let repeats = options.int("repeats", 3)
        let file = try SafeTensors(path: inputPath)
        func side(_ i: Int) throws -> LightGlue.Input {
            let points = try file.floats("keypoints\(i)"), size = try file.floats("image_size\(i)")
            return LightGlue.Input(keypoints: stride(from: 0, to: points.count, by: 2).map { SIMD2(points[$0], points[$0 + 1]) },
                                   descriptors: try file.floats("descriptors\(i)"), imageSize: SIMD2(size[0], size[1]))
        }
        let (a, b) = (try side(0), try side(1))
        BLASThreads.set(1)
        print("LightGlue on \(inputPath): \(a.keypoints.count) + \(b.keypoints.count) keypoints; seconds per pair, best of \(repeats); OpenBLAS kernels \(ProcessTuning.blasCore ?? "?")")
        for (name, adaptive) in [("adaptive", true), ("full", false)] {
            for parallel in [true, false] {
                let settings = LightGlue.Options(depthConfidence: adaptive ? 0.95 : -1, widthConfidence: adaptive ? 0.99 : -1, parallel: parallel)
                var best = Double.infinity
                var result: LightGlue.Result?
                for _ in 0..<repeats {
                    let start = now()
                    result = matcher.match(a, b, options: settings)
                    best = min(best, now() - start)
                }
                let matches = result!.matches0.filter { $0 >= 0 }.count
                print(String(format: "%-9@ %-15@ %.3f s   %d matches, %d layers", name as NSString,
                             (parallel ? "two threads" : "one thread") as NSString, best, matches, result!.stopLayer))
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "peak RSS %.0f MiB", Double(usage.ru_maxrss) / 1024))
    }
}
