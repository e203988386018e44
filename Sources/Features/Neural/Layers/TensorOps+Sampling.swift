import Foundation

/// Resampling as PyTorch defines it: `F.interpolate` to a size, and `F.grid_sample`'s bicubic
/// and nearest modes (zeros padding, not align_corners). The bilinear `gridSample` is in TensorOps.swift.
extension TensorOps {
    /// `F.interpolate(size=(height, width), mode="bilinear", align_corners=False)`, no antialias:
    /// along each axis src = max(0, (dst + 0.5)·in/out − 0.5), the two neighbours weighted by
    /// the fraction (the second clamped to the last index).
    public static func resizeBilinear(_ t: Tensor, height oh: Int, width ow: Int) -> Tensor {
        func sources(_ outSize: Int, _ inSize: Int) -> [(Int, Int, Float)] {
            let scale = Float(inSize) / Float(outSize)
            return (0..<outSize).map { dst in
                let s = max(0, scale * (Float(dst) + 0.5) - 0.5)
                let i0 = min(Int(s), inSize - 1)
                return (i0, min(i0 + 1, inSize - 1), s - Float(i0))
            }
        }
        return bilinear(t, rows: sources(oh, t.height), columns: sources(ow, t.width))
    }

    /// `F.grid_sample(mode="bicubic", padding_mode="zeros", align_corners=False)` at points in
    /// normalized coordinates (−1…1, x then y): pixel = ((g + 1)·size − 1)/2, the 4×4 taps around
    /// it weighted by Keys' cubic convolution with A = −0.75, taps outside the map zero.
    /// - Returns: one vector of `channels` values per point, point-major.
    public static func gridSampleBicubic(_ t: Tensor, points: [SIMD2<Float>]) -> [Float] {
        var out = [Float](repeating: 0, count: points.count * t.channels)
        for (n, g) in points.enumerated() {
            let x = ((g.x + 1) * Float(t.width) - 1) / 2, y = ((g.y + 1) * Float(t.height) - 1) / 2
            let x0 = x.rounded(.down), y0 = y.rounded(.down)
            let wx = cubicCoefficients(x - x0), wy = cubicCoefficients(y - y0)
            let ix = Int(x0) - 1, iy = Int(y0) - 1
            for c in 0..<t.channels {
                var sum: Float = 0
                for i in 0..<4 {
                    let ty = iy + i
                    var row: Float = 0
                    if ty >= 0 && ty < t.height {
                        for j in 0..<4 {
                            let tx = ix + j
                            if tx >= 0 && tx < t.width { row += wx[j] * t.data[(c * t.height + ty) * t.width + tx] }
                        }
                    }
                    sum += wy[i] * row
                }
                out[n * t.channels + c] = sum
            }
        }
        return out
    }

    /// PyTorch's `get_cubic_upsample_coefficients`: the weights of taps −1, 0, 1, 2 at fraction `f`.
    @inline(__always)
    static func cubicCoefficients(_ f: Float) -> [Float] {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }
        return [far(f + 1), near(f), near(1 - f), far(2 - f)]
    }

    /// `F.grid_sample(mode="nearest", padding_mode="zeros", align_corners=False)`: the pixel at
    /// ((g + 1)·size − 1)/2 rounded half to even, zero outside the map.
    public static func gridSampleNearest(_ t: Tensor, points: [SIMD2<Float>]) -> [Float] {
        var out = [Float](repeating: 0, count: points.count * t.channels)
        for (n, g) in points.enumerated() {
            let x = Int((((g.x + 1) * Float(t.width) - 1) / 2).rounded(.toNearestOrEven))
            let y = Int((((g.y + 1) * Float(t.height) - 1) / 2).rounded(.toNearestOrEven))
            guard x >= 0 && x < t.width && y >= 0 && y < t.height else { continue }
            for c in 0..<t.channels { out[n * t.channels + c] = t.data[(c * t.height + y) * t.width + x] }
        }
        return out
    }
}
