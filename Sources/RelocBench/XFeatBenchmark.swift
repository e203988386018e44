import Features
import Foundation
import Reloc
import TensorFiles

/// `RelocBench xfeat [--image FILE] [--pair FILE] [--weights weights] [--max-keypoints 4096] [--repeats 3]`:
/// seconds of XFeat's stages on one image (the published input: no resize below multiples of 32),
/// and, with `--pair`, LighterGlue on the two images' features with its published settings
/// (no early stopping, pruning at 0.95) and without pruning; best of the repeats, on the threads
/// OpenBLAS is given (`OPENBLAS_NUM_THREADS`), the two sides of each layer on two threads as
/// `RelocBench lightglue` does. Peak RSS at the end.
enum XFeatBenchmark {
    static func run(arguments: [String]) throws {
        var image = "datasets/synthetic-default/images/db/db_0000.jpg", pair: String?
        var weights = PublishedWeights.defaultFolder, maxKeypoints = 4096, repeats = 3
        var i = 0
        while i + 1 < arguments.count {
            switch arguments[i] {
            case "--image": image = arguments[i + 1]
            case "--pair": pair = arguments[i + 1]
            case "--weights": weights = arguments[i + 1]
            case "--max-keypoints": maxKeypoints = Int(arguments[i + 1]) ?? maxKeypoints
            case "--repeats": repeats = Int(arguments[i + 1]) ?? repeats
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        let extractor = try XFeatExtractor(weightsFolder: weights)
        extractor.maxEdge = 1 << 20
        extractor.detection.maxKeypoints = maxKeypoints
        func best(_ body: () -> Void) -> Double {
            var fastest = Double.infinity
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                body()
                fastest = min(fastest, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return fastest
        }
        let decoded = try ImageFile.read(path: image, channels: 3)
        guard let (gray, _) = XFeatExtractor.input(decoded, maxEdge: 1 << 20) else { throw RelocError.invalidArgument("\(image): smaller than 32 pixels") }
        var output: XFeatNet.Output?
        let input = best { _ = XFeatExtractor.input(decoded, maxEdge: 1 << 20) }
        let network = best { output = extractor.net(gray) }
        var count = 0
        let detection = best { count = XFeatNet.detect(output!, options: extractor.detection).points.count }
        print("xfeat on \(image) at \(gray.width)x\(gray.height): \(count) keypoints; seconds, best of \(repeats)")
        print(String(format: "input %.3f   network %.3f   detection+descriptors %.3f   total %.3f", input, network, detection, input + network + detection))
        if let pair {
            let other = try ImageFile.read(path: pair, channels: 3)
            let a = extractor.extract(decoded), b = extractor.extract(other)
            let matcher = try LightGlue(weightsFile: try WeightsFile.open((weights as NSString).appendingPathComponent("xfeat-lighterglue.pt")), heads: 1)
            func side(_ f: LocalFeatures, _ image: Image8) -> LightGlue.Input {
                LightGlue.Input(keypoints: f.keypoints.map { $0 - 0.5 }, descriptors: f.descriptors, imageSize: SIMD2(Float(image.width), Float(image.height)))
            }
            let (inputA, inputB) = (side(a, decoded), side(b, other))
            for (label, options) in [("published (pruning 0.95)", LightGlue.Options(depthConfidence: -1, widthConfidence: 0.95)),
                                     ("no pruning", LightGlue.Options(depthConfidence: -1, widthConfidence: -1))] {
                var matches = 0
                let seconds = best { matches = matcher.match(inputA, inputB, options: options).matches0.filter { $0 >= 0 }.count }
                print(String(format: "lighterglue %@: %d + %d keypoints, %d matches, %.3f s", label, a.count, b.count, matches, seconds))
            }
        }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print(String(format: "peak RSS %.0f MiB", Double(usage.ru_maxrss) / 1024))
    }
}
