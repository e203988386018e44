import COpenBLAS
import TensorFiles

/// DISK (Tyszkiewicz et al., "DISK: Learning local features with policy gradient", 2020) with the
/// published `depth` checkpoint, as kornia's implementation runs it (which the published wrapper
/// calls): a thin U-Net of 5×5 convs (down 16, 32, 64, 64, 64; up 64, 64, 64, 129), each block but
/// the first normalizing its input per channel (instance norm, ε = 1e-5, no affine) and gating it
/// (PReLU) before its conv; down blocks average-pool by 2, up blocks upsample by 2 (bilinear, not
/// align_corners) and put the upsampled map before the skip. The image (RGB, 0…1) is zero-padded
/// at the bottom and right to a multiple of 16 and the output cropped back. Output channels 0–127
/// are the dense descriptors, channel 128 the heatmap (`Output`).
public struct DISKNet: Sendable {
    /// A block's optional normalization and gate (PReLU slopes per input channel), then its conv.
    struct Block: Sendable {
        var slopes: [Float]?
        var conv: Conv2D

        func callAsFunction(_ x: Tensor) -> Tensor { conv(gated(x)) }

        /// The conv's input: normalized and gated (or as it is, for the first block).
        func gated(_ x: Tensor) -> Tensor {
            guard let slopes else { return x }
            var y = x
            TensorOps.instanceNorm(&y)
            for c in 0..<y.channels {
                let a = slopes[c]
                for i in (c * y.plane)..<((c + 1) * y.plane) where y.data[i] < 0 { y.data[i] *= a }
            }
            return y
        }
    }

    static let down = [16, 32, 64, 64, 64]
    static let up = [64, 64, 64, 129]
    public static let dimension = 128
    public static let weightsFile = "disk-depth-save.pth"

    let downBlocks: [Block]
    let upBlocks: [Block]

    /// - Throws: `FeaturesError.invalidInput` naming the file when a tensor is missing or has another shape.
    public init(weights file: any TensorArchive) throws {
        let w = try NetworkWeights(file: file, probe: "unet.path_down.0.1.3.weight")
        var blocks: [Block] = []
        for (i, (cin, cout)) in zip([3] + Self.down.dropLast(), Self.down).enumerated() {
            let name = "unet.path_down.\(i).1"
            blocks.append(Block(slopes: i == 0 ? nil : try w.floats(name + ".1.weight", shape: [cin]),
                                conv: try w.conv(name + ".3", in: cin, out: cout, kernel: 5, padding: 2)))
        }
        downBlocks = blocks
        let bottoms = [Self.down.last!] + Self.up.dropLast(), horizontals = Array(([3] + Self.down).dropLast().reversed())
        upBlocks = try (0..<Self.up.count).map { j in
            let cin = bottoms[j] + horizontals[j]
            return Block(slopes: try w.floats("unet.path_up.\(j).conv.1.weight", shape: [cin]),
                         conv: try w.conv("unet.path_up.\(j).conv.3", in: cin, out: Self.up[j], kernel: 5, padding: 2))
        }
    }

    /// The U-Net's output: the heatmap at the image's size, and the descriptors where they are
    /// read. Its last conv (80 → 129 channels, 5×5, at full size) is most of the network's work,
    /// and 128 of its channels are the dense descriptors of which only the keypoints' are used:
    /// the heatmap channel is computed everywhere, a descriptor at the pixels asked for.
    public struct Output: Sendable {
        public let heatmap: Tensor
        /// The last conv's (gated) input, padded image size.
        let lastInput: Tensor
        let lastConv: Conv2D

