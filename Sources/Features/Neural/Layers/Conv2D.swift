import COpenBLAS
import Dispatch

/// A 2-D convolution (cross-correlation, as PyTorch's `Conv2d`, groups = 1) with an optional
/// batch norm folded in at load: W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β.
/// Computed as im2col + OpenBLAS `sgemm`, in bands of output rows so the column matrix stays
/// under `maxColumnFloats` (a 3×3 conv over 512 channels at 256×192 would need 900 MB at once);
/// a 1×1, stride-1, unpadded conv multiplies the input directly.
public struct Conv2D: Sendable {
    public let inChannels: Int
    public let outChannels: Int
    public let kernel: (height: Int, width: Int)
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    /// outChannels × (inChannels · kh · kw), row-major.
    public private(set) var weight: [Float]
    public private(set) var bias: [Float]

    static let maxColumnFloats = 8 << 20

    /// - Parameters:
    ///   - weight: PyTorch layout (out, in, kh, kw).
    ///   - bias: out values, or nil for none.
    public init(weight: [Float], bias: [Float]?, outChannels: Int, inChannels: Int, kernel: (Int, Int),
                stride: Int = 1, padding: Int = 0, dilation: Int = 1) {
        precondition(weight.count == outChannels * inChannels * kernel.0 * kernel.1, "conv weight count")
        precondition(bias == nil || bias!.count == outChannels, "conv bias count")
        self.weight = weight; self.bias = bias ?? [Float](repeating: 0, count: outChannels)
        self.outChannels = outChannels; self.inChannels = inChannels; self.kernel = (kernel.0, kernel.1)
        self.stride = stride; self.padding = padding; self.dilation = dilation
    }

    /// Folds an eval-mode batch norm that follows this conv.
    public mutating func foldBatchNorm(gamma: [Float], beta: [Float], mean: [Float], variance: [Float], epsilon: Float = 1e-5) {
        precondition([gamma.count, beta.count, mean.count, variance.count].allSatisfy { $0 == outChannels })
        let k = weight.count / outChannels
        for o in 0..<outChannels {
            let scale = gamma[o] / (variance[o] + epsilon).squareRoot()
            for i in 0..<k { weight[o * k + i] *= scale }
            bias[o] = (bias[o] - mean[o]) * scale + beta[o]
        }
    }

    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        ((height + 2 * padding - dilation * (kernel.height - 1) - 1) / stride + 1,
         (width + 2 * padding - dilation * (kernel.width - 1) - 1) / stride + 1)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor { forward(input, maxColumnFloats: Self.maxColumnFloats) }

    func forward(_ input: Tensor, maxColumnFloats: Int) -> Tensor {
        precondition(input.channels == inChannels, "conv expects \(inChannels) channels, got \(input.channels)")
        let (oh, ow) = outputSize(height: input.height, width: input.width)
        let k = inChannels * kernel.height * kernel.width
        let direct = kernel == (1, 1) && stride == 1 && padding == 0
        // Bias first, written once (no zeroing before); sgemm adds the product (beta = 1).
        let plane = oh * ow
        var output = Tensor(channels: outChannels, height: oh, width: ow,
                            data: [Float](unsafeUninitializedCapacity: outChannels * plane) { out, count in
            for o in 0..<outChannels { (out.baseAddress! + o * plane).initialize(repeating: bias[o], count: plane) }
            count = outChannels * plane
        })
        output.data.withUnsafeMutableBufferPointer { out in
            weight.withUnsafeBufferPointer { w in
                input.data.withUnsafeBufferPointer { x in
                    if direct {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(oh * ow), Int32(k),
                                    1, w.baseAddress, Int32(k), x.baseAddress, Int32(oh * ow), 1, out.baseAddress, Int32(oh * ow))
                        return
                    }
                    let band = max(1, min(oh, maxColumnFloats / max(1, k * ow)))
                    // im2col writes every element (zeros outside the image included).
                    var columns = [Float](unsafeUninitializedCapacity: k * band * ow) { _, count in count = k * band * ow }
                    columns.withUnsafeMutableBufferPointer { col in
                        for y0 in Swift.stride(from: 0, to: oh, by: band) {
                            let rows = min(band, oh - y0)
                            im2col(x, height: input.height, width: input.width, rows: y0..<(y0 + rows), outWidth: ow, into: col)
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(outChannels), Int32(rows * ow), Int32(k),
                                        1, w.baseAddress, Int32(k), col.baseAddress, Int32(rows * ow), 1,
                                        out.baseAddress! + y0 * ow, Int32(oh * ow))
                        }
                    }
                }
            }
        }
        return output
    }

    /// Column matrix for output rows `rows`: row (c, ky, kx), column (y, x), zero outside the
    /// image. Input channels in parallel (each fills its own block of rows).
    func im2col(_ x: UnsafeBufferPointer<Float>, height: Int, width: Int, rows: Range<Int>, outWidth: Int,
                into col: UnsafeMutableBufferPointer<Float>) {
        let n = rows.count * outWidth
        let perChannel = kernel.height * kernel.width
        let (kh, kw, stride, padding, dilation) = (kernel.height, kernel.width, self.stride, self.padding, self.dilation)
        let source = SharedPointer(reading: x.baseAddress!), target = SharedPointer(col.baseAddress!)
        DispatchQueue.concurrentPerform(iterations: inChannels) { c in
            let x = UnsafePointer(source.base), col = target.base
            var r = c * perChannel
            for ky in 0..<kh {
                for kx in 0..<kw {
                    let base = r * n
                    var j = 0
                    for oy in rows {
                        let iy = oy * stride - padding + ky * dilation
                        if iy < 0 || iy >= height {
                            for _ in 0..<outWidth { col[base + j] = 0; j += 1 }
                            continue
                        }
                        let rowStart = (c * height + iy) * width
                        if stride == 1 {
                            // Contiguous run of valid columns, zeros around it.
                            let shift = kx * dilation - padding
                            let first = max(0, -shift), last = min(outWidth, width - shift)
                            for ox in 0..<min(first, outWidth) { col[base + j + ox] = 0 }
                            if last > first { (col + base + j + first).update(from: x + rowStart + first + shift, count: last - first) }
                            for ox in min(max(first, last), outWidth)..<outWidth { col[base + j + ox] = 0 }
                            j += outWidth
                        } else {
                            for ox in 0..<outWidth {
                                let ix = ox * stride - padding + kx * dilation
                                col[base + j] = (ix >= 0 && ix < width) ? x[rowStart + ix] : 0
                                j += 1
                            }
                        }
                    }
                    r += 1
                }
            }
        }
    }
}
