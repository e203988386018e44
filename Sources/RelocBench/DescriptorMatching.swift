import COpenBLAS
import Features

/// Entry points of the matcher for the benchmark binary.
enum DescriptorMatching {
    /// Mutual nearest-neighbour matches of two descriptor sets; returns the match count.
    static func mutualNearestNeighbours(_ a: [Float], _ b: [Float], dimension: Int) -> Int {
        DescriptorMatcher.match(a, b, dimension: dimension, options: MatchingOptions(mutual: true)).count
    }

    /// One full `sgemm` A·Bᵀ (count × count), the lower bound of any exact matcher; returns a
    /// checksum so that the product is not optimized away.
    static func bareProductChecksum(_ a: [Float], _ b: [Float], count: Int, dimension: Int) -> Int {
        var c = [Float](repeating: 0, count: count * count)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(count), Int32(count), Int32(dimension), 1, a, Int32(dimension),
                    b, Int32(dimension), 0, &c, Int32(count))
        return Int(c[count * count / 2] * 1000)
    }
}
