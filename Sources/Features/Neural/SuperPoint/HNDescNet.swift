import TensorFiles

/// HNDesc's dense descriptor network (`caps` backbone, Melekhov et al., 3DV 2021; CAPS's ResUNet
/// without its coarse output): torchvision ResNet-50 `conv1`…`layer3` (H/16, 1024 channels),
/// then a decoder — ×2 bilinear upsampling with align_corners = True and conv3×3+BN+ELU
/// (`upconv3`), the layer2 map zero-padded to its size and concatenated after it (`iconv3`,
/// conv3×3+BN+ELU), the same again with layer1 (`upconv2`, `iconv2`), and `conv_fine` (1×1 conv to
/// 128 + BN + ELU): a 128-channel map at H/4. Batch norms are folded into the convs at load.
public struct HNDescNet: Sendable {
    struct Bottleneck: Sendable {
        var conv1: Conv2D, conv2: Conv2D, conv3: Conv2D
        var downsample: Conv2D?

        func callAsFunction(_ x: Tensor) -> Tensor {
            var y = conv1(x)
            TensorOps.relu(&y)
            y = conv2(y)
            TensorOps.relu(&y)
            y = conv3(y)
            TensorOps.add(&y, downsample.map { $0(x) } ?? x)
            TensorOps.relu(&y)
            return y
        }
    }

    let stem: Conv2D
    let layers: [[Bottleneck]]
    let upconv3: Conv2D, iconv3: Conv2D, upconv2: Conv2D, iconv2: Conv2D, convFine: Conv2D

    public init(weights: any TensorArchive) throws {
        let w = try NetworkWeights(file: weights, probe: "firstconv.weight")
        stem = try w.conv("firstconv", in: 3, out: 64, kernel: 7, stride: 2, padding: 3, bias: false, batchNorm: "firstbn")
        var layers: [[Bottleneck]] = []
        var inChannels = 64
        // torchvision's Bottleneck (v1.5): the stride sits on the 3×3 conv.
        for (index, (blocks, width, stride)) in [(3, 64, 1), (4, 128, 2), (6, 256, 2)].enumerated() {
            var layer: [Bottleneck] = []
            for b in 0..<blocks {
                let name = "layer\(index + 1).\(b)"
                let s = b == 0 ? stride : 1
                let block = Bottleneck(
                    conv1: try w.conv(name + ".conv1", in: inChannels, out: width, kernel: 1, bias: false, batchNorm: name + ".bn1"),
                    conv2: try w.conv(name + ".conv2", in: width, out: width, kernel: 3, stride: s, padding: 1, bias: false, batchNorm: name + ".bn2"),
                    conv3: try w.conv(name + ".conv3", in: width, out: width * 4, kernel: 1, bias: false, batchNorm: name + ".bn3"),
                    downsample: b == 0 ? try w.conv(name + ".downsample.0", in: inChannels, out: width * 4, kernel: 1, stride: s,
                                                    bias: false, batchNorm: name + ".downsample.1") : nil)
                layer.append(block)
                inChannels = width * 4
            }
            layers.append(layer)
        }
        self.layers = layers
        upconv3 = try w.conv("upconv3.conv.conv", in: 1024, out: 512, kernel: 3, padding: 1, batchNorm: "upconv3.conv.bn")
        iconv3 = try w.conv("iconv3.conv", in: 1024, out: 512, kernel: 3, padding: 1, batchNorm: "iconv3.bn")
        upconv2 = try w.conv("upconv2.conv.conv", in: 512, out: 256, kernel: 3, padding: 1, batchNorm: "upconv2.conv.bn")
        iconv2 = try w.conv("iconv2.conv", in: 512, out: 256, kernel: 3, padding: 1, batchNorm: "iconv2.bn")
        convFine = try w.conv("conv_fine.conv", in: 256, out: 128, kernel: 1, batchNorm: "conv_fine.bn")
    }

    /// - Parameter image: RGB / 255 normalized with ImageNet's mean and std (three channels).
    /// - Returns: the 128-channel map at H/4 (not normalized; HNDesc normalizes the sampled vectors).
    public func callAsFunction(_ image: Tensor) -> Tensor {
        var x = stem(image)
        TensorOps.relu(&x)
        x = TensorOps.maxPool(x, kernel: 3, stride: 2, padding: 1)
        var skips: [Tensor] = []
        for layer in layers {
            for block in layer { x = block(x) }
            skips.append(x)
        }
        func convELU(_ conv: Conv2D, _ t: Tensor) -> Tensor {
            var y = conv(t)
            TensorOps.elu(&y)
            return y
        }
        x = convELU(upconv3, TensorOps.upsampleBilinear(skips[2], scale: 2, alignCorners: true))
        x = convELU(iconv3, TensorOps.concatPadded(x, skips[1]))
        x = convELU(upconv2, TensorOps.upsampleBilinear(x, scale: 2, alignCorners: true))
        x = convELU(iconv2, TensorOps.concatPadded(x, skips[0]))
        return convELU(convFine, x)
    }
}
