import Dispatch
import Foundation

/// The feed-forward update of both attention blocks: x + Linear(GELU(LayerNorm(Linear([x | message])))).
struct MessageUpdate: Sendable {
    let expand: Linear
    let norm: LayerNorm
    let reduce: Linear

    init(_ weights: NetworkWeights, _ name: String, dimension d: Int) throws {
        expand = try Linear(weights, name + ".0", in: 2 * d, out: 2 * d)
        norm = LayerNorm(weight: try weights.floats(name + ".1.weight", shape: [2 * d]), bias: try weights.floats(name + ".1.bias", shape: [2 * d]))
        reduce = try Linear(weights, name + ".3", in: 2 * d, out: d)
    }

    func apply(_ x: inout TokenMatrix, message: TokenMatrix) {
        var hidden = expand(x.concatenatingColumns(message))
        norm.apply(&hidden)
        DenseMath.gelu(&hidden)
        x += reduce(hidden)
    }
}

/// Rotary positional encoding of one image's keypoints: for each keypoint, the cosines and
/// sines of its `headDimension / 2` learned frequencies, each applied to a pair of channels.
struct RotaryEncoding: Sendable {
    var cosines: TokenMatrix
    var sines: TokenMatrix

    init(normalizedKeypoints: TokenMatrix, weights: Linear) {
        let projected = weights(normalizedKeypoints)
        cosines = TokenMatrix(rows: projected.rows, columns: projected.columns, data: projected.data.map { cosf($0) })
        sines = TokenMatrix(rows: projected.rows, columns: projected.columns, data: projected.data.map { sinf($0) })
    }

    private init(cosines: TokenMatrix, sines: TokenMatrix) { self.cosines = cosines; self.sines = sines }

    func selecting(rows: [Int]) -> RotaryEncoding {
        RotaryEncoding(cosines: cosines.selecting(rows: rows), sines: sines.selecting(rows: rows))
    }

