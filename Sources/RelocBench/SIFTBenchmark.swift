import Foundation
import Reloc

/// `RelocBench sift --image PATH [--max-edge 1536] [--max-keypoints 8192] [--upsample yes]`:
/// SIFT extraction time (median of 3) and keypoint count on one image.
enum SIFTBenchmark {
    static func run(_ arguments: [String]) throws {
        let options = try BenchArguments(arguments, allowed: ["image", "max-edge", "max-keypoints", "upsample"])
        guard let path = options.string("image") else { throw BenchError("give --image PATH") }
        let result = try SIFTTiming.measure(path: path, maxEdge: options.int("max-edge", 1536),
                                            maxKeypoints: options.int("max-keypoints", 8192),
                                            upsample: options.string("upsample") == "yes", repetitions: 3)
        print(String(format: "%@: %dx%d, %d keypoints, median %.0f ms (runs: %@)", path, result.width, result.height,
                     result.keypoints, result.medianSeconds * 1000,
                     result.seconds.map { String(format: "%.0f", $0 * 1000) }.joined(separator: ", ")))
    }
}
