import Features
import Foundation
import Reloc

/// `RelocBench aliked [--image FILE] [--variant aliked-n16] [--weights weights] [--max-edge 1024] [--repeats 3]`:
/// seconds of ALIKED's stages on one image (best of the repeats) and the process's peak RSS.
enum ALIKEDBenchmark {
    static func run(arguments: [String]) throws {
        var image = "datasets/synthetic-default/images/db/db_0000.jpg", variant = ALIKEDNet.Variant.n16
        var weights = PublishedWeights.defaultFolder, maxEdge = 1024, repeats = 3
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--image": image = arguments[i + 1]
            case "--variant":
                guard let v = ALIKEDNet.Variant(rawValue: arguments[i + 1]) else { throw RelocError.invalidArgument("--variant aliked-n16|aliked-n16rot|aliked-n32|aliked-t16") }
                variant = v
            case "--weights": weights = arguments[i + 1]
            case "--max-edge": maxEdge = Int(arguments[i + 1]) ?? maxEdge
            case "--repeats": repeats = Int(arguments[i + 1]) ?? repeats
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        let extractor = try ALIKEDExtractor(weightsFolder: weights, variant: variant)
        let (rgb, _) = LearnedExtractor.rgbTensor(try ImageFile.read(path: image, channels: 3), maxEdge: maxEdge)
        var times = [Double](repeating: .infinity, count: 3)
        var count = 0
        for _ in 0..<repeats {
            var start = DispatchTime.now().uptimeNanoseconds
            func lap(_ k: Int) {
                let now = DispatchTime.now().uptimeNanoseconds
                times[k] = min(times[k], Double(now - start) / 1e9)
                start = now
            }
            let (features, scores) = extractor.net.denseMaps(rgb)
            lap(0)
            let found = ALIKEDNet.detect(scores, options: extractor.detection)
            lap(1)
            count = extractor.net.describe(features, at: found.normalized).count / extractor.dimension
            lap(2)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("\(variant.rawValue) on \(image) at \(rgb.width)x\(rgb.height): \(count) keypoints; seconds, best of \(repeats)")
        print(String(format: "dense maps %.3f   detection %.3f   descriptors %.3f   total %.3f", times[0], times[1], times[2], times.reduce(0, +)))
        print(String(format: "peak RSS %.0f MiB", Double(usage.ru_maxrss) / 1024))
    }
}
