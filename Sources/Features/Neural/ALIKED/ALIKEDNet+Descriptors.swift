import COpenBLAS
import Foundation

extension ALIKEDNet {
    /// SDDH ("sparse deformable descriptor head") at keypoints given normalized to −1…1 (as
    /// `detect` returns them), on the feature map of `denseMaps`. Per keypoint, as published:
    /// - p = (n/2 + 0.5)·(W − 1, H − 1); the K×K patch whose top-left corner is
    ///   trunc(trunc(p) − K/2 + 1), clamped to 0…W − 1 − K (x) and 0…H − 1 − K (y);
    /// - offsets: a K×K conv of the patch (SELU), a 1×1 conv, clamped to ±max(H, W)/4; M of them,
    ///   x offsets first;
    /// - the map sampled bilinearly (align_corners, zeros outside) at p + offset, a 1×1 conv, SELU;
    /// - descriptor d = Σ_{m,c} f[c, m]·A[m, c, d], at unit length.
    /// - Returns: `dimension` values per keypoint.
    public func describe(_ features: ALIKEDFeatureMap, at normalized: [SIMD2<Float>]) -> [Float] {
        let (_, _, _, _, dim, k, m) = variant.configuration
        let n = normalized.count
        guard n > 0 else { return [] }
        let (h, w) = (features.height, features.width)
        let size = SIMD2(Float(w - 1), Float(h - 1))
        let limit = Float(max(h, w)) / 4
        let points = normalized.map { ($0 / 2 + 0.5) * size }

        // Patches: one row of dim·K·K values per keypoint, in the conv weights' (c, ky, kx) order.
        let patchLength = dim * k * k
        var patches = [Float](repeating: 0, count: n * patchLength)
        var pixel = [Float](repeating: 0, count: dim), scratch = [Float](repeating: 0, count: dim)
        for (i, p) in points.enumerated() {
            let corner = (x: min(max(Int(Float(Int(p.x)) - Float(k) / 2 + 1), 0), w - 1 - k),
                          y: min(max(Int(Float(Int(p.y)) - Float(k) / 2 + 1), 0), h - 1 - k))
            for dy in 0..<k {
                for dx in 0..<k {
                    pixel.withUnsafeMutableBufferPointer { features.vector(x: corner.x + dx, y: corner.y + dy, into: $0.baseAddress!) }
                    for c in 0..<dim { patches[i * patchLength + (c * k + dy) * k + dx] = pixel[c] }
                }
            }
        }
        var offsets = Self.linear(patches, rows: n, conv: offsetConv.0)
        for i in offsets.indices { offsets[i] = TensorOps.selu(offsets[i]) }
        offsets = Self.linear(offsets, rows: n, conv: offsetConv.1)

        // Sample positions: keypoint n's m-th at p + (offset[m], offset[M + m]).
        var positions: [SIMD2<Float>] = []
        positions.reserveCapacity(n * m)
        for (i, p) in points.enumerated() {
            for j in 0..<m {
                let offset = SIMD2(offsets[i * 2 * m + j], offsets[i * 2 * m + m + j]).clamped(lowerBound: SIMD2(repeating: -limit),
                                                                                                   upperBound: SIMD2(repeating: limit))
                positions.append(2 * (p + offset) / size - 1)
            }
        }
        // (n·m) × dim samples (align_corners: pixel = (g + 1)/2·(size − 1)), then the 1×1 conv and SELU.
        var samples = [Float](repeating: 0, count: n * m * dim)
        samples.withUnsafeMutableBufferPointer { out in
            scratch.withUnsafeMutableBufferPointer { scratch in
                for (j, g) in positions.enumerated() {
                    features.sample(x: (g.x + 1) / 2 * size.x, y: (g.y + 1) / 2 * size.y, into: out.baseAddress! + j * dim, scratch: scratch.baseAddress!)
                }
            }
        }
        var sampled = Self.linear(samples, rows: n * m, conv: sampledConv)
        for i in sampled.indices { sampled[i] = TensorOps.selu(sampled[i]) }
        // Rows of m·dim values (m-major) times the (m·dim) × dim aggregation weights.
        var descriptors = [Float](repeating: 0, count: n * dim)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(dim), Int32(m * dim), 1, sampled, Int32(m * dim),
                    aggregationWeights, Int32(dim), 0, &descriptors, Int32(dim))
        return normalizeRows(descriptors, dimension: dim)
    }

    /// A conv applied to rows that are whole inputs (a K×K conv on a K×K patch, or a 1×1 conv on
    /// one pixel): rows × in·kh·kw times the weights' transpose, plus the bias.
    static func linear(_ input: [Float], rows: Int, conv: Conv2D) -> [Float] {
        let k = conv.inChannels * conv.kernel.height * conv.kernel.width
        precondition(input.count == rows * k, "linear: input size")
        var out = [Float](repeating: 0, count: rows * conv.outChannels)
        for r in 0..<rows { for o in 0..<conv.outChannels { out[r * conv.outChannels + o] = conv.bias[o] } }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(conv.outChannels), Int32(k), 1, input, Int32(k),
                    conv.weight, Int32(k), 1, &out, Int32(conv.outChannels))
        return out
    }
}
