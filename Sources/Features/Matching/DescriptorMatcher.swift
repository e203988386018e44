import COpenBLAS

/// Options of nearest-neighbour descriptor matching (hloc's `NN-mutual`, `NN-ratio`).
public struct MatchingOptions: Equatable, Sendable {
    /// Keep a match only when it is each descriptor's nearest neighbour both ways.
    public var mutual: Bool = true
    /// Lowe's ratio test on distances: nearest < ratio · second nearest (nil: off).
    public var ratio: Float? = nil
    /// Keep matches with a distance at most this (nil: off).
    public var maxDistance: Float? = nil
    /// Keep matches whose descriptors' cosine similarity is at least this (nil: off): XFeat's
    /// `min_cossim`. Applied as the distance |a − b|² ≤ 2 − 2 · this, which is the cosine for
    /// unit-length descriptors (every kind reloc extracts).
    public var minCosine: Float? = nil

    public init(mutual: Bool = true, ratio: Float? = nil, maxDistance: Float? = nil, minCosine: Float? = nil) {
        self.mutual = mutual; self.ratio = ratio; self.maxDistance = maxDistance; self.minCosine = minCosine
    }

    /// The squared distance a match may have at most (`maxDistance`, `minCosine`), nil: no limit.
    var maxSquaredDistance: Float? {
        switch (maxDistance.map { $0 * $0 }, minCosine.map { 2 - 2 * $0 }) {
        case let (d?, c?): return min(d, c)
        case let (d, c): return d ?? c
        }
    }

