import TensorFiles

/// SuperPoint (DeTone et al., CVPRW 2018) with MagicLeap's layer names (`superpoint_v1.pth`):
/// a VGG-style encoder (3×3 convs + ReLU, three 2×2 max-pools: H/8), a detector head
/// (`convPa`, `convPb`: 65 channels) and a descriptor head (`convDa`, `convDb`: 256 channels).
public struct SuperPointNet: Sendable {
    let encoder: [Conv2D]
    let detectorA: Conv2D, detectorB: Conv2D
    let descriptorA: Conv2D, descriptorB: Conv2D

    public init(weights: any TensorArchive) throws {
        let w = try NetworkWeights(file: weights, probe: "conv1a.weight")
        let channels = [(1, 64), (64, 64), (64, 64), (64, 64), (64, 128), (128, 128), (128, 128), (128, 128)]
        let names = ["conv1a", "conv1b", "conv2a", "conv2b", "conv3a", "conv3b", "conv4a", "conv4b"]
        encoder = try zip(names, channels).map { try w.conv($0, in: $1.0, out: $1.1, kernel: 3, padding: 1) }
        detectorA = try w.conv("convPa", in: 128, out: 256, kernel: 3, padding: 1)
        detectorB = try w.conv("convPb", in: 256, out: 65, kernel: 1)
        descriptorA = try w.conv("convDa", in: 128, out: 256, kernel: 3, padding: 1)
        descriptorB = try w.conv("convDb", in: 256, out: 256, kernel: 1)
    }

    public struct Output: Sendable {
        /// Keypoint probability per pixel (H×W): softmax over 65 channels, dustbin dropped,
        /// depth-to-space by 8.
        public var scores: Tensor
        /// 256 × H/8 × W/8, unit length per cell.
        public var descriptors: Tensor
    }

    /// - Parameter image: one channel, gray / 255, height and width multiples of 8.
    public func callAsFunction(_ image: Tensor) -> Output {
        var x = image
        for (k, conv) in encoder.enumerated() {
            x = conv(x)
            TensorOps.relu(&x)
            if k % 2 == 1 && k < 7 { x = TensorOps.maxPool(x, kernel: 2, stride: 2, padding: 0) }
        }
        var p = detectorA(x)
        TensorOps.relu(&p)
        var logits = detectorB(p)
        TensorOps.softmaxChannels(&logits)
        let scores = TensorOps.depthToSpace(logits, block: 8)
        var d = descriptorA(x)
        TensorOps.relu(&d)
        var descriptors = descriptorB(d)
        TensorOps.l2NormalizeChannels(&descriptors)
        return Output(scores: scores, descriptors: descriptors)
    }
}
