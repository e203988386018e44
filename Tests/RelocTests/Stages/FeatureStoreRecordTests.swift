import _TestSupport
import Formats
import Foundation
@testable import Reloc
import XCTest

/// A features store says what it holds: the record in the file, read back by the readers that
/// used to guess from the file's name.
final class FeatureStoreRecordTests: XCTestCase {
    func store(_ name: String, record: FeatureStoreRecord?) throws -> String {
        let path = TestSupport.temporaryFolder(self) + "/" + name
        let store = try FeatureStore(path: path, mode: .create)
        try store.write("a.jpg", ImageFeatures(keypoints: [SIMD2(1, 2)], descriptors: [1, 0], descriptorDimension: 2, scores: [1],
                                               imageSize: SIMD2(4, 4)))
        if let record { try store.writeRecord(record) }
        try store.flush()
        return path
    }

    func testRecordRoundTripsAndIsJSONInTheFile() throws {
        var record = FeatureStoreRecord(kind: "aliked-n16", maxKeypoints: 2048, maxEdge: 1024)
        record.detectionThreshold = 0.05
        let path = try store("feats.h5", record: record)
        XCTAssertEqual(try FeatureStore(path: path, mode: .read).record(), record)
        // Another reader sees plain JSON with snake_case keys, sorted.
        let text = try HDF5File(path: path, mode: .read, what: "store").readStringAttribute("/", "reloc_features")
        XCTAssertEqual(text, #"{"detection_threshold":0.05,"kind":"aliked-n16","max_edge":1024,"max_keypoints":2048}"#)
        XCTAssertNil(try FeatureStore(path: try store("hloc.h5", record: nil), mode: .read).record())
    }

    func testAnUnreadableRecordNamesTheStore() throws {
        let path = try store("bad.h5", record: nil)
        let file = try HDF5File(path: path, mode: .update, what: "store")
        try file.writeStringAttribute("/", "reloc_features", "not json")
        try file.flush()
        XCTAssertThrowsError(try FeatureStore(path: path, mode: .read).record()) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
        // A number where a string belongs.
        try file.writeAttribute("/", "reloc_features", 3)
        try file.flush()
        XCTAssertThrowsError(try FeatureStore(path: path, mode: .read).record()) { XCTAssertTrue("\($0)".contains(path), "\($0)") }
    }

    func testLightGlueWeightsComeFromTheRecordNotTheName() throws {
        // A store named without its kind that holds ALIKED features gets ALIKED's LightGlue …
        let aliked = try store("feats.h5", record: FeatureStoreRecord(kind: "aliked-n16", maxKeypoints: 2048, maxEdge: 1024))
        XCTAssertEqual(try LightGlueSettings.publishedFile(forFeatures: aliked), "aliked_lightglue.pth")
        // … a store whose name says ALIKED but that holds SIFT gets none …
        let sift = try store("feats-aliked.h5", record: FeatureStoreRecord(kind: "sift", maxKeypoints: 8192, maxEdge: 1600))
        XCTAssertNil(try LightGlueSettings.publishedFile(forFeatures: sift))
        XCTAssertThrowsError(try LightGlueSettings.resolve(.lightglue, featuresName: sift, weightsFolder: "/none")) {
            XCTAssertTrue("\($0)".contains("aliked-n16, aliked-n16rot, aliked-n32, aliked-t16, disk"), "\($0)")
        }
        // … and hloc's store without a record is known by its name, as before.
        let hloc = try store("feats-disk.h5", record: nil)
        XCTAssertEqual(try LightGlueSettings.publishedFile(forFeatures: hloc), "disk_lightglue.pth")
        XCTAssertEqual(try LightGlueSettings.publishedFile(forFeatures: "aliked-t16"), "aliked_lightglue.pth")
        // A kind this reloc does not know is named, not matched by nearest neighbours in silence.
        let unknown = try store("feats-x.h5", record: FeatureStoreRecord(kind: "xfeat-99", maxKeypoints: 1, maxEdge: 1))
        XCTAssertThrowsError(try LightGlueSettings.publishedFile(forFeatures: unknown)) {
            XCTAssertTrue("\($0)".contains(unknown) && "\($0)".contains("xfeat-99"), "\($0)")
        }
    }

    func testExtractionRecordsItsKindAndRefusesAStoreOfAnother() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = try store("feats.h5", record: FeatureStoreRecord(kind: "disk", maxKeypoints: 2048, maxEdge: 1024))
        let task = ExtractTask(imageFolder: folder, lists: [], output: path, settings: ExtractionSettings(kind: .sift, maxEdge: 100, maxKeypoints: 10))
        XCTAssertThrowsError(try task.checkRecord(of: FeatureStore(path: path, mode: .update), warn: { _ in })) {
            XCTAssertTrue("\($0)".contains("holds disk features, not sift"), "\($0)")
        }
        // Same kind, other settings: a warning, then the store records this run's.
        let sift = try store("sift.h5", record: FeatureStoreRecord(kind: "sift", maxKeypoints: 99, maxEdge: 100))
        var warnings: [String] = []
        let siftTask = ExtractTask(imageFolder: folder, lists: [], output: sift, settings: ExtractionSettings(kind: .sift, maxEdge: 100, maxKeypoints: 10))
        try siftTask.checkRecord(of: FeatureStore(path: sift, mode: .update), warn: { warnings.append($0) })
        XCTAssertEqual(warnings.count, 1)
        XCTAssertEqual(try FeatureStore(path: sift, mode: .read).record(), siftTask.settings.record)
    }

    func testMergedShardsKeepTheirRecordAndRefuseDifferentOnes() throws {
        let record = FeatureStoreRecord(kind: "rootsift", maxKeypoints: 8192, maxEdge: 1600)
        let a = try store("a.h5", record: record)
        let bPath = TestSupport.temporaryFolder(self) + "/b.h5"
        let b = try FeatureStore(path: bPath, mode: .create)
        try b.write("b.jpg", ImageFeatures(keypoints: [SIMD2(1, 2)], descriptors: [1, 0], descriptorDimension: 2, scores: [1], imageSize: SIMD2(4, 4)))
        try b.writeRecord(record)
        try b.flush()
        let output = TestSupport.temporaryFolder(self) + "/merged.h5"
        _ = try MergeStoresTask(inputs: [a, bPath], output: output).run()
        XCTAssertEqual(try FeatureStore(path: output, mode: .read).record(), record)
        let other = try store("c.h5", record: FeatureStoreRecord(kind: "sift", maxKeypoints: 8192, maxEdge: 1600))
        XCTAssertThrowsError(try MergeStoresTask(inputs: [a, other], output: output + ".2").run()) {
            XCTAssertTrue("\($0)".contains("records other features"), "\($0)")
        }
    }
}
