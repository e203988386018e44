import _TestSupport
@testable import Formats
import Foundation
import Geometry
import XCTest

final class FeatureStoreTests: XCTestCase {
    /// float16 descriptors round to nearest: HDF5 1.10's own float32 → float16 conversion stored
    /// values whose rounding carries into the exponent (0.062486…) as 0.
    func testHalfDescriptorsRoundToNearest() throws {
        let path = TestSupport.temporaryFolder(self) + "/half.h5"
        var rng = SeededGenerator(seed: 4)
        var values: [Float] = [0.062486313, 0.12499, 0.2499999, 1.9999, 6.1e-5, -0.031249, 0, 1]
        values += (0..<(256 * 8 - values.count)).map { _ in Float.random(in: -0.3...0.3, using: &rng) }
        let store = try FeatureStore(path: path, mode: .create)
        try store.write("a", ImageFeatures(keypoints: [SIMD2<Float>](repeating: SIMD2(1, 1), count: 8), descriptors: values, descriptorDimension: 256,
                                           scores: [], imageSize: SIMD2(2, 2)), halfDescriptors: true)
        let back = try store.read("a").descriptors
        for (a, b) in zip(back, values) { XCTAssertEqual(a, Float(Float16(b)), "\(b)") }
    }

    let fixtures = TestSupport.fixture("FormatsTests", "")

    func testReadsFeaturesWrittenByH5py() throws {
        // tools/make_h5py_fixture.py wrote these as hloc does (float16 by default).
        let store = try FeatureStore(path: fixtures + "/features.h5", mode: .read)
        XCTAssertEqual(try store.names(), ["db/a.jpg", "query/day/q.jpg"])
        let a = try store.read("db/a.jpg")
        // hloc keypoints are COLMAP − 0.5: the accessor adds 0.5 back.
        XCTAssertEqual(a.keypoints, [SIMD2(11, 20.75), SIMD2(100.5, 200.5), SIMD2(640, 0.5)])
        XCTAssertEqual(a.descriptorDimension, 4)
        // D×N on disk; descriptor i contiguous in memory.
        XCTAssertEqual(a.descriptors, [1, 0, 0, 0, 0, 1, 0, 0, 0.5, 0.5, 0.5, 0.5])
        XCTAssertEqual(a.scores, [0.75, 0.5, 0.25])
        XCTAssertEqual(a.imageSize, SIMD2(640, 480))
        XCTAssertEqual(a.uncertainty, 0.5)
        let q = try store.read("query/day/q.jpg")
        XCTAssertEqual(q.keypoints, [SIMD2(1.5, 2.5), SIMD2(3.5, 4.5)])
        XCTAssertEqual(q.descriptors, [0.6, 0.8, 0, 0, 0, 0, 1, 0])
        XCTAssertTrue(q.scores.isEmpty)
        XCTAssertNil(q.uncertainty)
        XCTAssertFalse(store.contains("db/missing.jpg"))
        XCTAssertThrowsError(try store.read("db/missing.jpg")) { XCTAssertTrue("\($0)".contains("features.h5: no dataset db/missing.jpg/keypoints"), "\($0)") }
    }

    func testReadsMatchesWrittenByH5pyInBothDirectionsAndTheOldForm() throws {
        let store = try MatchStore(path: fixtures + "/matches.h5", mode: .read)
        XCTAssertEqual(try store.read("query/day/q.jpg", "db/a.jpg"), [KeypointMatch(index0: 0, index1: 2, score: 0.5)])
        // Reversed lookup inverts the matches.
        XCTAssertEqual(try store.read("db/a.jpg", "query/day/q.jpg"), [KeypointMatch(index0: 2, index1: 0, score: 0.5)])
        XCTAssertEqual(try store.read("x.jpg", "y.jpg"), [KeypointMatch(index0: 0, index1: 1, score: 1), KeypointMatch(index0: 1, index1: 0, score: 0.25)])
        XCTAssertNil(try store.read("x.jpg", "z.jpg"))
        XCTAssertEqual(MatchStore.pairKey("query/day/q.jpg", "db/a.jpg"), "query-day-q.jpg/db-a.jpg")
    }

    func testRoundTripFloat32AndFloat16() throws {
        let folder = TestSupport.temporaryFolder(self)
        var rng = SeededGeneratorForTests(seed: 3)
        let n = 50, d = 128
        let features = ImageFeatures(keypoints: (0..<n).map { _ in SIMD2(Float(rng.unit() * 1000), Float(rng.unit() * 700)) },
                                     descriptors: (0..<(n * d)).map { _ in Float(rng.unit()) }, descriptorDimension: d,
                                     scores: (0..<n).map { _ in Float(rng.unit()) }, imageSize: SIMD2(1024, 768), uncertainty: 1)
        do {
            let store = try FeatureStore(path: folder + "/f.h5", mode: .create)
            try store.write("db/sub dir/x.jpg", features)
            try store.write("half.jpg", features, halfDescriptors: true)
        }
        do {
            let store = try FeatureStore(path: folder + "/f.h5", mode: .read)
            XCTAssertEqual(try store.names(), ["db/sub dir/x.jpg", "half.jpg"])
            XCTAssertEqual(try store.read("db/sub dir/x.jpg"), features)
            let half = try store.read("half.jpg")
            XCTAssertEqual(half.keypoints, features.keypoints)
            for (a, b) in zip(half.descriptors, features.descriptors) { XCTAssertEqual(a, b, accuracy: 1e-3) }
        }
        // Reopening for update (no other handle open) keeps entries and replaces one.
        do {
            let update = try FeatureStore(path: folder + "/f.h5", mode: .update)
            var changed = features
            changed.imageSize = SIMD2(10, 20)
            try update.write("half.jpg", changed)
        }
        XCTAssertEqual(try FeatureStore(path: folder + "/f.h5", mode: .read).read("half.jpg").imageSize, SIMD2(10, 20))

        let matches = try MatchStore(path: folder + "/m.h5", mode: .create)
        try matches.write("q/a.jpg", "db/b.jpg", matches0: [3, -1, 0], scores0: [0.9, 0, 0.4])
        XCTAssertEqual(try matches.read("db/b.jpg", "q/a.jpg"), [KeypointMatch(index0: 0, index1: 2, score: 0.4), KeypointMatch(index0: 3, index1: 0, score: 0.9)])
    }

    func testBadFilesGiveErrorsNamingThem() throws {
        let folder = TestSupport.temporaryFolder(self)
        XCTAssertThrowsError(try FeatureStore(path: folder + "/missing.h5", mode: .read)) { XCTAssertTrue("\($0)".contains("missing.h5: no such feature file")) }
        try "not hdf5".write(toFile: folder + "/text.h5", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try FeatureStore(path: folder + "/text.h5", mode: .read)) { XCTAssertTrue("\($0)".contains("text.h5: not an HDF5 file")) }
        XCTAssertThrowsError(try FeatureStore(path: folder + "/text.h5", mode: .update)) { XCTAssertTrue("\($0)".contains("text.h5")) }
        // A truncated HDF5 file.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: fixtures + "/features.h5"))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: folder + "/cut.h5"))
        do {
            let store = try FeatureStore(path: folder + "/cut.h5", mode: .read)
            XCTAssertThrowsError(try store.read("db/a.jpg")) { XCTAssertTrue("\($0)".contains("cut.h5"), "\($0)") }
        } catch {
            XCTAssertTrue("\(error)".contains("cut.h5"), "\(error)")
        }
    }
}

/// A tiny deterministic generator for test data (Geometry's SeededGenerator lives behind Reloc).
struct SeededGeneratorForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
    }
}
