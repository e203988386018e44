import Foundation
import Reloc

/// `RelocBench scale [--images 6697] [--keypoints 4096] [--queries 100] [--top-k 50] [--folder DIR] [--reloc PATH] [--generate-only]`
enum ScaleCommand {
    static func run(arguments: [String]) throws {
        var options = ScaleBenchmark.Options()
        var arguments = arguments
        if let k = arguments.firstIndex(of: "--generate-only") { options.generateOnly = true; arguments.remove(at: k) }
        var i = 0
        while i + 1 < arguments.count {
            let value = arguments[i + 1]
            switch arguments[i] {
            case "--images": options.images = Int(value) ?? options.images
            case "--keypoints": options.keypoints = Int(value) ?? options.keypoints
            case "--queries": options.queries = Int(value) ?? options.queries
            case "--top-k": options.topK = Int(value) ?? options.topK
            case "--folder": options.folder = value
            case "--reloc": options.reloc = value
            default: throw RelocError.invalidArgument("unknown argument \(arguments[i])")
            }
            i += 2
        }
        try ScaleBenchmark.run(options) { print($0) }
    }
}
