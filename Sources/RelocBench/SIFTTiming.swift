import Features
import Foundation

/// SIFT timing for RelocBench.
enum SIFTTiming {
    struct Result: Sendable {
        var width: Int
        var height: Int
        var keypoints: Int
        var seconds: [Double]
        var medianSeconds: Double { seconds.sorted()[seconds.count / 2] }
    }

    /// Decodes the image once, then times gray conversion, resizing and extraction.
    static func measure(path: String, maxEdge: Int, maxKeypoints: Int, upsample: Bool, repetitions: Int) throws -> Result {
        let image = try ImageFile.read(path: path, channels: 1)
        var options = SIFTOptions()
        options.maxKeypoints = maxKeypoints
        options.upsample = upsample
        var seconds: [Double] = []
        var count = 0, size = (0, 0)
        for _ in 0..<max(1, repetitions) {
            let start = Date()
            let resized = GrayImage(image).resized(maxEdge: maxEdge)
            let features = SIFT.extract(resized.image, options: options)
            seconds.append(Date().timeIntervalSince(start))
            count = features.count
            size = (resized.image.width, resized.image.height)
        }
        return Result(width: size.0, height: size.1, keypoints: count, seconds: seconds)
    }
}
