import Geometry
@testable import Reloc
import XCTest

final class VLADTests: XCTestCase {
    /// Samples around four well-separated centres.
    func clustered(_ centres: [[Float]], perCluster: Int, spread: Float, _ rng: inout SeededGenerator) -> [Float] {
        var samples: [Float] = []
        for _ in 0..<perCluster { for c in centres { samples += c.map { $0 + Float.random(in: -spread...spread, using: &rng) } } }
        return samples
    }

    let centres: [[Float]] = [[10, 0, 0], [0, 10, 0], [0, 0, 10], [-10, -10, -10]]

    func testKMeansFindsSeparatedClusters() throws {
        var rng = SeededGenerator(seed: 1)
        let samples = clustered(centres, perCluster: 200, spread: 1, &rng)
        let vocabulary = try VLADVocabulary.train(samples: samples, dimension: 3, clusterCount: 4, seed: 7)
        for centre in centres {
            let nearest = (0..<4).map { c in zip(centre, vocabulary.centroids[(c * 3)..<(c * 3 + 3)]).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }.min()!
            XCTAssertLessThan(nearest.squareRoot(), 0.2)
        }
        // Deterministic for a seed.
        let again = try VLADVocabulary.train(samples: samples, dimension: 3, clusterCount: 4, seed: 7)
        XCTAssertEqual(again.centroids, vocabulary.centroids)
        XCTAssertThrowsError(try VLADVocabulary.train(samples: [1, 2, 3], dimension: 3, clusterCount: 4))
    }

    func testEncodingIsUnitAndSeparatesImages() throws {
        var rng = SeededGenerator(seed: 2)
        let vocabulary = try VLADVocabulary.train(samples: clustered(centres, perCluster: 100, spread: 1, &rng), dimension: 3, clusterCount: 4)
        // Two "images" drawn from the same distribution vs one from shifted clusters.
        let a = vocabulary.encode(clustered(centres, perCluster: 30, spread: 1, &rng).map { $0 + 0.5 })
        let b = vocabulary.encode(clustered(centres, perCluster: 30, spread: 1, &rng).map { $0 + 0.5 })
        let c = vocabulary.encode(clustered(centres, perCluster: 30, spread: 1, &rng).map { $0 - 0.5 })
        func dotp(_ x: [Float], _ y: [Float]) -> Float { zip(x, y).map(*).reduce(0, +) }
        XCTAssertEqual(dotp(a, a), 1, accuracy: 1e-5)
        XCTAssertGreaterThan(dotp(a, b), dotp(a, c) + 0.5)
        XCTAssertEqual(vocabulary.encode([]), [Float](repeating: 0, count: 12))
    }
}
