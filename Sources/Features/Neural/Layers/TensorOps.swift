import Dispatch
import Foundation

/// Element-wise and shape operations of the networks, each written down the way PyTorch defines it.
public enum TensorOps {
    public static func relu(_ t: inout Tensor) {
        t.data.withUnsafeMutableBufferPointer { d in for i in d.indices { d[i] = max(d[i], 0) } }
    }

    /// ELU with α = 1: x for x > 0, eˣ − 1 otherwise (`F.elu`).
    public static func elu(_ t: inout Tensor) {
        t.data.withUnsafeMutableBufferPointer { d in for i in d.indices where d[i] <= 0 { d[i] = expm1(d[i]) } }
    }

    /// SELU (`F.selu`): λ·x for x > 0, λ·α·(eˣ − 1) otherwise, with PyTorch's constants.
    public static func selu(_ t: inout Tensor) {
        t.data.withUnsafeMutableBufferPointer { d in for i in d.indices { d[i] = selu(d[i]) } }
    }

    @inline(__always)
    public static func selu(_ x: Float) -> Float {
        let alpha: Float = 1.6732632423543772848170429916717, lambda: Float = 1.0507009873554804934193349852946
        return x > 0 ? lambda * x : lambda * alpha * expm1(x)
    }

    /// The logistic function 1 / (1 + e⁻ˣ) (`torch.sigmoid`).
    public static func sigmoid(_ t: inout Tensor) {
        t.data.withUnsafeMutableBufferPointer { d in for i in d.indices { d[i] = 1 / (1 + exp(-d[i])) } }
    }

    /// `F.avg_pool2d` with kernel = stride = `size`, no padding, floor mode.
    public static func averagePool(_ t: Tensor, size: Int) -> Tensor {
        let oh = t.height / size, ow = t.width / size
        var out = Tensor(channels: t.channels, height: oh, width: ow)
        let scale = 1 / Float(size * size)
        for c in 0..<t.channels {
            for y in 0..<oh {
                for x in 0..<ow {
                    var sum: Float = 0
                    for dy in 0..<size { for dx in 0..<size { sum += t.data[(c * t.height + y * size + dy) * t.width + x * size + dx] } }
                    out.data[(c * oh + y) * ow + x] = sum * scale
                }
            }
        }
        return out
    }

    /// `F.pad(mode="replicate")` by (left, right, top, bottom) pixels.
    public static func replicatePad(_ t: Tensor, left: Int, right: Int, top: Int, bottom: Int) -> Tensor {
        let oh = t.height + top + bottom, ow = t.width + left + right
        var out = Tensor(channels: t.channels, height: oh, width: ow)
        for c in 0..<t.channels {
            for y in 0..<oh {
                let sy = min(max(y - top, 0), t.height - 1)
                for x in 0..<ow {
                    out.data[(c * oh + y) * ow + x] = t.data[(c * t.height + sy) * t.width + min(max(x - left, 0), t.width - 1)]
                }
            }
        }
        return out
    }

    /// The window of `height × width` pixels whose top-left is (top, left).
    public static func crop(_ t: Tensor, top: Int, left: Int, height: Int, width: Int) -> Tensor {
        precondition(top >= 0 && left >= 0 && top + height <= t.height && left + width <= t.width, "crop outside the tensor")
        var out = Tensor(channels: t.channels, height: height, width: width)
        for c in 0..<t.channels {
            for y in 0..<height {
                let source = (c * t.height + top + y) * t.width + left
                out.data.replaceSubrange((c * height + y) * width..<(c * height + y + 1) * width, with: t.data[source..<source + width])
            }
        }
        return out
    }

    /// Channels of tensors of the same size, one after the other (`torch.cat(dim=1)`).
    public static func concatChannels(_ tensors: [Tensor]) -> Tensor {
        precondition(tensors.allSatisfy { $0.height == tensors[0].height && $0.width == tensors[0].width }, "concat of different sizes")
        return Tensor(channels: tensors.reduce(0) { $0 + $1.channels }, height: tensors[0].height, width: tensors[0].width,
                      data: tensors.flatMap(\.data))
    }