    /// - Throws: `FeaturesError.invalidOption` for a ratio outside (0, 1], a negative distance or
    ///   a cosine outside [−1, 1].
    public func validate() throws {
        if let ratio, !(ratio > 0 && ratio <= 1) { throw FeaturesError.invalidOption("ratio must be in (0, 1], got \(ratio)") }
        if let maxDistance, !(maxDistance >= 0) { throw FeaturesError.invalidOption("max distance must be ≥ 0, got \(maxDistance)") }
        if let minCosine, !(minCosine >= -1 && minCosine <= 1) { throw FeaturesError.invalidOption("minimum cosine must be in [-1, 1], got \(minCosine)") }
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
        var best0 = [Int32](repeating: -1, count: n0)
        var bestDistance0 = [Float](repeating: .infinity, count: n0)
        var secondDistance0 = [Float](repeating: .infinity, count: n0)
        var best1 = [Int32](repeating: -1, count: n1)
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
                    if let guide {
                        scanGuided(c, rows: rows, columns: columns, start0: start0, start1: start1, guide: guide, norms0: norms0, norms1: norms1,
                                   best0: &best0, bestDistance0: &bestDistance0, secondDistance0: &secondDistance0,
                                   best1: &best1, bestDistance1: &bestDistance1)
                    } else {
                        scan(c, rows: rows, columns: columns, start0: start0, start1: start1, norms0: norms0, norms1: norms1,
                             best0: &best0, bestDistance0: &bestDistance0, secondDistance0: &secondDistance0,
                             best1: &best1, bestDistance1: &bestDistance1)
                    }
                }
            }
        }

        var matches: [DescriptorMatch] = []
        let ratio2 = options.ratio.map { $0 * $0 }
        let maxDistance2 = options.maxSquaredDistance
        for i in 0..<n0 {
            let j = Int(best0[i])
            guard j >= 0 else { continue }
            if options.mutual && Int(best1[j]) != i { continue }
            if let ratio2, !(bestDistance0[i] <= ratio2 * secondDistance0[i]) { continue }
            if let maxDistance2, bestDistance0[i] > maxDistance2 { continue }
            matches.append(DescriptorMatch(index0: i, index1: j, distance: bestDistance0[i].squareRoot()))
        }
        return matches
    }

    /// One block of products `c` (rows × columns, first-set descriptors `start0…`, second-set
    /// `start1…`) folded into the nearest neighbours found so far, sixteen columns at a time: each
    /// lane keeps its own nearest and second-nearest, merged per row at the end; equal distances
    /// keep the lower index, as a scan in order would (two identical descriptors' products with a
    /// query are not always bit-equal from OpenBLAS on one thread, so either copy may win then).
    static func scan(_ c: UnsafeBufferPointer<Float>, rows: Int, columns: Int, start0: Int, start1: Int, norms0: [Float], norms1: [Float],
                     best0: inout [Int32], bestDistance0: inout [Float], secondDistance0: inout [Float],
                     best1: inout [Int32], bestDistance1: inout [Float]) {
        typealias V = SIMD16<Float>
        typealias I = SIMD16<Int32>
        let lanes = V.scalarCount, vectorColumns = columns - columns % lanes
        norms1.withUnsafeBufferPointer { norms1 in
        bestDistance1.withUnsafeMutableBufferPointer { bestDistance1 in
        best1.withUnsafeMutableBufferPointer { best1 in
            let n1 = norms1.baseAddress! + start1, d1 = bestDistance1.baseAddress! + start1, b1 = best1.baseAddress! + start1
            func load(_ p: UnsafePointer<Float>) -> V { UnsafeRawPointer(p).loadUnaligned(as: V.self) }
            for r in 0..<rows {
                let i = start0 + r
                let row = c.baseAddress! + r * columns
                let normI = V(repeating: norms0[i]), rowIndex = I(repeating: Int32(i))
                var best = V(repeating: .infinity), second = best, bestIndex = I(repeating: -1)
                var index = I(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15) &+ Int32(start1)
                var k = 0
                while k < vectorColumns {
                    let d2 = pointwiseMax(normI + load(n1 + k) - 2 * load(row + k), V(repeating: 0))
                    let nearer = d2 .< best
                    second.replace(with: best, where: nearer)
                    second.replace(with: d2, where: .!nearer .& (d2 .< second))
                    best.replace(with: d2, where: nearer)
                    bestIndex.replace(with: index, where: nearer)
                    let column = load(d1 + k), columnNearer = d2 .< column
                    UnsafeMutableRawPointer(d1 + k).storeBytes(of: column.replacing(with: d2, where: columnNearer), as: V.self)
                    let columnIndex = UnsafeRawPointer(b1 + k).loadUnaligned(as: I.self)
                    UnsafeMutableRawPointer(b1 + k).storeBytes(of: columnIndex.replacing(with: rowIndex, where: columnNearer), as: I.self)
                    index &+= Int32(lanes)
                    k += lanes
                }
                var b = bestDistance0[i], s = secondDistance0[i], bi = best0[i]
                for lane in 0..<lanes {
                    let v = best[lane], j = bestIndex[lane]
                    if v < b || (v == b && j >= 0 && j < bi) { s = b; b = v; bi = j } else if v < s { s = v }
                    s = min(s, second[lane])
                }
                for k in vectorColumns..<columns {
                    let j = start1 + k
                    let d2 = max(0, norms0[i] + n1[k] - 2 * row[k])
                    if d2 < b { s = b; b = d2; bi = Int32(j) } else if d2 < s { s = d2 }
                    if d2 < d1[k] { d1[k] = d2; b1[k] = Int32(i) }
                }
                bestDistance0[i] = b; secondDistance0[i] = s; best0[i] = bi
            }
        }
        }
        }
    }

    /// `scan` for guided matching: only the pairs `guide` allows, one at a time.
    static func scanGuided(_ c: UnsafeBufferPointer<Float>, rows: Int, columns: Int, start0: Int, start1: Int, guide: EpipolarGuide,
                           norms0: [Float], norms1: [Float], best0: inout [Int32], bestDistance0: inout [Float], secondDistance0: inout [Float],
                           best1: inout [Int32], bestDistance1: inout [Float]) {
        for r in 0..<rows {
            let i = start0 + r
            var best = bestDistance0[i], second = secondDistance0[i], bestIndex = best0[i]
            for k in 0..<columns where guide.allows(i, start1 + k) {
                let j = start1 + k
                let d2 = max(0, norms0[i] + norms1[j] - 2 * c[r * columns + k])
                if d2 < best {
                    second = best; best = d2; bestIndex = Int32(j)
                } else if d2 < second {
                    second = d2
                }
                if d2 < bestDistance1[j] { bestDistance1[j] = d2; best1[j] = Int32(i) }
            }
            bestDistance0[i] = best; secondDistance0[i] = second; best0[i] = bestIndex
        }
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
