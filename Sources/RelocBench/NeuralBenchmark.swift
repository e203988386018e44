import Foundation
import Reloc

/// `RelocBench hndesc [--size 1024x768] [--repeats 3] [--manifest PATH]`: seconds per image for
/// SuperPoint and HNDesc, and peak RSS. `benchmarks/compare_torch.py` runs PyTorch on the same.
enum NeuralBenchmark {
    static func run(arguments: [String]) throws {
        var width = 1024, height = 768, repeats = 3
        var manifest = "Tests/FeaturesTests/Fixtures/neural_manifest.json"
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--size":
                let parts = arguments[i + 1].split(separator: "x").compactMap { Int($0) }
                guard parts.count == 2 else { throw RelocError.invalidArgument("--size WxH") }
                width = parts[0]; height = parts[1]
            case "--repeats": repeats = Int(arguments[i + 1]) ?? 3
            case "--manifest": manifest = arguments[i + 1]
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        let r = try NeuralTiming.run(width: width, height: height, repeats: repeats, manifest: manifest)
        print("network      input        seconds (best of \(repeats))")
        print(String(format: "SuperPoint   %dx%d  %8.3f", width, height, r.superPointSeconds))
        print(String(format: "HNDesc       %dx%d  %8.3f", width, height, r.hndescSeconds))
        print(String(format: "peak RSS     %.0f MiB", r.peakRSSMiB))
    }
}