    /// In-place sum (residual connections).
    public static func add(_ t: inout Tensor, _ other: Tensor) {
        precondition(t.data.count == other.data.count)
        t.data.withUnsafeMutableBufferPointer { d in other.data.withUnsafeBufferPointer { o in for i in d.indices { d[i] += o[i] } } }
    }

    /// `F.max_pool2d` (padding with −∞, floor mode); channels in parallel.
    public static func maxPool(_ t: Tensor, kernel: Int, stride: Int, padding: Int) -> Tensor {
        let oh = (t.height + 2 * padding - kernel) / stride + 1, ow = (t.width + 2 * padding - kernel) / stride + 1
        var out = Tensor(channels: t.channels, height: oh, width: ow)
        let (h, w) = (t.height, t.width)
        t.data.withUnsafeBufferPointer { input in
            out.data.withUnsafeMutableBufferPointer { output in
                let source = SharedPointer(reading: input.baseAddress!), target = SharedPointer(output.baseAddress!)
                DispatchQueue.concurrentPerform(iterations: t.channels) { c in
                    let d = UnsafePointer(source.base) + c * h * w, o = target.base + c * oh * ow
                    for oy in 0..<oh {
                        let y0 = max(0, oy * stride - padding), y1 = min(h, oy * stride - padding + kernel)
                        for ox in 0..<ow {
                            let x0 = max(0, ox * stride - padding), x1 = min(w, ox * stride - padding + kernel)
                            var m = -Float.infinity
                            for y in y0..<y1 { for x in x0..<x1 { m = max(m, d[y * w + x]) } }
                            o[oy * ow + ox] = m
                        }
                    }
                }
            }
        }
        return out
    }

    /// `F.interpolate(mode="bilinear", scale_factor=s)`: output size floor(size·s). With
    /// `alignCorners` the corner pixels map to corners: src = dst·(in−1)/(out−1); without, pixel
    /// centres: src = (dst + 0.5)/s − 0.5, clamped at 0 (PyTorch uses 1/s given a scale factor).
    public static func upsampleBilinear(_ t: Tensor, scale: Int, alignCorners: Bool) -> Tensor {
        bilinear(t, rows: (0..<(t.height * scale)).map { upsampleSource($0, inSize: t.height, scale: scale, alignCorners: alignCorners) },
                 columns: (0..<(t.width * scale)).map { upsampleSource($0, inSize: t.width, scale: scale, alignCorners: alignCorners) })
    }

