import COpenBLAS

/// Scaled dot-product attention of one head, softmax(s · q kᵀ) v, computed a block of query
/// rows at a time: each block's scores (`block × keys` floats) are made by one sgemm, turned
/// into probabilities in place and multiplied by `v` by a second sgemm, so memory stays the
/// inputs, the output and one block of scores, never a `queries × keys` matrix.
///
/// `q`, `k`, `v` and `out` point at the head's first column inside wider row-major matrices
/// (leading dimensions `ldq`, `ldk`, `ldv`, `ldo`), as the heads of a multi-head layer lie.
enum BlockedAttention {
    /// Scores held at once: query rows per block × keys.
    static let blockScores = 1 << 18

    static func attend(q: UnsafePointer<Float>, ldq: Int, queries: Int,
                       k: UnsafePointer<Float>, ldk: Int, v: UnsafePointer<Float>, ldv: Int, keys: Int,
                       headDimension d: Int, scale: Float,
                       out: UnsafeMutablePointer<Float>, ldo: Int, scratch: inout [Float]) {
        guard queries > 0 else { return }
        guard keys > 0 else {
            for r in 0..<queries { (out + r * ldo).update(repeating: 0, count: d) }
            return
        }
        let block = max(1, min(queries, blockScores / keys))
        if scratch.count < block * keys { scratch = [Float](repeating: 0, count: block * keys) }
        scratch.withUnsafeMutableBufferPointer { s in
            let scores = s.baseAddress!
            for start in stride(from: 0, to: queries, by: block) {
                let rows = min(block, queries - start)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(keys), Int32(d),
                            scale, q + start * ldq, Int32(ldq), k, Int32(ldk), 0, scores, Int32(keys))
                var inverseSums = [Float](repeating: 0, count: rows)
                for r in 0..<rows {
                    let row = scores + r * keys
                    let sum = DenseMath.expShifted(row, count: keys, shift: DenseMath.max(row, count: keys))
                    inverseSums[r] = 1 / sum
                }
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(d), Int32(keys),
                            1, scores, Int32(keys), v, Int32(ldv), 0, out + start * ldo, Int32(ldo))
                for r in 0..<rows {
                    let row = out + (start + r) * ldo
                    for c in 0..<d { row[c] *= inverseSums[r] }
                }
            }
        }
    }
}
