import Foundation
import TensorFiles

/// SuperPoint keypoints with SuperPoint's or HNDesc's descriptors, from the published checkpoints
/// in a folder: `superpoint_v1.pth` and (for HNDesc) `hndesc_caps_MP_st.pth`, read as they are
/// published, or converted to `.safetensors` under the same stem.
public final class SuperPointExtractor: FeatureExtractor, @unchecked Sendable {
    public enum Descriptor: Sendable { case superpoint, hndesc }

    public static let superPointStem = "superpoint_v1"
    public static let hndescStem = "hndesc_caps_MP_st"

    public let descriptor: Descriptor
    public var options = SuperPointOptions()
    /// SuperPoint runs on the gray image with its longer edge at most this (hloc's 1600).
    public var superPointMaxEdge = 1600
    /// HNDesc runs on the RGB image with its longer edge at most this (the paper's 1024).
    public var hndescMaxEdge = 1024
    let superPoint: SuperPointNet
    let hndesc: HNDescNet?

    public var dimension: Int { descriptor == .superpoint ? 256 : 128 }
    public var channels: Int { 3 }

    /// - Throws: `FeaturesError.invalidInput` saying which files are needed and where they are
    ///   published, when one is missing.
    public init(weightsFolder: String, descriptor: Descriptor) throws {
        self.descriptor = descriptor
        let stems = descriptor == .hndesc ? [Self.superPointStem, Self.hndescStem] : [Self.superPointStem]
        let found = stems.map { Self.weightsFile(folder: weightsFolder, stem: $0) }
        let missing = zip(stems, found).filter { $0.1 == nil }.map { $0.0 + ".pth" }
        guard missing.isEmpty else {
            throw FeaturesError.invalidInput("""
                \(weightsFolder): missing \(missing.joined(separator: " and ")). Learned features need the published \
                checkpoints: superpoint_v1.pth (MagicLeap's SuperPointPretrainedNetwork repository, also shipped by \
                SuperGlue and hloc) and hndesc_caps_MP_st.pth (the HNDesc repository, imelekhov/HNDesc, its released \
                weights), read as published (or converted to NAME.safetensors).
                """)
        }
        superPoint = try SuperPointNet(weights: try WeightsFile.open(found[0]!))
        hndesc = descriptor == .hndesc ? try HNDescNet(weights: try WeightsFile.open(found[1]!)) : nil
    }

    /// `stem.pth` in `folder`, else `stem.safetensors`, else nil.
    static func weightsFile(folder: String, stem: String) -> String? {
        ["pth", "safetensors"].lazy.map { (folder as NSString).appendingPathComponent("\(stem).\($0)") }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    public func extract(_ image: Image8) -> LocalFeatures {
        // SuperPoint: gray / 255 (OpenCV's gray weights, as cv2.imread(..., GRAYSCALE)).
        let gray = GrayImage(image, scale: 1 / 255).resized(maxEdge: superPointMaxEdge)
        let output = superPoint(Tensor(channels: 1, height: gray.image.height, width: gray.image.width, data: gray.image.pixels))
        let found = SuperPointNet.keypoints(output.scores, options: options)
        // Pixel index p of the resized image ↔ continuous coordinate p + 0.5 ↔ original (p + 0.5) / scale.
        let spScale = SIMD2(Float(gray.scale.x), Float(gray.scale.y))
        let original = found.points.map { ($0 + 0.5) / spScale }
        var descriptors: [Float]
        if let hndesc {
            let (rgb, scale) = Tensor.rgb(image, maxEdge: hndescMaxEdge, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
            let dense = hndesc(rgb)
            // The same keypoints in HNDesc's input, as pixel indices (top-left centre at 0).
            let points = original.map { $0 * scale - 0.5 }
            descriptors = HNDescNet.sampleDescriptors(dense, at: points, imageWidth: rgb.width, imageHeight: rgb.height)
        } else {
            descriptors = SuperPointNet.sampleDescriptors(output.descriptors, at: found.points)
        }
        return LocalFeatures(keypoints: original, scores: found.scores, descriptors: descriptors, dimension: dimension,
                             scale: LocalFeatures.scale(width: image.width, height: image.height, maxEdge: superPointMaxEdge))
    }
}
