import COpenBLAS
import Geometry

/// VLAD (Jégou et al., CVPR 2010) over local descriptors with a k-means vocabulary learned on
/// the database, normalised as in Arandjelović & Zisserman ("All about VLAD", CVPR 2013):
/// signed square root (power 0.5), then each cluster's residual sum to unit length
/// (intra-normalisation), then the whole vector to unit length. No weights needed: it is the
/// built-in global descriptor of `reloc pairs --retrieval vlad`.
public struct VLADVocabulary: Sendable {
    public let clusterCount: Int
    public let dimension: Int
    /// clusterCount × dimension, row-major.
    public let centroids: [Float]

    public init(centroids: [Float], clusterCount: Int, dimension: Int) {
        precondition(centroids.count == clusterCount * dimension)
        self.centroids = centroids; self.clusterCount = clusterCount; self.dimension = dimension
    }

    /// Lloyd's k-means with k-means++ seeding on `samples` (rows of `dimension` floats).
    /// Deterministic for a given seed. An empty cluster is re-seeded with the sample farthest from
    /// its centroid.
    /// - Throws: `RelocError.invalidArgument` when there are fewer samples than clusters.
    public static func train(samples: [Float], dimension: Int, clusterCount: Int, iterations: Int = 15,
                             seed: UInt64 = 0) throws -> VLADVocabulary {
        let n = samples.count / dimension
        guard n >= clusterCount, clusterCount > 0 else {
            throw RelocError.invalidArgument("VLAD: \(n) descriptors cannot make a vocabulary of \(clusterCount) words")
        }
        var rng = SeededGenerator(seed: seed)
        var centroids = [Float](repeating: 0, count: clusterCount * dimension)
        // k-means++: each next centre drawn with probability ∝ squared distance to the nearest one.
        var nearest = [Float](repeating: .greatestFiniteMagnitude, count: n)
        var chosen = Int.random(in: 0..<n, using: &rng)
        for c in 0..<clusterCount {
            for k in 0..<dimension { centroids[c * dimension + k] = samples[chosen * dimension + k] }
            var total: Double = 0
            for i in 0..<n {
                var d: Float = 0
                for k in 0..<dimension { let e = samples[i * dimension + k] - centroids[c * dimension + k]; d += e * e }
                nearest[i] = min(nearest[i], d)
                total += Double(nearest[i])
            }
            guard total > 0 else { chosen = Int.random(in: 0..<n, using: &rng); continue }
            var target = Double.random(in: 0..<total, using: &rng)
            chosen = n - 1
            for i in 0..<n {
                target -= Double(nearest[i])
                if target < 0 { chosen = i; break }
            }
        }
        var vocabulary = VLADVocabulary(centroids: centroids, clusterCount: clusterCount, dimension: dimension)
        for _ in 0..<iterations {
            let (assignment, distance) = vocabulary.assign(samples)
            var sums = [Float](repeating: 0, count: clusterCount * dimension)
            var counts = [Int](repeating: 0, count: clusterCount)
            for i in 0..<n {
                let c = assignment[i]
                counts[c] += 1
                for k in 0..<dimension { sums[c * dimension + k] += samples[i * dimension + k] }
            }
            var farthest = (0..<n).sorted { distance[$0] > distance[$1] }.makeIterator()
            for c in 0..<clusterCount {
                if counts[c] == 0, let i = farthest.next() {
                    for k in 0..<dimension { sums[c * dimension + k] = samples[i * dimension + k] }
                    counts[c] = 1
                }
                for k in 0..<dimension { sums[c * dimension + k] /= Float(max(1, counts[c])) }
            }
            vocabulary = VLADVocabulary(centroids: sums, clusterCount: clusterCount, dimension: dimension)
        }
        return vocabulary
    }

    /// Nearest centroid of each row and its squared distance (one sgemm: |x|² − 2x·c + |c|²).
    func assign(_ rows: [Float]) -> (cluster: [Int], squaredDistance: [Float]) {
        let n = rows.count / dimension
        guard n > 0 else { return ([], []) }
        var products = [Float](repeating: 0, count: n * clusterCount)
        rows.withUnsafeBufferPointer { x in
            centroids.withUnsafeBufferPointer { c in
                products.withUnsafeMutableBufferPointer { p in
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(n), Int32(clusterCount), Int32(dimension),
                                1, x.baseAddress, Int32(dimension), c.baseAddress, Int32(dimension), 0, p.baseAddress, Int32(clusterCount))
                }
            }
        }
        var centroidNorms = [Float](repeating: 0, count: clusterCount)
        for c in 0..<clusterCount { for k in 0..<dimension { centroidNorms[c] += centroids[c * dimension + k] * centroids[c * dimension + k] } }
        var cluster = [Int](repeating: 0, count: n)
        var distance = [Float](repeating: 0, count: n)
        for i in 0..<n {
            var rowNorm: Float = 0
            for k in 0..<dimension { rowNorm += rows[i * dimension + k] * rows[i * dimension + k] }
            var best = 0
            var bestValue = Float.greatestFiniteMagnitude
            for c in 0..<clusterCount {
                let value = centroidNorms[c] - 2 * products[i * clusterCount + c]
                if value < bestValue { bestValue = value; best = c }
            }
            cluster[i] = best
            distance[i] = max(0, rowNorm + bestValue)
        }
        return (cluster, distance)
    }

    /// The VLAD vector of one image's descriptors (clusterCount × dimension floats, unit length;
    /// all zeros for an image without descriptors).
    public func encode(_ descriptors: [Float]) -> [Float] {
        var vlad = [Float](repeating: 0, count: clusterCount * dimension)
        let (assignment, _) = assign(descriptors)
        for (i, c) in assignment.enumerated() {
            for k in 0..<dimension { vlad[c * dimension + k] += descriptors[i * dimension + k] - centroids[c * dimension + k] }
        }
        for i in vlad.indices { vlad[i] = vlad[i] < 0 ? -(-vlad[i]).squareRoot() : vlad[i].squareRoot() }
        for c in 0..<clusterCount {
            var s: Float = 0
            for k in 0..<dimension { s += vlad[c * dimension + k] * vlad[c * dimension + k] }
            if s > 0 { let scale = 1 / s.squareRoot(); for k in 0..<dimension { vlad[c * dimension + k] *= scale } }
        }
        var total: Float = 0
        for x in vlad { total += x * x }
        if total > 0 { let scale = 1 / total.squareRoot(); for i in vlad.indices { vlad[i] *= scale } }
        return vlad
    }
}
