/// SuperGlue's `simple_nms`, which ALIKED's DKD repeats: a pixel is a maximum when it equals the
/// max-pool (window 2r + 1, stride 1, padding r) of the scores; twice, scores within the pool of a
/// maximum are zeroed and the remaining pixels equal to their own pool's maximum (and outside every
/// suppressed window) join.
enum SimpleNMS {
    /// Which pixels of a row-major `height × width` map survive.
    static func maxima(_ s: [Float], height h: Int, width w: Int, radius r: Int) -> [Bool] {
        var isMax = zip(s, maxPool(s, h, w, r)).map { $0 == $1 }
        for _ in 0..<2 {
            let suppressed = maxPool(isMax.map { $0 ? 1 : 0 }, h, w, r).map { $0 > 0 }
            let remaining = (0..<s.count).map { suppressed[$0] ? 0 : s[$0] }
            let pooled = maxPool(remaining, h, w, r)
            for i in 0..<s.count where !isMax[i] && !suppressed[i] && remaining[i] == pooled[i] { isMax[i] = true }
        }
        return isMax
    }

    /// Max-pool of one map with a (2r+1)² window, stride 1, padding r (−∞): rows then columns
    /// (the maximum is separable, so this equals the 2-D pool).
    static func maxPool(_ values: [Float], _ h: Int, _ w: Int, _ r: Int) -> [Float] {
        let rows = maxPool1D(values, lines: h, length: w, lineStride: w, step: 1, r)
        return maxPool1D(rows, lines: w, length: h, lineStride: 1, step: w, r)
    }

    /// Maximum over a ±r window along each of `lines` lines of `length` values; value k of line l
    /// is at `l·lineStride + k·step` (rows: stride w, step 1; columns: stride 1, step w).
    static func maxPool1D(_ values: [Float], lines: Int, length: Int, lineStride: Int, step: Int, _ r: Int) -> [Float] {
        var out = [Float](repeating: 0, count: values.count)
        for l in 0..<lines {
            let base = l * lineStride
            for k in 0..<length {
                var m = -Float.infinity
                for j in max(0, k - r)...min(length - 1, k + r) { m = max(m, values[base + j * step]) }
                out[base + k * step] = m
            }
        }
        return out
    }
}
