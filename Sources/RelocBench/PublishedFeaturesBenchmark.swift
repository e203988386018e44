import Features
import Foundation
import Reloc

/// Learned features with published weights. `RelocBench aliked [--image FILE] [--variant aliked-n16] [--weights weights] [--max-edge 1024] [--repeats 3]`:
/// seconds of ALIKED's stages on one image (best of the repeats) and the process's peak RSS.
enum PublishedFeaturesBenchmark {
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
        let (rgb, _) = Tensor.rgb(try ImageFile.read(path: image, channels: 3), maxEdge: maxEdge)
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

    /// `RelocBench disk [--image FILE] [--weights weights] [--max-edge 1024] [--repeats 3]`: DISK's
    /// U-Net and keypoint selection on one image (best of the repeats) and the peak RSS.
    static func runDISK(arguments: [String]) throws {
        var image = "datasets/synthetic-default/images/db/db_0000.jpg", weights = PublishedWeights.defaultFolder
        var maxEdge = 1024, repeats = 3
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--image": image = arguments[i + 1]
            case "--weights": weights = arguments[i + 1]
            case "--max-edge": maxEdge = Int(arguments[i + 1]) ?? maxEdge
            case "--repeats": repeats = Int(arguments[i + 1]) ?? repeats
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        let extractor = try DISKExtractor(weightsFolder: weights)
        let (rgb, _) = Tensor.rgb(try ImageFile.read(path: image, channels: 3), maxEdge: maxEdge)
        var (network, selection) = (Double.infinity, Double.infinity)
        var count = 0
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds
            let output = extractor.net(rgb)
            let middle = DispatchTime.now().uptimeNanoseconds
            count = DISKNet.keypoints(output, maxKeypoints: extractor.maxKeypoints).points.count
            let end = DispatchTime.now().uptimeNanoseconds
            network = min(network, Double(middle - start) / 1e9)
            selection = min(selection, Double(end - middle) / 1e9)
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("disk on \(image) at \(rgb.width)x\(rgb.height): \(count) keypoints; seconds, best of \(repeats)")
        print(String(format: "network %.3f   selection %.3f   total %.3f", network, selection, network + selection))
        print(String(format: "peak RSS %.0f MiB", Double(usage.ru_maxrss) / 1024))
    }
}
