import COpenBLAS

/// One retrieved database image.
public struct RetrievalHit: Equatable, Sendable {
    /// Index into the database list.
    public var index: Int
    /// Cosine similarity of the two global descriptors.
    public var similarity: Float

    public init(index: Int, similarity: Float) { self.index = index; self.similarity = similarity }
}

/// Cosine top-k retrieval over global descriptors, streamed: the database is one M×D matrix,
/// queries go through in blocks, so memory is M·D + block·M floats, never N×M.
public enum GlobalRetrieval {
    /// Queries per block (block × M similarities in memory at a time).
    static let block = 256

    /// Unit-length copies, one row each (a zero vector stays zero).
    static func unitRows(_ vectors: [[Float]], dimension: Int) -> [Float] {
        var matrix = [Float](repeating: 0, count: vectors.count * dimension)
        for (i, v) in vectors.enumerated() {
            var s: Float = 0
            for x in v { s += x * x }
            let scale: Float = s > 0 ? 1 / s.squareRoot() : 0
            for k in 0..<dimension { matrix[i * dimension + k] = v[k] * scale }
        }
        return matrix
    }

    /// The `k` most similar database descriptors of each query, most similar first (ties: lower
    /// index first).
    /// - Parameters:
    ///   - excluded: (query index, database index) pairs never returned, e.g. an image and itself.
    /// - Throws: `RelocError.invalidArgument` when descriptor dimensions differ.
    public static func topK(queries: [[Float]], database: [[Float]], k: Int,
                            excluded: ((Int, Int) -> Bool)? = nil) throws -> [[RetrievalHit]] {
        try topK(queries: queries, database: try Database(database), k: k, excluded: excluded)
    }

    /// A database prepared once for many calls (`reloc serve`): its descriptors as unit rows, in
    /// memory or in place in a mapped file (`GlobalRetrieval+File`).
    public struct Database: Sendable {
        let rows: UnitRows
        let dimension: Int
        let count: Int

        /// - Throws: `RelocError.invalidArgument` when descriptor dimensions differ.
        public init(_ descriptors: [[Float]]) throws {
            dimension = descriptors.first?.count ?? 0
            count = descriptors.count
            for v in descriptors where v.count != dimension {
                throw RelocError.invalidArgument("global descriptors of different dimensions (\(v.count) and \(dimension))")
            }
            rows = UnitRows(unitRows(descriptors, dimension: dimension))
        }

        init(rows: UnitRows, dimension: Int, count: Int) { self.rows = rows; self.dimension = dimension; self.count = count }
    }

    /// Unit rows, count × dimension floats: an array, or a mapped file's section.
    final class UnitRows: @unchecked Sendable {
        let values: UnsafeBufferPointer<Float>
        private let owner: AnyObject?
        private let allocated: Bool

        init(_ matrix: [Float]) {
            let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: matrix.count)
            _ = buffer.initialize(from: matrix)
            values = UnsafeBufferPointer(buffer)
            owner = nil
            allocated = true
        }

        /// In place; `owner` keeps the memory alive.
        init(values: UnsafeBufferPointer<Float>, owner: AnyObject) { self.values = values; self.owner = owner; allocated = false }

        deinit { if allocated { UnsafeMutablePointer(mutating: values.baseAddress)?.deallocate() } }
    }

    /// `topK(queries:database:k:excluded:)` against a prepared database.
    public static func topK(queries: [[Float]], database prepared: Database, k: Int,
                            excluded: ((Int, Int) -> Bool)? = nil) throws -> [[RetrievalHit]] {
        let dimension = prepared.dimension
        guard prepared.count > 0, !queries.isEmpty else { return queries.map { _ in [] } }
        for v in queries where v.count != dimension {
            throw RelocError.invalidArgument("global descriptors of different dimensions (\(v.count) and \(dimension))")
        }
        let m = prepared.count
        var results: [[RetrievalHit]] = []
        results.reserveCapacity(queries.count)
        var similarities = [Float](repeating: 0, count: min(block, queries.count) * m)
        for start in stride(from: 0, to: queries.count, by: block) {
            let rows = min(block, queries.count - start)
            let queryMatrix = unitRows(Array(queries[start..<start + rows]), dimension: dimension)
            queryMatrix.withUnsafeBufferPointer { q in
                withExtendedLifetime(prepared.rows) {
                    let d = prepared.rows.values
                    similarities.withUnsafeMutableBufferPointer { s in
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(m), Int32(dimension),
                                    1, q.baseAddress, Int32(dimension), d.baseAddress, Int32(dimension), 0, s.baseAddress, Int32(m))
                    }
                }
            }
            for r in 0..<rows {
                let queryIndex = start + r
                results.append(select(k, from: similarities[(r * m)..<(r * m + m)]) { excluded?(queryIndex, $0) ?? false })
            }
        }
        return results
    }

    /// The k largest values of a row (bounded insertion: k is small), best first.
    static func select(_ k: Int, from row: ArraySlice<Float>, skip: (Int) -> Bool) -> [RetrievalHit] {
        var best: [RetrievalHit] = []
        best.reserveCapacity(k + 1)
        for (offset, value) in row.enumerated() {
            if best.count == k, let last = best.last, value <= last.similarity { continue }
            if skip(offset) { continue }
            var position = best.count
            while position > 0 && best[position - 1].similarity < value { position -= 1 }
            best.insert(RetrievalHit(index: offset, similarity: value), at: position)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
