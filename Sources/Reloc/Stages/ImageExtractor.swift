import Features
import Foundation

/// One image's local features with an extraction's settings: what `reloc extract` stores for an
/// image read from a folder, and what `reloc serve` computes for an image posted to it, so that
/// both give the same features. A learned network keeps work buffers: one extractor per thread.
final class ImageExtractor: @unchecked Sendable {
    let maxEdge: Int
    let maxKeypoints: Int
    let contrast: ExtractTask.Contrast
    let sift: SIFTOptions
    let learned: (any LearnedFeatureExtractor)?

    /// - Throws: `RelocError.invalidOption` for settings out of range or learned features without
    ///   their weights; `RelocError.invalidArgument` naming the weights that cannot be read.
    init(_ task: ExtractTask) throws {
        try task.validate()
        maxEdge = task.maxEdge
        maxKeypoints = task.maxKeypoints
        contrast = task.contrast
        var options = SIFTOptions()
        options.maxKeypoints = task.maxKeypoints
        options.rootSIFT = task.kind == .rootsift
        options.upsample = task.upsample
        options.upright = task.upright
        options.contrastThreshold = task.contrastThreshold
        options.normalizeContrast = task.contrast == .on
        options.minimumKeypoints = task.resolvedMinimumKeypoints
        options.lowestContrastThreshold = task.lowestContrastThreshold
        try options.validate()
        sift = options
        learned = try task.learnedExtractor()
    }

    /// Channels the image is decoded to: gray for SIFT, RGB for the networks.
    var channels: Int { learned == nil ? 1 : 3 }

    /// The image's features, keypoints in its own pixels (COLMAP convention); `contrastStretched`:
    /// SIFT's adaptive contrast ran a second time on the stretched image and kept that run.
    func extract(_ image: Image8) -> (features: ImageFeatures, contrastStretched: Bool) {
        if let learned {
            let found = learned.extract(image)
            let scale = Double(max(image.width, image.height)) / Double(min(maxEdge, max(image.width, image.height)))
            return (ImageFeatures(keypoints: found.keypoints, descriptors: found.descriptors, descriptorDimension: learned.dimension,
                                  scores: found.scores, imageSize: SIMD2(image.width, image.height), uncertainty: scale), false)
        }
        let resized = GrayImage(image).resized(maxEdge: maxEdge)
        var result = SIFT.extract(resized.image, options: sift)
        var stretched = false
        // Dark or flat: few keypoints at the nominal threshold (before the keypoint floor).
        if contrast == .adaptive && result.locationsAboveThreshold < maxKeypoints / 8 {
            var options = sift
            options.normalizeContrast = true
            let second = SIFT.extract(resized.image, options: options)
            if second.count > result.count { result = second; stretched = true }
        }
        // Back to the original image's pixels (continuous coordinates scale exactly).
        let sx = Float(resized.scale.x), sy = Float(resized.scale.y)
        return (ImageFeatures(keypoints: result.keypoints.map { SIMD2($0.x / sx, $0.y / sy) },
                              descriptors: result.descriptors, descriptorDimension: SIFTFeatures.dimension,
                              scores: result.responses, imageSize: SIMD2(image.width, image.height),
                              uncertainty: Double(1 / sx + 1 / sy) / 2), stretched)
    }
}
