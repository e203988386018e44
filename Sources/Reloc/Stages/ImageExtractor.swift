import Features
import Formats
import Foundation

/// One image's local features with an extraction's settings: what `reloc extract` stores for an
/// image read from a folder, and what `reloc serve` computes for an image posted to it, so that
/// both give the same features. A learned network keeps work buffers: one extractor per thread.
final class ImageExtractor: @unchecked Sendable {
    let extractor: any FeatureExtractor
    let isLearned: Bool

    /// - Throws: `RelocError.invalidOption` for settings out of range or learned features without
    ///   their weights; `RelocError.invalidArgument` naming the weights that cannot be read.
    init(_ settings: ExtractionSettings) throws {
        extractor = try settings.makeExtractor()
        isLearned = settings.kind.isLearned
    }

    /// Channels the image is decoded to: gray for SIFT, RGB for the networks.
    var channels: Int { extractor.channels }

    /// The image's features, keypoints in its own pixels (COLMAP convention); `contrastStretched`:
    /// SIFT's adaptive contrast ran a second time on the stretched image and kept that run.
    func extract(_ image: Image8) -> (features: ImageFeatures, contrastStretched: Bool) {
        let found = extractor.extract(image)
        return (ImageFeatures(keypoints: found.keypoints, descriptors: found.descriptors, descriptorDimension: found.dimension,
                              scores: found.scores, imageSize: SIMD2(image.width, image.height), uncertainty: found.scale),
                found.contrastStretched)
    }
}
