import Geometry
@testable import Reloc
import XCTest

final class GlobalRetrievalTests: XCTestCase {
    func randomVectors(_ count: Int, _ dimension: Int, _ rng: inout SeededGenerator) -> [[Float]] {
        (0..<count).map { _ in (0..<dimension).map { _ in Float.random(in: -1...1, using: &rng) } }
    }

    func testTopKEqualsBruteForceAcrossBlocks() throws {
        var rng = SeededGenerator(seed: 3)
        // More queries than one block, so the streaming path is exercised.
        let queries = randomVectors(GlobalRetrieval.block + 37, 24, &rng)
        let database = randomVectors(90, 24, &rng)
        let hits = try GlobalRetrieval.topK(queries: queries, database: database, k: 5)
        func cosine(_ a: [Float], _ b: [Float]) -> Double {
            let ab = zip(a, b).map { Double($0) * Double($1) }.reduce(0, +)
            return ab / (a.map { Double($0 * $0) }.reduce(0, +).squareRoot() * b.map { Double($0 * $0) }.reduce(0, +).squareRoot())
        }
        for (q, query) in queries.enumerated() {
            let similarity = database.map { cosine(query, $0) }
            let expected = database.indices.sorted { similarity[$0] > similarity[$1] }.prefix(5)
            XCTAssertEqual(hits[q].map(\.index), Array(expected), "query \(q)")
            for hit in hits[q] { XCTAssertEqual(Double(hit.similarity), similarity[hit.index], accuracy: 1e-5) }
        }
    }

    func testExclusionTiesAndShortDatabase() throws {
        let database: [[Float]] = [[1, 0], [1, 0], [0, 1]]
        let hits = try GlobalRetrieval.topK(queries: [[2, 0]], database: database, k: 10) { _, d in d == 0 }
        // Image 0 excluded; the tie order is by index; k larger than the database returns all.
        XCTAssertEqual(hits[0].map(\.index), [1, 2])
        XCTAssertThrowsError(try GlobalRetrieval.topK(queries: [[1, 0, 0]], database: database, k: 1))
    }
}
