/// SIFT (or RootSIFT) of an image as a `FeatureExtractor`: the gray image resized (area) to a
/// longer edge of at most `maxEdge`, DoG keypoints and descriptors with `options`, and with
/// `adaptiveContrast` a second run on the contrast-stretched image when the first finds fewer
/// keypoint locations than 1/8 of the budget above the nominal threshold (dark or flat images,
/// e.g. night photographs), keeping the run with more keypoints.
public final class SIFTExtractor: FeatureExtractor, @unchecked Sendable {
    public let options: SIFTOptions
    public let maxEdge: Int
    public let adaptiveContrast: Bool

    public var dimension: Int { SIFTFeatures.dimension }
    public var channels: Int { 1 }

    /// - Throws: `FeaturesError.invalidInput` for options out of range.
    public init(options: SIFTOptions, maxEdge: Int, adaptiveContrast: Bool) throws {
        try options.validate()
        self.options = options; self.maxEdge = maxEdge; self.adaptiveContrast = adaptiveContrast
    }

    public func extract(_ image: Image8) -> LocalFeatures {
        let resized = GrayImage(image).resized(maxEdge: maxEdge)
        var result = SIFT.extract(resized.image, options: options)
        var stretched = false
        // Dark or flat: few keypoints at the nominal threshold (before the keypoint floor).
        if adaptiveContrast && result.locationsAboveThreshold < options.maxKeypoints / 8 {
            var second = options
            second.normalizeContrast = true
            let again = SIFT.extract(resized.image, options: second)
            if again.count > result.count { result = again; stretched = true }
        }
        // Back to the original image's pixels (continuous coordinates scale exactly).
        let sx = Float(resized.scale.x), sy = Float(resized.scale.y)
        return LocalFeatures(keypoints: result.keypoints.map { SIMD2($0.x / sx, $0.y / sy) }, scores: result.responses,
                             descriptors: result.descriptors, dimension: SIFTFeatures.dimension,
                             scale: Double(1 / sx + 1 / sy) / 2, contrastStretched: stretched)
    }
}