        /// The dense descriptors (before normalization) at pixels (x, y) of the image: 128 values each.
        public func descriptors(at pixels: [(x: Int, y: Int)]) -> [Float] {
            let (k, pad, cin) = (lastConv.kernel.height, lastConv.padding, lastConv.inChannels)
            let (h, w) = (lastInput.height, lastInput.width)
            let length = cin * k * k
            // One row of patch values per pixel (the weights' (c, ky, kx) order), then one sgemm.
            var patches = [Float](repeating: 0, count: pixels.count * length)
            for (n, p) in pixels.enumerated() {
                for c in 0..<cin {
                    for i in 0..<k {
                        let y = p.y - pad + i
                        guard y >= 0 && y < h else { continue }
                        for j in 0..<k {
                            let x = p.x - pad + j
                            if x >= 0 && x < w { patches[n * length + (c * k + i) * k + j] = lastInput.data[(c * h + y) * w + x] }
                        }
                    }
                }
            }
            var out = [Float](repeating: 0, count: pixels.count * DISKNet.dimension)
            for n in pixels.indices { for o in 0..<DISKNet.dimension { out[n * DISKNet.dimension + o] = lastConv.bias[o] } }
            guard !pixels.isEmpty else { return out }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(pixels.count), Int32(DISKNet.dimension), Int32(length), 1,
                        patches, Int32(length), lastConv.weight, Int32(length), 1, &out, Int32(DISKNet.dimension))
            return out
        }
    }

    public func callAsFunction(_ image: Tensor) -> Output {
        precondition(image.channels == 3, "DISK reads RGB")
        let (h, w) = (image.height, image.width)
        let (ph, pw) = ((16 - h % 16) % 16, (16 - w % 16) % 16)
        var padded = Tensor(channels: 3, height: h + ph, width: w + pw)
        for c in 0..<3 { for y in 0..<h { for x in 0..<w { padded[c, y, x] = image[c, y, x] } } }
        var features = [padded]
        for (i, block) in downBlocks.enumerated() {
            features.append(block(i == 0 ? features[0] : TensorOps.averagePool(features[i], size: 2)))
        }
        var bottom = features.removeLast()
        for block in upBlocks.dropLast() {
            let skip = features.removeLast()
            bottom = block(TensorOps.concatChannels([TensorOps.upsampleBilinear(bottom, scale: 2, alignCorners: false), skip]))
        }
        let last = upBlocks.last!
        let input = last.gated(TensorOps.concatChannels([TensorOps.upsampleBilinear(bottom, scale: 2, alignCorners: false), features.removeLast()]))
        let length = last.conv.inChannels * 25
        let heatConv = Conv2D(weight: Array(last.conv.weight[(Self.dimension * length)...]), bias: [last.conv.bias[Self.dimension]],
                              outChannels: 1, inChannels: last.conv.inChannels, kernel: (5, 5), padding: 2)
        return Output(heatmap: TensorOps.crop(heatConv(input), top: 0, left: 0, height: h, width: w), lastInput: input, lastConv: last.conv)
    }

    /// Keypoints of the output's heatmap as kornia selects them: the strict maxima of their full
    /// `window`² neighbourhood (positions whose window leaves the map never are), with a score
    /// strictly above `threshold`, in row-major order; when more than `maxKeypoints`, those above
    /// the n-th largest score and, of those tied with it, the first in row-major order. Their
    /// descriptors: the dense ones at those pixels, at unit length.
    /// - Returns: pixel indices (x, y) (top-left centre at 0), scores, 128 values per keypoint.
    public static func keypoints(_ output: Output, window: Int = 5, threshold: Float = 0, maxKeypoints: Int? = nil)
        -> (points: [SIMD2<Float>], scores: [Float], descriptors: [Float]) {
        let (h, w) = (output.heatmap.height, output.heatmap.width)
        let heat = output.heatmap.data
        let (before, after) = ((window - 1) / 2, window / 2)
        var found: [Int] = []
        if h > before + after, w > before + after {
            for y in before..<(h - after) {
                for x in before..<(w - after) {
                    let v = heat[y * w + x]
                    guard v > threshold else { continue }
                    var strict = true
                    search: for dy in -before...after {
                        for dx in -before...after where dy != 0 || dx != 0 {
                            if heat[(y + dy) * w + x + dx] >= v { strict = false; break search }
                        }
                    }
                    if strict { found.append(y * w + x) }
                }
            }
        }
        if let n = maxKeypoints, found.count > n {
            let nth = found.map { heat[$0] }.sorted(by: >)[n - 1]
            var room = n - found.filter { heat[$0] > nth }.count
            found = found.filter { i in
                if heat[i] > nth { return true }
                if heat[i] == nth && room > 0 { room -= 1; return true }
                return false
            }
        }
        let descriptors = output.descriptors(at: found.map { (x: $0 % w, y: $0 / w) })
        return (found.map { SIMD2(Float($0 % w), Float($0 / w)) }, found.map { heat[$0] }, normalizeRows(descriptors, dimension: dimension))
    }
}
