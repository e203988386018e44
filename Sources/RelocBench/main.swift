import Foundation
import Reloc

// RelocBench: speed measurements kept out of `swift test` (CONTRIBUTING.md, docs/benchmarks.md).
// Usage: swift run -c release RelocBench <benchmark> [options]

let arguments = Array(CommandLine.arguments.dropFirst())
// As the reloc executable does (freed image buffers stay in the process for the next image).
ProcessTuning.apply()
let benchmarks: [String: ([String]) throws -> Void] = [
    "model-io": ModelIOBenchmark.run,
    "p3p": P3PBenchmark.run,
    "pnp": PnPBenchmark.run,
    "gpnp": GeneralizedPnPBenchmark.run,
    "minimal": MinimalSolverBenchmark.run,
    "refine": RefineBenchmark.run,
    "match": MatchBenchmark.run,
    "sift": SIFTBenchmark.run,
    "hndesc": NeuralBenchmark.run,
    "aliked": PublishedFeaturesBenchmark.run,
    "disk": PublishedFeaturesBenchmark.runDISK,
    "xfeat": XFeatBenchmark.run,
    "lightglue": LightGlueBenchmark.run,
    "scale": ScaleCommand.run,
    "serve-features": ServeFeaturesBenchmark.run,
    "retrieval": RetrievalScaleBenchmark.run,
]

guard let name = arguments.first, let benchmark = benchmarks[name] else {
    print("usage: RelocBench <benchmark> [options]\nbenchmarks: \(benchmarks.keys.sorted().joined(separator: ", "))")
    exit(arguments.isEmpty ? 0 : 2)
}
do {
    try benchmark(Array(arguments.dropFirst()))
} catch {
    FileHandle.standardError.write(Data("RelocBench: \(error)\n".utf8))
    exit(1)
}
