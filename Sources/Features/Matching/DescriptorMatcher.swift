import COpenBLAS

/// Options of nearest-neighbour descriptor matching (hloc's `NN-mutual`, `NN-ratio`).
public struct MatchingOptions: Equatable, Sendable {
    /// Keep a match only when it is each descriptor's nearest neighbour both ways.
    public var mutual: Bool = true
    /// Lowe's ratio test on distances: nearest < ratio · second nearest (nil: off).
    public var ratio: Float? = nil
    /// Keep matches with a distance at most this (nil: off).
    public var maxDistance: Float? = nil

    public init(mutual: Bool = true, ratio: Float? = nil, maxDistance: Float? = nil) {
        self.mutual = mutual; self.ratio = ratio; self.maxDistance = maxDistance
    }

    /// - Throws: `FeaturesError.invalidOption` for a ratio outside (0, 1] or a negative distance.
    public func validate() throws {
        if let ratio, !(ratio > 0 && ratio <= 1) { throw FeaturesError.invalidOption("ratio must be in (0, 1], got \(ratio)") }
        if let maxDistance, !(maxDistance >= 0) { throw FeaturesError.invalidOption("max distance must be ≥ 0, got \(maxDistance)") }
    }
}

/// A match between descriptor `index0` of the first set and `index1` of the second.
public struct DescriptorMatch: Equatable, Sendable {
    public var index0: Int
    public var index1: Int
    /// Euclidean distance between the two descriptors.
    public var distance: Float

    public init(index0: Int, index1: Int, distance: Float) { self.index0 = index0; self.index1 = index1; self.distance = distance }
}

/// Nearest-neighbour matching of two descriptor sets (each descriptor contiguous, `dimension`
/// floats). Distances come from one matrix product (OpenBLAS `sgemm`:
/// |a − b|² = |a|² + |b|² − 2 a·b), computed in tiles of `tile` × `tile` so that two sets of
/// 8k descriptors need a 4 MB block, not a 256 MB matrix. Each tile updates the two nearest
/// neighbours of every first-set descriptor and the nearest of every second-set one.
public enum DescriptorMatcher {
    public static let tile = 1024

    /// - Parameter guide: when given, only the pairs it allows are compared (guided matching);
    ///   its arrays hold one entry per descriptor of each set.
    public static func match(_ descriptors0: [Float], _ descriptors1: [Float], dimension: Int,
                             options: MatchingOptions = MatchingOptions(), guide: EpipolarGuide? = nil) -> [DescriptorMatch] {
        precondition(dimension > 0 && descriptors0.count % dimension == 0 && descriptors1.count % dimension == 0,
                     "descriptor arrays must hold whole descriptors")
        let n0 = descriptors0.count / dimension, n1 = descriptors1.count / dimension
        precondition(guide.map { $0.lines0.count == n0 && $0.points1.count == n1 } ?? true,
                     "the guide needs one line per first-set and one point per second-set descriptor")
        guard n0 > 0, n1 > 0 else { return [] }
        let norms0 = squaredNorms(descriptors0, dimension), norms1 = squaredNorms(descriptors1, dimension)
        var best0 = [Int](repeating: -1, count: n0)
        var bestDistance0 = [Float](repeating: .infinity, count: n0)
        var secondDistance0 = [Float](repeating: .infinity, count: n0)
        var best1 = [Int](repeating: -1, count: n1)
        var bestDistance1 = [Float](repeating: .infinity, count: n1)
        var block = [Float](repeating: 0, count: tile * tile)

        for start0 in stride(from: 0, to: n0, by: tile) {
            let rows = min(tile, n0 - start0)
            for start1 in stride(from: 0, to: n1, by: tile) {
                let columns = min(tile, n1 - start1)
                // block[r][c] = a_r · b_c
                descriptors0.withUnsafeBufferPointer { a in
                    descriptors1.withUnsafeBufferPointer { b in
                        block.withUnsafeMutableBufferPointer { c in
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(columns), Int32(dimension),
                                        1, a.baseAddress! + start0 * dimension, Int32(dimension),
                                        b.baseAddress! + start1 * dimension, Int32(dimension), 0, c.baseAddress!, Int32(columns))
                        }
                    }
                }
                block.withUnsafeBufferPointer { c in
                    for r in 0..<rows {
                        let i = start0 + r
                        var best = bestDistance0[i], second = secondDistance0[i], bestIndex = best0[i]
                        @inline(__always) func consider(_ k: Int) {
                            let j = start1 + k
                            let d2 = max(0, norms0[i] + norms1[j] - 2 * c[r * columns + k])
                            if d2 < best {
                                second = best; best = d2; bestIndex = j
                            } else if d2 < second {
                                second = d2
                            }
                            if d2 < bestDistance1[j] { bestDistance1[j] = d2; best1[j] = i }
                        }
                        // Two loops: the optional test inside one slows unguided matching (RelocBench match).
                        if let guide {
                            for k in 0..<columns where guide.allows(i, start1 + k) { consider(k) }
                        } else {
                            for k in 0..<columns { consider(k) }
                        }
                        bestDistance0[i] = best; secondDistance0[i] = second; best0[i] = bestIndex
                    }
                }
            }
        }

        var matches: [DescriptorMatch] = []
        let ratio2 = options.ratio.map { $0 * $0 }
        let maxDistance2 = options.maxDistance.map { $0 * $0 }
        for i in 0..<n0 {
            let j = best0[i]
            guard j >= 0 else { continue }
            if options.mutual && best1[j] != i { continue }
            if let ratio2, !(bestDistance0[i] <= ratio2 * secondDistance0[i]) { continue }
            if let maxDistance2, bestDistance0[i] > maxDistance2 { continue }
            matches.append(DescriptorMatch(index0: i, index1: j, distance: bestDistance0[i].squareRoot()))
        }
        return matches
    }

    static func squaredNorms(_ descriptors: [Float], _ dimension: Int) -> [Float] {
        let n = descriptors.count / dimension
        var norms = [Float](repeating: 0, count: n)
        descriptors.withUnsafeBufferPointer { d in
            for i in 0..<n {
                var sum: Float = 0
                for k in 0..<dimension { let v = d[i * dimension + k]; sum += v * v }
                norms[i] = sum
            }
        }
        return norms
    }
}
