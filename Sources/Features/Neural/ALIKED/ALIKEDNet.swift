import TensorFiles

/// ALIKED (Zhao et al., "ALIKED: A Lighter Keypoint and Descriptor Extraction Network via
/// Deformable Transformation", 2023): the published architecture, eval mode, batch norms folded.
///
/// Dense part (`denseMaps`): the RGB image (values /255) padded by edge replication to a multiple
/// of 32 (the excess split as ⌊p/2⌋ before, the rest after); block1 (two 3×3 conv + BN + SELU) at
/// full size; block2 at 1/2 (average pool 2), block3 at 1/8 and block4 at 1/32 (pool 4 each),
/// residual blocks whose two 3×3 convs are plain in block2 and deformable in blocks 3–4, with a
/// 1×1 conv on the shortcut; each scale's 1×1 conv (SELU) to dim/4 channels, upsampled bilinearly
/// (align_corners) to full size and concatenated; the score head (1×1 → 8, 3×3 → 4, 3×3 → 4,
/// 3×3 → 1, SELU between, sigmoid); the feature map is the concatenation at unit length per pixel
/// (`ALIKEDFeatureMap`). Both maps are cropped back to the image. Keypoints: `ALIKEDNet.detect` (DKD); descriptors:
/// `ALIKEDNet.describe` (SDDH).
public struct ALIKEDNet: Sendable {
    public enum Variant: String, CaseIterable, Sendable {
        case n16 = "aliked-n16", n16rot = "aliked-n16rot", n32 = "aliked-n32", t16 = "aliked-t16"

        /// Channels of the four blocks, descriptor size, SDDH kernel and sample count (c1, c2, c3, c4, dim, K, M).
        public var configuration: (c1: Int, c2: Int, c3: Int, c4: Int, dim: Int, kernel: Int, samples: Int) {
            switch self {
            case .t16: return (8, 16, 32, 64, 64, 3, 16)
            case .n16, .n16rot: return (16, 32, 64, 128, 128, 3, 16)
            case .n32: return (16, 32, 64, 128, 128, 3, 32)
            }
        }

        /// The checkpoint's file name (`reloc weights fetch`).
        public var weightsFile: String { rawValue + ".pth" }
    }

    /// A 3×3 conv of a block: plain or deformable.
    enum BlockConv: Sendable {
        case plain(Conv2D)
        case deformable(DeformableConv2D)

        func callAsFunction(_ x: Tensor) -> Tensor {
            switch self {
            case .plain(let conv): return conv(x)
            case .deformable(let conv): return conv(x)
            }
        }
    }

    /// Two convs (batch norms folded); with a shortcut, a residual block (the SELU after the sum).
    struct Block: Sendable {
        var conv1: BlockConv
        var conv2: BlockConv
        var shortcut: Conv2D?

        func callAsFunction(_ x: Tensor) -> Tensor {
            var y = conv1(x)
            TensorOps.selu(&y)
            y = conv2(y)
            if let shortcut { TensorOps.add(&y, shortcut(x)) }
            TensorOps.selu(&y)
            return y
        }
    }

    public let variant: Variant
    let blocks: [Block]
    /// The 1×1 convs of the four scales to dim/4 channels.
    let aggregation: [Conv2D]
    let scoreHead: [Conv2D]
    /// The score head's first 1×1 conv split by the four scales' channels: applied before the
    /// upsampling, which commutes with it (both linear), so only 8 channels are upsampled.
    let scoreHeadByScale: [Conv2D]
    /// SDDH: offsets from a K×K patch (conv, SELU, 1×1 conv), the 1×1 conv of the sampled
    /// features, and the M × dim × dim aggregation weights.
    let offsetConv: (Conv2D, Conv2D)
    let sampledConv: Conv2D
    let aggregationWeights: [Float]

    public var dimension: Int { variant.configuration.dim }