    /// Rotates channels (2i, 2i+1) of every head of columns `offset ..< offset + heads · 2F` of `x`
    /// by frequency i: (a, b) → (a cos − b sin, b cos + a sin).
    func apply(to x: inout TokenMatrix, offset: Int, heads: Int) {
        let frequencies = cosines.columns
        x.data.withUnsafeMutableBufferPointer { d in
            cosines.data.withUnsafeBufferPointer { c in
                sines.data.withUnsafeBufferPointer { s in
                    for r in 0..<x.rows {
                        let cosRow = c.baseAddress! + r * frequencies, sinRow = s.baseAddress! + r * frequencies
                        for h in 0..<heads {
                            let base = d.baseAddress! + r * x.columns + offset + h * 2 * frequencies
                            for i in 0..<frequencies {
                                let a = base[2 * i], b = base[2 * i + 1]
                                base[2 * i] = a * cosRow[i] - b * sinRow[i]
                                base[2 * i + 1] = b * cosRow[i] + a * sinRow[i]
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Multi-head attention over per-head column slices: `out[:, h] = softmax(s · q_h k_hᵀ) v_h`.
enum MultiHeadAttention {
    static func attend(q: TokenMatrix, qOffset: Int, k: TokenMatrix, kOffset: Int, v: TokenMatrix, vOffset: Int,
                       heads: Int, headDimension: Int) -> TokenMatrix {
        var out = TokenMatrix(rows: q.rows, columns: heads * headDimension)
        var scratch: [Float] = []
        let scale = 1 / Float(headDimension).squareRoot()
        q.data.withUnsafeBufferPointer { qp in
            k.data.withUnsafeBufferPointer { kp in
                v.data.withUnsafeBufferPointer { vp in
                    out.data.withUnsafeMutableBufferPointer { op in
                        for h in 0..<heads {
                            BlockedAttention.attend(q: qp.baseAddress! + qOffset + h * headDimension, ldq: q.columns, queries: q.rows,
                                                    k: kp.baseAddress! + kOffset + h * headDimension, ldk: k.columns,
                                                    v: vp.baseAddress! + vOffset + h * headDimension, ldv: v.columns, keys: k.rows,
                                                    headDimension: headDimension, scale: scale,
                                                    out: op.baseAddress! + h * headDimension, ldo: out.columns, scratch: &scratch)
                        }
                    }
                }
            }
        }
        return out
    }
}

/// `SelfBlock`: attention of an image's keypoints to each other, with rotary positions on queries and keys.
struct SelfAttentionBlock: Sendable {
    /// Wqkv with its outputs reordered from PyTorch's (head, channel, q/k/v) interleave to
    /// [q | k | v], each in (head, channel) order, so each head's q, k and v are column slices.
    let qkv: Linear
    let outProjection: Linear
    let update: MessageUpdate
    let heads: Int

    init(_ weights: NetworkWeights, _ name: String, dimension d: Int, heads: Int) throws {
        let published = try Linear(weights, name + ".Wqkv", in: d, out: 3 * d)
        var weight = [Float](repeating: 0, count: 3 * d * d), bias = [Float](repeating: 0, count: 3 * d)
        for c in 0..<d {
            for t in 0..<3 {
                let from = c * 3 + t, to = t * d + c
                for i in 0..<d { weight[to * d + i] = published.weight[from * d + i] }
                bias[to] = published.bias![from]
            }
        }
        qkv = Linear(weight: weight, bias: bias, inFeatures: d, outFeatures: 3 * d)
        outProjection = try Linear(weights, name + ".out_proj", in: d, out: d)
        update = try MessageUpdate(weights, name + ".ffn", dimension: d)
        self.heads = heads
    }

    func apply(_ x: inout TokenMatrix, encoding: RotaryEncoding) {
        let d = x.columns
        var projected = qkv(x)
        encoding.apply(to: &projected, offset: 0, heads: heads)
        encoding.apply(to: &projected, offset: d, heads: heads)
        let context = MultiHeadAttention.attend(q: projected, qOffset: 0, k: projected, kOffset: d, v: projected, vOffset: 2 * d,
                                                heads: heads, headDimension: d / heads)
        update.apply(&x, message: outProjection(context))
    }
}

/// `CrossBlock`: each image's keypoints attend to the other's, both ways, from one shared
/// query/key projection (softmax(s · qk₀ qk₁ᵀ) v₁ for image 0, its transpose's for image 1).
struct CrossAttentionBlock: Sendable {
    let queryKey: Linear
    let value: Linear
    let outProjection: Linear
    let update: MessageUpdate
    let heads: Int

    init(_ weights: NetworkWeights, _ name: String, dimension d: Int, heads: Int) throws {
        queryKey = try Linear(weights, name + ".to_qk", in: d, out: d)
        value = try Linear(weights, name + ".to_v", in: d, out: d)
        outProjection = try Linear(weights, name + ".to_out", in: d, out: d)
        update = try MessageUpdate(weights, name + ".ffn", dimension: d)
        self.heads = heads
    }
}

/// One LightGlue layer: self-attention in each image, then cross-attention between them.
struct TransformerLayer: Sendable {
    let selfBlock: SelfAttentionBlock
    let crossBlock: CrossAttentionBlock

    func apply(_ x0: inout TokenMatrix, _ x1: inout TokenMatrix, _ encoding0: RotaryEncoding, _ encoding1: RotaryEncoding, parallel: Bool) {
        (x0, x1) = BothSides.run(parallel: parallel) { side in
            var x = side == 0 ? x0 : x1
            selfBlock.apply(&x, encoding: side == 0 ? encoding0 : encoding1)
            return x
        }
        let cross = crossBlock, heads = crossBlock.heads, headDimension = x0.columns / crossBlock.heads
        let (a, b) = (x0, x1)
        let projections = BothSides.run(parallel: parallel) { side in
            (cross.queryKey(side == 0 ? a : b), cross.value(side == 0 ? a : b))
        }
        (x0, x1) = BothSides.run(parallel: parallel) { side in
            let (mine, other) = side == 0 ? (projections.0, projections.1) : (projections.1, projections.0)
            let context = MultiHeadAttention.attend(q: mine.0, qOffset: 0, k: other.0, kOffset: 0, v: other.1, vOffset: 0,
                                                    heads: heads, headDimension: headDimension)
            var x = side == 0 ? a : b
            cross.update.apply(&x, message: cross.outProjection(context))
            return x
        }
    }
}

/// Runs the same work for image 0 and image 1, on two threads when asked.
enum BothSides {
    private final class Slots<T>: @unchecked Sendable {
        var values: [T?] = [nil, nil]
        let lock = NSLock()
        func set(_ i: Int, _ value: T) { lock.lock(); values[i] = value; lock.unlock() }
    }

    static func run<T>(parallel: Bool, _ work: (Int) -> T) -> (T, T) {
        guard parallel else { return (work(0), work(1)) }
        let slots = Slots<T>()
        withoutActuallyEscaping(work) { work in
            let box = UncheckedBox(work)
            DispatchQueue.concurrentPerform(iterations: 2) { side in slots.set(side, box.value(side)) }
        }
        return (slots.values[0]!, slots.values[1]!)
    }

    private struct UncheckedBox<F>: @unchecked Sendable {
        let value: F
        init(_ value: F) { self.value = value }
    }
}
