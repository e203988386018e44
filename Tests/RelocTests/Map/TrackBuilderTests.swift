import Geometry
@testable import Reloc
import XCTest
import _TestSupport

final class TrackBuilderTests: XCTestCase {
    func testUnionsChainAcrossImages() {
        var builder = TrackBuilder(keypointCounts: [3, 2, 4])
        builder.union(KeypointID(image: 0, keypoint: 1), KeypointID(image: 1, keypoint: 0))
        builder.union(KeypointID(image: 1, keypoint: 0), KeypointID(image: 2, keypoint: 3))
        builder.union(KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0))
        builder.union(KeypointID(image: 2, keypoint: 0), KeypointID(image: 0, keypoint: 2))  // repeated
        // A track of its own, then a conflicting chain: the second match would put keypoints 0 and 1
        // of image 0 in one track; both tracks it touches are dropped, the third stays.
        XCTAssertTrue(builder.union(KeypointID(image: 0, keypoint: 0), KeypointID(image: 1, keypoint: 1)))
        XCTAssertEqual(builder.tracks().count, 3)
        XCTAssertFalse(builder.union(KeypointID(image: 1, keypoint: 1), KeypointID(image: 0, keypoint: 1)))
        XCTAssertEqual(builder.tracks(), [[KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0)]])
        // A later match onto a dropped track keeps it dropped.
        XCTAssertTrue(builder.union(KeypointID(image: 2, keypoint: 1), KeypointID(image: 0, keypoint: 0)))
        XCTAssertEqual(builder.tracks(), [[KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0)]])
    }

    /// Random matches among twelve images chain into conflicts: every track that is kept holds at
    /// most one keypoint per image.
    func testTracksNeverHoldTwoKeypointsOfOneImage() {
        var rng = SeededGenerator(seed: 11)
        let images = 12, keypoints = 30
        var matches: [(KeypointID, KeypointID)] = []
        for _ in 0..<2000 {
            let a = Int.random(in: 0..<images, using: &rng), b = Int.random(in: 0..<images, using: &rng)
            guard a != b else { continue }
            matches.append((KeypointID(image: a, keypoint: Int.random(in: 0..<keypoints, using: &rng)),
                            KeypointID(image: b, keypoint: Int.random(in: 0..<keypoints, using: &rng))))
        }
        var builder = TrackBuilder(keypointCounts: Array(repeating: keypoints, count: images))
        var refused = 0
        for (a, b) in matches where !builder.union(a, b) { refused += 1 }
        let tracks = builder.tracks()
        XCTAssertGreaterThan(refused, 0)
        for track in tracks { XCTAssertEqual(Set(track.map(\.image)).count, track.count) }
        // Every keypoint is in at most one track.
        XCTAssertEqual(Set(tracks.flatMap { $0 }).count, tracks.map(\.count).reduce(0, +))
        // With few matches most tracks are untouched by conflicts and kept.
        var sparse = TrackBuilder(keypointCounts: Array(repeating: keypoints, count: images))
        for (a, b) in matches.prefix(60) { sparse.union(a, b) }
        XCTAssertGreaterThan(sparse.tracks().count, 20)
        for track in sparse.tracks() { XCTAssertEqual(Set(track.map(\.image)).count, track.count) }
    }
}
