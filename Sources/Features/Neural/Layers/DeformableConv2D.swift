import COpenBLAS

/// A deformable convolution as ALIKED uses it: a plain conv predicts, per output pixel, a (dy, dx)
/// offset for each kernel tap, clamped to ±max(H, W)/4; the kernel then reads the input at the
/// displaced positions, bilinearly (the semantics of `torchvision.ops.deform_conv2d` with one
/// offset group, no mask, stride 1, dilation 1).
///
/// Sampling: tap (i, j) of output pixel (y, x) reads the input at
/// (y − pad + i + dy, x − pad + j + dx). A position with y ≤ −1, y ≥ H, x ≤ −1 or x ≥ W reads 0;
/// otherwise each of its four neighbours that lies inside the map contributes with its bilinear
/// weight (the others count as 0). The taps form a column matrix (im2col with displaced taps) that
/// one `sgemm` multiplies by the weights.
public struct DeformableConv2D: Sendable {
    /// Predicts 2·kh·kw offset channels: (dy, dx) of tap 0, then of tap 1, … (torchvision's order).
    public let offsetConv: Conv2D
    /// The regular conv's weights and bias (a batch norm that follows may be folded in).
    public private(set) var conv: Conv2D

    public init(offsetConv: Conv2D, conv: Conv2D) {
        precondition(offsetConv.outChannels == 2 * conv.kernel.height * conv.kernel.width, "offset channels")
        precondition(conv.stride == 1 && conv.dilation == 1 && offsetConv.padding == conv.padding, "stride/dilation 1, same padding")
        self.offsetConv = offsetConv
        self.conv = conv
    }

    public mutating func foldBatchNorm(gamma: [Float], beta: [Float], mean: [Float], variance: [Float]) {
        conv.foldBatchNorm(gamma: gamma, beta: beta, mean: mean, variance: variance)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var offsets = offsetConv(input)
        let limit = Float(max(input.height, input.width)) / 4
        for i in offsets.data.indices { offsets.data[i] = min(max(offsets.data[i], -limit), limit) }
        return apply(input, offsets: offsets)
    }

    /// The convolution at given (already clamped) offsets.
    func apply(_ input: Tensor, offsets: Tensor) -> Tensor {
        let (kh, kw) = conv.kernel
        let (oh, ow) = conv.outputSize(height: input.height, width: input.width)
        precondition(offsets.channels == 2 * kh * kw && offsets.height == oh && offsets.width == ow, "offsets shape")
        let taps = kh * kw, plane = oh * ow, h = input.height, w = input.width
        let rows = input.channels * taps
        var columns = [Float](repeating: 0, count: rows * plane)
        input.data.withUnsafeBufferPointer { x in
            offsets.data.withUnsafeBufferPointer { off in
                columns.withUnsafeMutableBufferPointer { col in
                    for tap in 0..<taps {
                        let (i, j) = (tap / kw, tap % kw)
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let p = oy * ow + ox
                                let sy = Float(oy - conv.padding + i) + off[(2 * tap) * plane + p]
                                let sx = Float(ox - conv.padding + j) + off[(2 * tap + 1) * plane + p]
                                guard sy > -1, sy < Float(h), sx > -1, sx < Float(w) else { continue }
                                let y0 = Int(sy.rounded(.down)), x0 = Int(sx.rounded(.down))
                                let fy = sy - Float(y0), fx = sx - Float(x0)
                                let weights = ((1 - fy) * (1 - fx), (1 - fy) * fx, fy * (1 - fx), fy * fx)
                                let inside = (y0 >= 0 && x0 >= 0, y0 >= 0 && x0 + 1 < w, y0 + 1 < h && x0 >= 0, y0 + 1 < h && x0 + 1 < w)
                                for c in 0..<input.channels {
                                    let base = c * h * w
                                    var v: Float = 0
                                    if inside.0 { v += weights.0 * x[base + y0 * w + x0] }
                                    if inside.1 { v += weights.1 * x[base + y0 * w + x0 + 1] }
                                    if inside.2 { v += weights.2 * x[base + (y0 + 1) * w + x0] }
                                    if inside.3 { v += weights.3 * x[base + (y0 + 1) * w + x0 + 1] }
                                    col[(c * taps + tap) * plane + p] = v
                                }
                            }
                        }
                    }
                }
            }
        }
        var output = Tensor(channels: conv.outChannels, height: oh, width: ow)
        output.data.withUnsafeMutableBufferPointer { out in
            for o in 0..<conv.outChannels { for p in 0..<plane { out[o * plane + p] = conv.bias[o] } }
            conv.weight.withUnsafeBufferPointer { weight in
                columns.withUnsafeBufferPointer { col in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(conv.outChannels), Int32(plane), Int32(rows),
                                1, weight.baseAddress, Int32(rows), col.baseAddress, Int32(plane), 1, out.baseAddress, Int32(plane))
                }
            }
        }
        return output
    }
}
