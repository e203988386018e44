/// A local feature extractor: keypoints, scores and descriptors of an image. SIFT and every
/// learned network conform; `reloc extract` and `reloc serve` hold one per thread (networks keep
/// work buffers), so an extractor is used by one thread at a time.
public protocol FeatureExtractor: AnyObject, Sendable {
    /// Values per descriptor.
    var dimension: Int { get }
    /// The channels the image is decoded to: 1 (gray) or 3 (RGB).
    var channels: Int { get }
    /// The image's features, keypoints in its own pixels (COLMAP convention: top-left pixel
    /// centre at 0.5).
    func extract(_ image: Image8) -> LocalFeatures
}

/// One image's local features as every `FeatureExtractor` returns them.
public struct LocalFeatures: Sendable {
    /// Keypoints in the original image's pixels, COLMAP convention (top-left centre at 0.5).
    public var keypoints: [SIMD2<Float>]
    /// One detection score per keypoint (SIFT: the DoG response).
    public var scores: [Float]
    /// `dimension` values per keypoint (the learned ones unit length).
    public var descriptors: [Float]
    public var dimension: Int
    /// Original-image pixels per pixel of the image the keypoints were found in (hloc's
    /// `uncertainty` of a keypoint).
    public var scale: Double
    /// SIFT's adaptive contrast ran again on the stretched image and kept that run.
    public var contrastStretched = false

    public init(keypoints: [SIMD2<Float>], scores: [Float], descriptors: [Float], dimension: Int, scale: Double,
                contrastStretched: Bool = false) {
        self.keypoints = keypoints; self.scores = scores; self.descriptors = descriptors
        self.dimension = dimension; self.scale = scale; self.contrastStretched = contrastStretched
    }

    public var count: Int { keypoints.count }

    /// The scale of a network's input resized to a longer edge of at most `maxEdge`, as
    /// `LocalFeatures.scale` states it.
    public static func scale(width: Int, height: Int, maxEdge: Int) -> Double {
        Double(max(width, height)) / Double(min(maxEdge, max(width, height)))
    }
}
