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
        // A conflicting chain: the second match would put keypoints 0 and 1 of image 0 in one track.
        XCTAssertTrue(builder.union(KeypointID(image: 0, keypoint: 0), KeypointID(image: 1, keypoint: 1)))
        XCTAssertFalse(builder.union(KeypointID(image: 1, keypoint: 1), KeypointID(image: 0, keypoint: 1)))
        let tracks = builder.tracks()
        XCTAssertEqual(tracks, [
            [KeypointID(image: 0, keypoint: 0), KeypointID(image: 1, keypoint: 1)],
            [KeypointID(image: 0, keypoint: 1), KeypointID(image: 1, keypoint: 0), KeypointID(image: 2, keypoint: 3)],
            [KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0)],
        ])
    }

    /// A long chain of matches through many images, closed by one wrong match back into the first
    /// image: the tracks stay one keypoint per image, whatever the order of the unions.
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
        XCTAssertGreaterThan(tracks.count, 10)
        for track in tracks { XCTAssertEqual(Set(track.map(\.image)).count, track.count) }
        // Every accepted match joined its two keypoints; every keypoint is in at most one track.
        XCTAssertEqual(Set(tracks.flatMap { $0 }).count, tracks.map(\.count).reduce(0, +))
    }
}