    /// - Throws: `FeaturesError.invalidInput` naming the file when a tensor is missing or has another shape.
    public init(variant: Variant, weights file: any TensorArchive) throws {
        self.variant = variant
        let (c1, c2, c3, c4, dim, k, m) = variant.configuration
        let w = try NetworkWeights(file: file, probe: "block1.conv1.weight")
        func conv(_ name: String, _ cin: Int, _ cout: Int, kernel: Int, bias: Bool, batchNorm: String? = nil) throws -> Conv2D {
            try w.conv(name, in: cin, out: cout, kernel: kernel, padding: kernel / 2, bias: bias, batchNorm: batchNorm)
        }
        func deformable(_ name: String, _ cin: Int, _ cout: Int, batchNorm: String) throws -> BlockConv {
            let offsets = try w.conv(name + ".offset_conv", in: cin, out: 18, kernel: 3, padding: 1)
            var layer = DeformableConv2D(offsetConv: offsets, conv: try conv(name + ".regular_conv", cin, cout, kernel: 3, bias: false))
            layer.foldBatchNorm(gamma: try w.floats(batchNorm + ".weight", shape: [cout]), beta: try w.floats(batchNorm + ".bias", shape: [cout]),
                                mean: try w.floats(batchNorm + ".running_mean", shape: [cout]),
                                variance: try w.floats(batchNorm + ".running_var", shape: [cout]))
            return .deformable(layer)
        }
        func residual(_ name: String, _ cin: Int, _ cout: Int, deformed: Bool) throws -> Block {
            let shortcut = try w.conv(name + ".downsample", in: cin, out: cout, kernel: 1)
            if deformed {
                return Block(conv1: try deformable(name + ".conv1", cin, cout, batchNorm: name + ".bn1"),
                             conv2: try deformable(name + ".conv2", cout, cout, batchNorm: name + ".bn2"), shortcut: shortcut)
            }
            return Block(conv1: .plain(try conv(name + ".conv1", cin, cout, kernel: 3, bias: false, batchNorm: name + ".bn1")),
                         conv2: .plain(try conv(name + ".conv2", cout, cout, kernel: 3, bias: false, batchNorm: name + ".bn2")), shortcut: shortcut)
        }
        blocks = [
            Block(conv1: .plain(try conv("block1.conv1", 3, c1, kernel: 3, bias: false, batchNorm: "block1.bn1")),
                  conv2: .plain(try conv("block1.conv2", c1, c1, kernel: 3, bias: false, batchNorm: "block1.bn2")), shortcut: nil),
            try residual("block2", c1, c2, deformed: false),
            try residual("block3", c2, c3, deformed: true),
            try residual("block4", c3, c4, deformed: true),
        ]
        aggregation = try zip(1...4, [c1, c2, c3, dim]).map { try conv("conv\($0)", $1, dim / 4, kernel: 1, bias: false) }
        scoreHead = [try conv("score_head.0", dim, 8, kernel: 1, bias: false), try conv("score_head.2", 8, 4, kernel: 3, bias: false),
                     try conv("score_head.4", 4, 4, kernel: 3, bias: false), try conv("score_head.6", 4, 1, kernel: 3, bias: false)]
        let first = scoreHead[0], quarter = dim / 4
        var byScale: [Conv2D] = []
        for i in 0..<4 {
            var weight: [Float] = []
            for o in 0..<8 {
                let start = o * dim + i * quarter
                weight += first.weight[start..<(start + quarter)]
            }
            byScale.append(Conv2D(weight: weight, bias: nil, outChannels: 8, inChannels: quarter, kernel: (1, 1)))
        }
        scoreHeadByScale = byScale
        offsetConv = (try w.conv("desc_head.offset_conv.0", in: dim, out: 2 * m, kernel: k),
                      try w.conv("desc_head.offset_conv.2", in: 2 * m, out: 2 * m, kernel: 1))
        sampledConv = try w.conv("desc_head.sf_conv", in: dim, out: dim, kernel: 1, bias: false)
        aggregationWeights = try w.floats("desc_head.agg_weights", shape: [m, dim, dim])
    }

    /// The feature map (dim channels, unit length per pixel, computed where it is read) and the
    /// score map (one channel, 0…1) of an RGB image with values in 0…1, both at the image's size.
    public func denseMaps(_ image: Tensor) -> (features: ALIKEDFeatureMap, scores: Tensor) {
        precondition(image.channels == 3, "ALIKED reads RGB")
        let padHeight = (32 - image.height % 32) % 32, padWidth = (32 - image.width % 32) % 32
        let (top, left) = (padHeight / 2, padWidth / 2)
        let padded = TensorOps.replicatePad(image, left: left, right: padWidth - left, top: top, bottom: padHeight - top)
        let x1 = blocks[0](padded)
        let x2 = blocks[1](TensorOps.averagePool(x1, size: 2))
        let x3 = blocks[2](TensorOps.averagePool(x2, size: 4))
        let x4 = blocks[3](TensorOps.averagePool(x3, size: 4))
        let scales = zip(aggregation, [x1, x2, x3, x4]).map { conv, x -> Tensor in
            var y = conv(x)
            TensorOps.selu(&y)
            return y
        }
        // Score head: its first conv per scale, upsampled and summed, then the rest at full size.
        var scores = Tensor(channels: 8, height: padded.height, width: padded.width)
        for (i, factor) in ALIKEDFeatureMap.factors.enumerated() {
            let part = scoreHeadByScale[i](scales[i])
            TensorOps.add(&scores, factor == 1 ? part : TensorOps.upsampleBilinear(part, scale: factor, alignCorners: true))
        }
        for conv in scoreHead.dropFirst() {
            TensorOps.selu(&scores)
            scores = conv(scores)
        }
        TensorOps.sigmoid(&scores)
        return (ALIKEDFeatureMap(scales: scales, top: top, left: left, width: image.width, height: image.height),
                TensorOps.crop(scores, top: top, left: left, height: image.height, width: image.width))
    }
}
