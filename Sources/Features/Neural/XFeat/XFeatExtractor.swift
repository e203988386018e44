import Foundation
import TensorFiles

/// XFeat keypoints and descriptors of an image, from the published `xfeat.pt` in a folder
/// (`reloc weights fetch`). The image is read as RGB / 255, resized (area) so that its longer edge
/// is at most `maxEdge`, then, as published, bilinearly to the multiples of 32 below its sides,
/// and the channels' mean taken; the network's pixel indices p in that input map back to the
/// original image in COLMAP's convention: (p + 0.5) · (published ratio) / scale. Images with a
/// side under 32 pixels have no keypoints.
public final class XFeatExtractor: FeatureExtractor, @unchecked Sendable {
    public let net: XFeatNet
    public var detection = XFeatDetection()
    public var maxEdge = 1024

    public var dimension: Int { XFeatNet.dimension }
    public var channels: Int { 3 }

    /// - Throws: `FeaturesError.invalidInput` naming the missing or malformed checkpoint.
    public init(weightsFolder: String) throws {
        let path = (weightsFolder as NSString).appendingPathComponent(XFeatNet.weightsFile)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FeaturesError.invalidInput("\(weightsFolder): missing \(XFeatNet.weightsFile): `reloc weights fetch --dir \(weightsFolder)` puts the published XFeat weights there")
        }
        net = try XFeatNet(weights: try WeightsFile.open(path))
    }

    /// The network's input: the gray plane at sides that are multiples of 32, and the factors from
    /// its pixels to the original image's (area resize and published resize together).
    public static func input(_ image: Image8, maxEdge: Int) -> (gray: Tensor, toOriginal: SIMD2<Float>)? {
        // As published: each channel resized, then their mean (the order matters at 1e-6, enough
        // to move a keypoint across the detection threshold).
        var (rgb, scale) = Tensor.rgb(image, maxEdge: maxEdge)
        let (h, w) = (rgb.height / 32 * 32, rgb.width / 32 * 32)
        guard h > 0, w > 0 else { return nil }
        let published = SIMD2(Float(rgb.width) / Float(w), Float(rgb.height) / Float(h))
        if (h, w) != (rgb.height, rgb.width) { rgb = TensorOps.resizeBilinear(rgb, height: h, width: w) }
        var gray = Tensor(channels: 1, height: h, width: w)
        for i in 0..<gray.plane { gray.data[i] = (rgb.data[i] + rgb.data[gray.plane + i] + rgb.data[2 * gray.plane + i]) / 3 }
        return (gray, published / scale)
    }

    public func extract(_ image: Image8) -> LocalFeatures {
        let scale = LocalFeatures.scale(width: image.width, height: image.height, maxEdge: maxEdge)
        guard let (gray, toOriginal) = Self.input(image, maxEdge: maxEdge) else {
            return LocalFeatures(keypoints: [], scores: [], descriptors: [], dimension: dimension, scale: scale)
        }
        let found = XFeatNet.detect(net(gray), options: detection)
        return LocalFeatures(keypoints: found.points.map { ($0 + 0.5) * toOriginal }, scores: found.scores,
                             descriptors: found.descriptors, dimension: dimension, scale: scale)
    }
}
