import COpenBLAS
import Foundation

/// `MatchAssignment` and `filter_matches`: the log assignment
/// `log_softmax_rows(S) + log_softmax_columns(S) + log σ(z₀ᵢ) + log σ(z₁ⱼ)` with
/// `S = (P d₀)(P d₁)ᵀ / √dim` (P the final projection, z the matchability logits), reduced to
/// each row's and each column's best, then mutual bests scoring above the threshold.
///
/// Computed a block of rows at a time, twice (row and column log-sum-exps first, then the
/// bests), so no `M × N` matrix is held.
struct MatchAssignment: Sendable {
    let matchability: Linear
    let finalProjection: Linear

    init(matchability: Linear, finalProjection: Linear) { self.matchability = matchability; self.finalProjection = finalProjection }

    init(_ weights: NetworkWeights, _ name: String, dimension d: Int) throws {
        matchability = try Linear(weights, name + ".matchability", in: d, out: 1)
        finalProjection = try Linear(weights, name + ".final_proj", in: d, out: d)
    }

    /// σ(matchability), one per token.
    func matchabilityScores(_ x: TokenMatrix) -> [Float] { matchability(x).data.map(DenseMath.sigmoid) }

    struct Filtered {
        var matches0: [Int]
        var matches1: [Int]
        var scores0: [Float]
        var scores1: [Float]
    }

    func filter(_ x0: TokenMatrix, _ x1: TokenMatrix, threshold: Float) -> Filtered {
        let m = x0.rows, n = x1.rows, d = x0.columns
        var p0 = finalProjection(x0), p1 = finalProjection(x1)
        let shrink = 1 / Foundation.pow(Float(d), 0.25)
        for i in p0.data.indices { p0.data[i] *= shrink }
        for i in p1.data.indices { p1.data[i] *= shrink }
        let logSigmoid0 = matchability(x0).data.map(DenseMath.logSigmoid)
        let logSigmoid1 = matchability(x1).data.map(DenseMath.logSigmoid)
        let block = max(1, min(m, BlockedAttention.blockScores / max(n, 1)))
        var scores = [Float](repeating: 0, count: block * n)
        var rowLogSum = [Float](repeating: 0, count: m)
        var columnMax = [Float](repeating: -.infinity, count: n)
        var columnSum = [Float](repeating: 0, count: n)
        var best0 = [Int](repeating: 0, count: m), bestValue0 = [Float](repeating: -.infinity, count: m)
        var best1 = [Int](repeating: 0, count: n), bestValue1 = [Float](repeating: -.infinity, count: n)

        func similarities(_ start: Int, _ rows: Int, _ s: UnsafeMutablePointer<Float>) {
            p0.data.withUnsafeBufferPointer { a in
                p1.data.withUnsafeBufferPointer { b in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(n), Int32(d),
                                1, a.baseAddress! + start * d, Int32(d), b.baseAddress, Int32(d), 0, s, Int32(n))
                }
            }
        }
        scores.withUnsafeMutableBufferPointer { buffer in
            let s = buffer.baseAddress!
            // Pass 1: each row's log-sum-exp; each column's, accumulated block by block.
            for start in stride(from: 0, to: m, by: block) {
                let rows = min(block, m - start)
                similarities(start, rows, s)
                var blockMax = [Float](repeating: -.infinity, count: n)
                for r in 0..<rows { for j in 0..<n { blockMax[j] = max(blockMax[j], s[r * n + j]) } }
                for j in 0..<n where blockMax[j] > columnMax[j] {
                    if columnSum[j] > 0 { columnSum[j] *= expf(columnMax[j] - blockMax[j]) }
                    columnMax[j] = blockMax[j]
                }
                var exps = [Float](repeating: 0, count: n)
                for r in 0..<rows {
                    let row = s + r * n
                    exps.withUnsafeMutableBufferPointer { e in
                        e.baseAddress!.update(from: row, count: n)
                        for j in 0..<n { e[j] -= columnMax[j] }
                        _ = DenseMath.expShifted(e.baseAddress!, count: n, shift: 0)
                    }
                    for j in 0..<n { columnSum[j] += exps[j] }
                    let rowMax = DenseMath.max(row, count: n)
                    rowLogSum[start + r] = rowMax + logf(DenseMath.expShifted(row, count: n, shift: rowMax))
                }
            }
            let columnLogSum = (0..<n).map { columnMax[$0] + logf(columnSum[$0]) }
            // Pass 2: the assignment scores, reduced to row and column bests (first index on ties).
            for start in stride(from: 0, to: m, by: block) {
                let rows = min(block, m - start)
                similarities(start, rows, s)
                for r in 0..<rows {
                    let i = start + r, row = s + r * n
                    var best = -Float.infinity, bestIndex = 0
                    for j in 0..<n {
                        let sim = row[j]
                        let value = (sim - rowLogSum[i]) + (sim - columnLogSum[j]) + (logSigmoid0[i] + logSigmoid1[j])
                        if value > best { best = value; bestIndex = j }
                        if value > bestValue1[j] { bestValue1[j] = value; best1[j] = i }
                    }
                    best0[i] = bestIndex; bestValue0[i] = best
                }
            }
        }
        var result = Filtered(matches0: [Int](repeating: -1, count: m), matches1: [Int](repeating: -1, count: n),
                              scores0: [Float](repeating: 0, count: m), scores1: [Float](repeating: 0, count: n))
        guard m > 0, n > 0 else { return result }
        var valid0 = [Bool](repeating: false, count: m)
        for i in 0..<m where best1[best0[i]] == i {
            result.scores0[i] = expf(bestValue0[i])
            if result.scores0[i] > threshold { valid0[i] = true; result.matches0[i] = best0[i] }
        }
        for j in 0..<n where best0[best1[j]] == j {
            result.scores1[j] = result.scores0[best1[j]]
            if valid0[best1[j]] { result.matches1[j] = best1[j] }
        }
        return result
    }
}
