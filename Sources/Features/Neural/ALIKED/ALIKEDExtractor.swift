import Foundation
import TensorFiles

/// ALIKED keypoints and descriptors of an image, from the published checkpoint `<variant>.pth`
/// in a folder (`reloc weights fetch`). The image is read as RGB / 255, resized (area) so that its
/// longer edge is at most `maxEdge` (the published preprocessing's 1024), and the network's pixel
/// coordinates (top-left centre at 0 in the resized image) are mapped back to the original image
/// in COLMAP's convention: (p + 0.5) / scale.
public final class ALIKEDExtractor: FeatureExtractor, @unchecked Sendable {
    public let net: ALIKEDNet
    public var detection = ALIKEDDetection()
    public var maxEdge = 1024

    public var dimension: Int { net.dimension }
    public var channels: Int { 3 }

    /// - Throws: `FeaturesError.invalidInput` naming the missing or malformed checkpoint.
    public init(weightsFolder: String, variant: ALIKEDNet.Variant) throws {
        let path = (weightsFolder as NSString).appendingPathComponent(variant.weightsFile)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FeaturesError.invalidInput("\(weightsFolder): missing \(variant.weightsFile): `reloc weights fetch --dir \(weightsFolder)` puts the published ALIKED weights there")
        }
        net = try ALIKEDNet(variant: variant, weights: try WeightsFile.open(path))
    }

    public func extract(_ image: Image8) -> LocalFeatures {
        let (rgb, scale) = Tensor.rgb(image, maxEdge: maxEdge)
        let (features, scores) = net.denseMaps(rgb)
        let found = ALIKEDNet.detect(scores, options: detection)
        let descriptors = net.describe(features, at: found.normalized)
        return LocalFeatures(keypoints: found.points.map { ($0 + 0.5) / scale }, scores: found.scores, descriptors: descriptors,
                             dimension: dimension, scale: LocalFeatures.scale(width: image.width, height: image.height, maxEdge: maxEdge))
    }
}
