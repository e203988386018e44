@testable import Reloc
import XCTest

final class TrackBuilderTests: XCTestCase {
    func testUnionsChainAcrossImages() {
        var builder = TrackBuilder(keypointCounts: [3, 2, 4])
        builder.union(KeypointID(image: 0, keypoint: 1), KeypointID(image: 1, keypoint: 0))
        builder.union(KeypointID(image: 1, keypoint: 0), KeypointID(image: 2, keypoint: 3))
        builder.union(KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0))
        builder.union(KeypointID(image: 2, keypoint: 0), KeypointID(image: 0, keypoint: 2))  // repeated
        // A conflicting chain: two keypoints of image 0 end up in one track.
        builder.union(KeypointID(image: 0, keypoint: 0), KeypointID(image: 1, keypoint: 1))
        builder.union(KeypointID(image: 1, keypoint: 1), KeypointID(image: 0, keypoint: 1))
        let tracks = builder.tracks()
        XCTAssertEqual(tracks, [
            [KeypointID(image: 0, keypoint: 0), KeypointID(image: 0, keypoint: 1), KeypointID(image: 1, keypoint: 0),
             KeypointID(image: 1, keypoint: 1), KeypointID(image: 2, keypoint: 3)],
            [KeypointID(image: 0, keypoint: 2), KeypointID(image: 2, keypoint: 0)],
        ])
    }
}
