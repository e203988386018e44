/// A learned feature extractor: keypoints, scores and unit-length descriptors of an image.
public protocol LearnedFeatureExtractor: AnyObject, Sendable {
    /// Values per descriptor.
    var dimension: Int { get }
    /// Keypoints in the original image's pixels, COLMAP convention (top-left centre at 0.5).
    func extract(_ image: Image8) -> LearnedExtractor.Features
}