    /// Bilinear resampling along both axes: each output row and column reads input indices
    /// (i0, i1) with weight f on i1 (`upsampleBilinear`, `resizeBilinear`).
    static func bilinear(_ t: Tensor, rows ys: [(Int, Int, Float)], columns xs: [(Int, Int, Float)]) -> Tensor {
        let oh = ys.count, ow = xs.count
        var out = Tensor(channels: t.channels, height: oh, width: ow)
        out.data.withUnsafeMutableBufferPointer { o in
            t.data.withUnsafeBufferPointer { d in
                for c in 0..<t.channels {
                    let base = c * t.plane
                    for (oy, (y0, y1, fy)) in ys.enumerated() {
                        let r0 = base + y0 * t.width, r1 = base + y1 * t.width
                        for (ox, (x0, x1, fx)) in xs.enumerated() {
                            let top = d[r0 + x0] * (1 - fx) + d[r0 + x1] * fx
                            let bottom = d[r1 + x0] * (1 - fx) + d[r1 + x1] * fx
                            o[(c * oh + oy) * ow + ox] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return out
    }

    /// Where output index `dst` of `upsampleBilinear` reads along one axis: the two input indices
    /// and the weight of the second.
    @inline(__always)
    static func upsampleSource(_ dst: Int, inSize: Int, scale: Int, alignCorners: Bool) -> (Int, Int, Float) {
        let outSize = inSize * scale
        let s: Float
        if alignCorners {
            s = outSize > 1 ? Float(dst) * Float(inSize - 1) / Float(outSize - 1) : 0
        } else {
            s = max(0, (Float(dst) + 0.5) / Float(scale) - 0.5)
        }
        let i0 = min(Int(s), inSize - 1)
        return (i0, min(i0 + 1, inSize - 1), s - Float(i0))
    }

    /// HNDesc's skip connection: `skip` zero-padded (F.pad, the odd pixel at the end) to
    /// `upsampled`'s size, then `torch.cat([upsampled, skip], dim=1)`.
    public static func concatPadded(_ upsampled: Tensor, _ skip: Tensor) -> Tensor {
        let h = upsampled.height, w = upsampled.width
        let dy = h - skip.height, dx = w - skip.width
        let top = dy >= 0 ? dy / 2 : -((-dy + 1) / 2), left = dx >= 0 ? dx / 2 : -((-dx + 1) / 2)
        var out = Tensor(channels: upsampled.channels + skip.channels, height: h, width: w)
        out.data.replaceSubrange(0..<upsampled.data.count, with: upsampled.data)
        for c in 0..<skip.channels {
            for y in 0..<h {
                let sy = y - top
                guard sy >= 0 && sy < skip.height else { continue }
                for x in 0..<w {
                    let sx = x - left
                    if sx >= 0 && sx < skip.width { out[upsampled.channels + c, y, x] = skip[c, sy, sx] }
                }
            }
        }
        return out
    }

    /// Softmax over channels at each pixel (`F.softmax(x, 1)`).
    public static func softmaxChannels(_ t: inout Tensor) {
        typealias V = SIMD16<Float>
        let plane = t.plane, channels = t.channels, lanes = V.scalarCount
        t.data.withUnsafeMutableBufferPointer { buffer in
            let d = buffer.baseAddress!
            func load(_ p: UnsafeMutablePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            func store(_ v: V, _ p: UnsafeMutablePointer<Float>) { UnsafeMutableRawPointer(p).storeBytes(of: v, as: V.self) }
            // Sixteen pixels at a time, each one's operations in the same order as one at a time.
            var p = 0
            while p + lanes <= plane {
                var m = V(repeating: -.infinity)
                for c in 0..<channels { m = pointwiseMax(m, load(d + c * plane + p)) }
                var s = V(repeating: 0)
                for c in 0..<channels {
                    let x = load(d + c * plane + p) - m
                    var e = V()
                    for lane in 0..<lanes { e[lane] = exp(x[lane]) }
                    store(e, d + c * plane + p)
                    s += e
                }
                for c in 0..<channels { store(load(d + c * plane + p) / s, d + c * plane + p) }
                p += lanes
            }
            for p in p..<plane {
                var m = -Float.infinity
                for c in 0..<channels { m = max(m, d[c * plane + p]) }
                var s: Float = 0
                for c in 0..<channels { let e = exp(d[c * plane + p] - m); d[c * plane + p] = e; s += e }
                for c in 0..<channels { d[c * plane + p] /= s }
            }
        }
    }

    /// SuperPoint's depth-to-space of the first `block²` channels: channel k of cell (y, x) goes
    /// to pixel (y·block + k / block, x·block + k % block). Returns a one-channel map.
    public static func depthToSpace(_ t: Tensor, block: Int) -> Tensor {
        precondition(t.channels >= block * block)
        var out = Tensor(channels: 1, height: t.height * block, width: t.width * block)
        let (h, w, outWidth, plane) = (t.height, t.width, out.width, t.plane)
        out.data.withUnsafeMutableBufferPointer { o in
            t.data.withUnsafeBufferPointer { d in
                for k in 0..<(block * block) {
                    let (dy, dx) = (k / block, k % block)
                    for y in 0..<h {
                        let source = d.baseAddress! + k * plane + y * w, target = o.baseAddress! + (y * block + dy) * outWidth + dx
                        for x in 0..<w { target[x * block] = source[x] }
                    }
                }
            }
        }
        return out
    }

    /// Each pixel's channel vector to unit length (`F.normalize(x, p=2, dim=1)`, ε = 1e-12).
    public static func l2NormalizeChannels(_ t: inout Tensor) {
        let plane = t.plane
        t.data.withUnsafeMutableBufferPointer { d in
            for p in 0..<plane {
                var s: Float = 0
                for c in 0..<t.channels { s += d[c * plane + p] * d[c * plane + p] }
                let scale = 1 / max(s.squareRoot(), 1e-12)
                for c in 0..<t.channels { d[c * plane + p] *= scale }
            }
        }
    }

    /// `F.grid_sample(mode="bilinear", padding_mode="zeros")` at points given in normalized
    /// coordinates (−1…1, x then y). `alignCorners` false (PyTorch's default): −1 and 1 are the
    /// outer edges of the corner pixels, pixel = ((g + 1)·size − 1)/2; true: the corner pixels'
    /// centres, pixel = (g + 1)/2·(size − 1). Taps outside the map count as zero.
    /// - Returns: one vector of `channels` values per point, point-major.
    public static func gridSample(_ t: Tensor, points: [SIMD2<Float>], alignCorners: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: points.count * t.channels)
        for (n, g) in points.enumerated() {
            let x = alignCorners ? (g.x + 1) / 2 * Float(t.width - 1) : ((g.x + 1) * Float(t.width) - 1) / 2
            let y = alignCorners ? (g.y + 1) / 2 * Float(t.height - 1) : ((g.y + 1) * Float(t.height) - 1) / 2
            let x0 = Int(x.rounded(.down)), y0 = Int(y.rounded(.down))
            let fx = x - Float(x0), fy = y - Float(y0)
            let taps = [(x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)), (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)]
            for (tx, ty, weight) in taps where tx >= 0 && tx < t.width && ty >= 0 && ty < t.height && weight != 0 {
                for c in 0..<t.channels { out[n * t.channels + c] += weight * t.data[(c * t.height + ty) * t.width + tx] }
            }
        }
        return out
    }

    /// `nn.InstanceNorm2d` without affine parameters: each channel to zero mean and unit
    /// (biased) variance, ε = 1e-5.
    public static func instanceNorm(_ t: inout Tensor) {
        let plane = t.plane
        t.data.withUnsafeMutableBufferPointer { d in
            for c in 0..<t.channels {
                let range = (c * plane)..<((c + 1) * plane)
                var sum: Double = 0
                for i in range { sum += Double(d[i]) }
                let mean = sum / Double(plane)
                var squares: Double = 0
                for i in range { squares += (Double(d[i]) - mean) * (Double(d[i]) - mean) }
                let scale = Float(1 / (squares / Double(plane) + 1e-5).squareRoot()), m = Float(mean)
                for i in range { d[i] = (d[i] - m) * scale }
            }
        }
    }

    /// The inverse of `depthToSpace`, XFeat's `_unfold2d`: pixel (i, j) of each `block`×`block`
    /// cell goes to channel (c·block + i)·block + j of the cell's position. Sides must be multiples of `block`.
    public static func spaceToDepth(_ t: Tensor, block: Int) -> Tensor {
        precondition(t.height % block == 0 && t.width % block == 0)
        let oh = t.height / block, ow = t.width / block
        var out = Tensor(channels: t.channels * block * block, height: oh, width: ow)
        for c in 0..<t.channels {
            for y in 0..<t.height {
                for x in 0..<t.width {
                    let k = (c * block + y % block) * block + x % block
                    out.data[(k * oh + y / block) * ow + x / block] = t.data[(c * t.height + y) * t.width + x]
                }
            }
        }
        return out
    }
}

/// Each row of `dimension` values to unit length (`F.normalize(dim=-1)`, ε = 1e-12): the
/// descriptors sampled at keypoints (SuperPoint, HNDesc, DISK, XFeat).
func normalizeRows(_ values: [Float], dimension: Int) -> [Float] {
    var out = values
    for start in stride(from: 0, to: out.count, by: dimension) {
        var s: Float = 0
        for k in start..<(start + dimension) { s += out[k] * out[k] }
        let scale = 1 / max(s.squareRoot(), 1e-12)
        for k in start..<(start + dimension) { out[k] *= scale }
    }
    return out
}
