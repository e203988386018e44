import COpenBLAS
import Foundation

/// Token matrices: `rows × columns` floats, row-major, one token (keypoint) per row.
struct TokenMatrix: Sendable {
    var rows: Int
    var columns: Int
    var data: [Float]

    init(rows: Int, columns: Int, data: [Float]) {
        precondition(data.count == rows * columns, "token matrix data does not match its shape")
        self.rows = rows; self.columns = columns; self.data = data
    }

    init(rows: Int, columns: Int) { self.init(rows: rows, columns: columns, data: [Float](repeating: 0, count: rows * columns)) }

    /// The rows at `indices`, in that order.
    func selecting(rows indices: [Int]) -> TokenMatrix {
        var out = [Float](repeating: 0, count: indices.count * columns)
        data.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (k, i) in indices.enumerated() {
                    (dst.baseAddress! + k * columns).update(from: src.baseAddress! + i * columns, count: columns)
                }
            }
        }
        return TokenMatrix(rows: indices.count, columns: columns, data: out)
    }

    /// `[self | other]`, row by row (PyTorch's `cat(..., -1)`).
    func concatenatingColumns(_ other: TokenMatrix) -> TokenMatrix {
        precondition(rows == other.rows)
        let width = columns + other.columns
        var out = [Float](repeating: 0, count: rows * width)
        data.withUnsafeBufferPointer { a in
            other.data.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    for r in 0..<rows {
                        (o.baseAddress! + r * width).update(from: a.baseAddress! + r * columns, count: columns)
                        (o.baseAddress! + r * width + columns).update(from: b.baseAddress! + r * other.columns, count: other.columns)
                    }
                }
            }
        }
        return TokenMatrix(rows: rows, columns: width, data: out)
    }

    static func += (lhs: inout TokenMatrix, rhs: TokenMatrix) {
        precondition(lhs.rows == rhs.rows && lhs.columns == rhs.columns)
        lhs.data.withUnsafeMutableBufferPointer { a in rhs.data.withUnsafeBufferPointer { b in for i in a.indices { a[i] += b[i] } } }
    }
}

/// PyTorch's `nn.Linear`: `y = x Wᵀ + b`, with `W` stored `out × in` as PyTorch does, computed by one sgemm.
struct Linear: Sendable {
    let weight: [Float]
    let bias: [Float]?
    let inFeatures: Int
    let outFeatures: Int

    init(weight: [Float], bias: [Float]?, inFeatures: Int, outFeatures: Int) {
        precondition(weight.count == inFeatures * outFeatures && (bias?.count ?? outFeatures) == outFeatures)
        self.weight = weight; self.bias = bias; self.inFeatures = inFeatures; self.outFeatures = outFeatures
    }

    init(_ weights: NetworkWeights, _ name: String, in inFeatures: Int, out outFeatures: Int, bias: Bool = true) throws {
        self.init(weight: try weights.floats(name + ".weight", shape: [outFeatures, inFeatures]),
                  bias: bias ? try weights.floats(name + ".bias", shape: [outFeatures]) : nil,
                  inFeatures: inFeatures, outFeatures: outFeatures)
    }

    func callAsFunction(_ x: TokenMatrix) -> TokenMatrix {
        precondition(x.columns == inFeatures, "linear layer input has \(x.columns) features, expected \(inFeatures)")
        var y = [Float](repeating: 0, count: x.rows * outFeatures)
        guard x.rows > 0 else { return TokenMatrix(rows: 0, columns: outFeatures, data: y) }
        if let bias {
            y.withUnsafeMutableBufferPointer { out in
                for r in 0..<x.rows { (out.baseAddress! + r * outFeatures).update(from: bias, count: outFeatures) }
            }
        }
        x.data.withUnsafeBufferPointer { a in
            weight.withUnsafeBufferPointer { w in
                y.withUnsafeMutableBufferPointer { out in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(x.rows), Int32(outFeatures), Int32(inFeatures),
                                1, a.baseAddress, Int32(inFeatures), w.baseAddress, Int32(inFeatures),
                                bias == nil ? 0 : 1, out.baseAddress, Int32(outFeatures))
                }
            }
        }
        return TokenMatrix(rows: x.rows, columns: outFeatures, data: y)
    }
}

