import Foundation
import Reloc

/// `RelocBench scale [--images 6697] [--keypoints 4096] [--queries 100] [--top-k 50] [--folder DIR] [--reloc PATH] [--generate-only]
///  [--serve [--features KIND] [--requests N] [--weights DIR]]`
enum ScaleCommand {
    static func run(arguments: [String]) throws {
        var options = ScaleBenchmark.Options()
        var arguments = arguments
        if let k = arguments.firstIndex(of: "--generate-only") { options.generateOnly = true; arguments.remove(at: k) }
        if let k = arguments.firstIndex(of: "--serve") { options.serve = true; arguments.remove(at: k) }
        var keypointsGiven = false
        var i = 0
        while i + 1 < arguments.count {
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--images": options.images = Int(value) ?? options.images
            case "--keypoints": options.keypoints = Int(value) ?? options.keypoints; keypointsGiven = true
            case "--features":
                guard let kind = FeatureKind(rawValue: value) else { throw RelocError.invalidArgument("unknown --features \(value)") }
                options.features = kind.rawValue
            case "--requests": options.requests = Int(value) ?? options.requests
            case "--weights": options.weights = value
            case "--queries": options.queries = Int(value) ?? options.queries
            case "--top-k": options.topK = Int(value) ?? options.topK
            case "--folder": options.folder = value
            case "--reloc": options.reloc = value
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        // A learned kind's map has its keypoint budget (ALIKED: 2,048); SIFT's stays 4,096 as Aachen's sizes were quoted.
        if options.serve && !keypointsGiven && options.features != "rootsift", let kind = FeatureKind(rawValue: options.features) {
            options.keypoints = kind.defaultMaxKeypoints
        }
        try ScaleBenchmark.run(options) { print($0) }
    }
}
