@testable import Features
import XCTest
import _TestSupport

/// OpenCV drops keypoints that repeat another exactly (two DoG samples refined to the same
/// extremum); so does reloc, before keeping the strongest N.
final class DuplicateKeypointTests: XCTestCase {
    func candidate(_ x: Double, _ y: Double, response: Double, sigma: Double = 2, angle: Double = 1, octave: Int = 0) -> SIFT.Candidate {
        SIFT.Candidate(octave: octave, layer: 1, x: x, y: y, sigma: sigma, response: response, angle: angle)
    }

    func testExactRepeatsAreDroppedAndEverythingElseKept() {
        let sorted = [
            candidate(10, 5, response: 0.9), candidate(10, 5, response: 0.9),  // repeat
            candidate(10, 5, response: 0.9, angle: 2),  // second orientation: kept
            candidate(10, 5, response: 0.9),  // repeat of the first, after the second orientation
            candidate(10, 5, response: 0.9, sigma: 2.5),  // other scale: kept
            candidate(10, 5, response: 0.9, octave: 1),  // other octave: kept
            candidate(11, 5, response: 0.8), candidate(11, 5, response: 0.8), candidate(11, 5, response: 0.8),
            candidate(10, 5, response: 0.7),  // same place, other response: kept
        ]
        let kept = SIFT.removingDuplicates(sorted)
        XCTAssertEqual(kept.count, 6)
        XCTAssertEqual(kept.map(\.response), [0.9, 0.9, 0.9, 0.9, 0.8, 0.7])
        XCTAssertEqual(kept.map(\.angle), [1, 2, 1, 1, 1, 1])
        XCTAssertEqual(kept.map(\.sigma), [2, 2, 2.5, 2, 2, 2])
        XCTAssertEqual(kept.map(\.octave), [0, 0, 0, 1, 0, 0])
    }

    func testExtractedKeypointsDoNotRepeat() throws {
        guard let graf = TestSupport.sharedDataset("graf") else { throw XCTSkip("../shared/datasets absent") }
        var options = SIFTOptions()
        options.upsample = true
        let features = SIFT.extract(GrayImage(try ImageFile.read(path: graf + "/graf3.png", channels: 1)), options: options)
        var seen = Set<[Float]>()
        for k in 0..<features.count {
            let key = [features.keypoints[k].x, features.keypoints[k].y, features.scales[k], features.orientations[k]]
            XCTAssertTrue(seen.insert(key).inserted, "keypoint \(k) repeats \(key)")
        }
        XCTAssertGreaterThan(features.count, 1000)
    }
}

/// The keypoint floor's choice among located extrema.
final class KeypointFloorSelectionTests: XCTestCase {
    func candidate(_ response: Double, x: Double) -> SIFT.Candidate {
        SIFT.Candidate(octave: 0, layer: 1, x: x, y: 3, sigma: 2, response: response, angle: 0)
    }

    func testStrongestAreKeptDownToTheFloor() {
        // Contrast threshold 0.04 with 3 layers: a response of at least 0.04 / 3 passes.
        let found = [0.02, 0.005, 0.013, 0.0134, 0.009, 0.03, 0.004].enumerated().map { candidate($1, x: Double($0)) }
        var options = SIFTOptions()
        let nominal = SIFT.selectLocations(found, options: options)
        XCTAssertEqual(nominal.aboveThreshold, 3)
        XCTAssertEqual(nominal.selected.map(\.response), [0.02, 0.0134, 0.03])  // detection order kept
        options.minimumKeypoints = 5
        let floored = SIFT.selectLocations(found, options: options)
        XCTAssertEqual(floored.aboveThreshold, 3)
        XCTAssertEqual(floored.selected.map(\.response), [0.03, 0.02, 0.0134, 0.013, 0.009])
        options.minimumKeypoints = 3  // met by the nominal threshold: nothing weaker added
        XCTAssertEqual(SIFT.selectLocations(found, options: options).selected.count, 3)
        options.minimumKeypoints = 100  // more than were found: all of them
        XCTAssertEqual(SIFT.selectLocations(found, options: options).selected.count, found.count)
    }
}