/// PyTorch's `nn.LayerNorm` over each row (biased variance, ε = 1e-5, with an affine weight and bias).
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    var epsilon: Float = 1e-5

    func apply(_ x: inout TokenMatrix) {
        let n = x.columns
        precondition(weight.count == n && bias.count == n)
        x.data.withUnsafeMutableBufferPointer { d in
            for r in 0..<x.rows {
                let row = d.baseAddress! + r * n
                var mean: Float = 0
                for i in 0..<n { mean += row[i] }
                mean /= Float(n)
                var variance: Float = 0
                for i in 0..<n { let c = row[i] - mean; variance += c * c }
                let inverse = 1 / (variance / Float(n) + epsilon).squareRoot()
                for i in 0..<n { row[i] = (row[i] - mean) * inverse * weight[i] + bias[i] }
            }
        }
    }
}

/// Elementwise functions of the matcher, vectorised where they run over every attention score.
enum DenseMath {
    /// PyTorch's default `nn.GELU`: x · Φ(x) with the exact error function.
    static func gelu(_ x: inout TokenMatrix) {
        x.data.withUnsafeMutableBufferPointer { d in
            for i in d.indices { let v = d[i]; d[i] = 0.5 * v * (1 + erff(v * 0.70710678118654752)) }
        }
    }

    static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// log σ(x), stable for large |x|.
    static func logSigmoid(_ x: Float) -> Float { min(x, 0) - log1pf(expf(-abs(x))) }

    /// eˣ for 16 lanes: Cody–Waite range reduction to r ∈ [−ln2/2, ln2/2] and a degree-6
    /// polynomial (relative error ≈ 2e-7, a few float ulps); eˣ = 0 below −87.3, and the
    /// argument is capped at 88.3. n = round(x / ln2) comes from adding 1.5 · 2²³, whose float
    /// keeps n in its low mantissa bits, so 2ⁿ is built with integer lane operations only
    /// (a float → integer conversion of SIMD lanes is not vectorised).
    @inline(__always)
    static func exp(_ x: SIMD16<Float>) -> SIMD16<Float> {
        let low = SIMD16<Float>(repeating: -87.3), high = SIMD16<Float>(repeating: 88.3)
        var clamped = x.replacing(with: low, where: x .< low)
        clamped.replace(with: high, where: clamped .> high)
        let magic = SIMD16<Float>(repeating: 12582912)  // 1.5 · 2²³
        let shifted = clamped * 1.4426950408889634 + magic
        let n = shifted - magic
        let r = clamped - n * 0.693145751953125 - n * 1.428606765330187e-6
        var p = SIMD16<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let integer = unsafeBitCast(shifted, to: SIMD16<Int32>.self) &- unsafeBitCast(magic, to: SIMD16<Int32>.self)
        let scale = unsafeBitCast((integer &+ 127) &<< 23, to: SIMD16<Float>.self)
        return (p * scale).replacing(with: 0, where: x .< low)
    }

    /// Replaces `x[0..<count]` by exp(x − shift) and returns their sum.
    static func expShifted(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        var sum = SIMD16<Float>()
        var i = 0
        while i + 16 <= count {
            let raw = UnsafeMutableRawPointer(x + i)
            let e = exp(raw.loadUnaligned(as: SIMD16<Float>.self) - shift)
            raw.storeBytes(of: e, as: SIMD16<Float>.self)
            sum += e
            i += 16
        }
        var total = sum.sum()
        while i < count {
            var lane = SIMD16<Float>(repeating: -.infinity); lane[0] = x[i] - shift
            let e = exp(lane)[0]
            x[i] = e; total += e; i += 1
        }
        return total
    }

    static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var best = SIMD16<Float>(repeating: -.infinity)
        var i = 0
        while i + 16 <= count {
            let v = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD16<Float>.self)
            best.replace(with: v, where: v .> best)
            i += 16
        }
        var m = best.max()
        while i < count { m = Swift.max(m, x[i]); i += 1 }
        return m
    }
}
