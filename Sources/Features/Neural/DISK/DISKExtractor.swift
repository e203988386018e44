import Foundation
import TensorFiles

/// DISK keypoints and descriptors of an image, from the published `disk-depth-save.pth` in a
/// folder (`reloc weights fetch`): RGB / 255 resized (area) to a longer edge of at most `maxEdge`
/// (the published preprocessing's 1024), the strict 5×5 maxima above 0 (at most `maxKeypoints`,
/// row-major order), mapped back to the original image in COLMAP's convention: (p + 0.5) / scale.
public final class DISKExtractor: FeatureExtractor, @unchecked Sendable {
    public let net: DISKNet
    public var maxKeypoints = 2048
    public var maxEdge = 1024

    public var dimension: Int { DISKNet.dimension }
    public var channels: Int { 3 }

    /// - Throws: `FeaturesError.invalidInput` naming the missing or malformed checkpoint.
    public init(weightsFolder: String) throws {
        let path = (weightsFolder as NSString).appendingPathComponent(DISKNet.weightsFile)
        guard FileManager.default.fileExists(atPath: path) else {
            throw FeaturesError.invalidInput("\(weightsFolder): missing \(DISKNet.weightsFile): `reloc weights fetch --dir \(weightsFolder)` puts the published DISK weights there")
        }
        net = try DISKNet(weights: try WeightsFile.open(path))
    }

    public func extract(_ image: Image8) -> LocalFeatures {
        let (rgb, scale) = Tensor.rgb(image, maxEdge: maxEdge)
        let found = DISKNet.keypoints(net(rgb), maxKeypoints: maxKeypoints)
        return LocalFeatures(keypoints: found.points.map { ($0 + 0.5) / scale }, scores: found.scores, descriptors: found.descriptors,
                             dimension: dimension, scale: LocalFeatures.scale(width: image.width, height: image.height, maxEdge: maxEdge))
    }
}
