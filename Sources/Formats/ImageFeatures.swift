import Foundation

/// Local features of one image, in reloc's conventions.
public struct ImageFeatures: Equatable, Sendable {
    /// Keypoints in pixels, COLMAP convention (top-left pixel centre at (0.5, 0.5)).
    public var keypoints: [SIMD2<Float>]
    /// Descriptors, one after another: descriptor i is `descriptors[i*D ..< (i+1)*D]`.
    public var descriptors: [Float]
    public var descriptorDimension: Int
    /// Detection scores, one per keypoint (empty when the file has none).
    public var scores: [Float]
    /// Width and height of the image the keypoints refer to.
    public var imageSize: SIMD2<Int>
    /// hloc's keypoint `uncertainty` attribute, when present.
    public var uncertainty: Double?

    public init(keypoints: [SIMD2<Float>], descriptors: [Float], descriptorDimension: Int, scores: [Float],
                imageSize: SIMD2<Int>, uncertainty: Double? = nil) {
        self.keypoints = keypoints; self.descriptors = descriptors; self.descriptorDimension = descriptorDimension
        self.scores = scores; self.imageSize = imageSize; self.uncertainty = uncertainty
    }

    public var count: Int { keypoints.count }
}

extension ImageFeatures {
    /// The features as a `FeatureStore` gives them back after `write(_:_:halfDescriptors:)`:
    /// keypoints through hloc's convention (− 0.5, float32, + 0.5) and descriptors through float16
    /// when `halfDescriptors`. What `reloc serve` matches a posted image with, so that its
    /// matches are those of the same image extracted to a store and read back.
    public func roundedAsStored(halfDescriptors: Bool) -> ImageFeatures {
        var copy = self
        copy.keypoints = keypoints.map { ($0 - 0.5) + 0.5 }
        if halfDescriptors { copy.descriptors = descriptors.map { Float(Float16($0)) } }
        return copy
    }
}
