/// ALIKED's feature map without its full-size tensor: the published network concatenates the four
/// scales' dim/4-channel maps upsampled to the (padded) image size and normalizes every pixel, a
/// dim × H × W tensor (400 MB at 1024×768) of which the descriptor head reads a few pixels per
/// keypoint. This keeps the four scales at their own sizes and computes a pixel's vector when it
/// is read, with the same upsampling arithmetic (bilinear, align_corners) as the dense tensor.
public struct ALIKEDFeatureMap: Sendable {
    /// The four scales' maps (after their 1×1 conv and SELU), at 1, 1/2, 1/8 and 1/32 of the padded image.
    let scales: [Tensor]
    static let factors = [1, 2, 8, 32]
    /// Where the image starts in the padded maps.
    let top: Int, left: Int
    public let width: Int, height: Int

    public var channels: Int { scales.reduce(0) { $0 + $1.channels } }

    /// The unit-length vector at image pixel (x, y), written to `out` (`channels` values).
    func vector(x: Int, y: Int, into out: UnsafeMutablePointer<Float>) {
        let (px, py) = (x + left, y + top)
        var offset = 0
        var squares: Float = 0
        for (scale, factor) in zip(scales, Self.factors) {
            let (y0, y1, fy) = TensorOps.upsampleSource(py, inSize: scale.height, scale: factor, alignCorners: true)
            let (x0, x1, fx) = TensorOps.upsampleSource(px, inSize: scale.width, scale: factor, alignCorners: true)
            scale.data.withUnsafeBufferPointer { d in
                for c in 0..<scale.channels {
                    let r0 = c * scale.plane + y0 * scale.width, r1 = c * scale.plane + y1 * scale.width
                    let upper = d[r0 + x0] * (1 - fx) + d[r0 + x1] * fx
                    let lower = d[r1 + x0] * (1 - fx) + d[r1 + x1] * fx
                    let value = factor == 1 ? d[r0 + x0] : upper * (1 - fy) + lower * fy
                    out[offset + c] = value
                    squares += value * value
                }
            }
            offset += scale.channels
        }
        let inverse = 1 / max(squares.squareRoot(), 1e-12)
        for c in 0..<offset { out[c] *= inverse }
    }

    /// The map at a continuous pixel position, bilinearly (`grid_sample` with align_corners and
    /// zeros outside: each of the four neighbours inside the image contributes its weight).
    func sample(x: Float, y: Float, into out: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        let n = channels
        for c in 0..<n { out[c] = 0 }
        let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
        let fx = x - Float(x0), fy = y - Float(y0)
        for (tx, ty, weight) in [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)), (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)]
        where tx >= 0 && tx < width && ty >= 0 && ty < height && weight != 0 {
            vector(x: tx, y: ty, into: scratch)
            for c in 0..<n { out[c] += weight * scratch[c] }
        }
    }

    /// The whole map as a tensor (what the published code holds; for tests).
    public func dense() -> Tensor {
        var out = Tensor(channels: channels, height: height, width: width)
        var pixel = [Float](repeating: 0, count: channels)
        for y in 0..<height {
            for x in 0..<width {
                pixel.withUnsafeMutableBufferPointer { vector(x: x, y: y, into: $0.baseAddress!) }
                for c in 0..<channels { out.data[(c * height + y) * width + x] = pixel[c] }
            }
        }
        return out
    }
}
