import _TestSupport
@testable import Formats
import Foundation
import XCTest

/// The journal that marks an HDF5 store as unfinished, and the rebuild that keeps only the
/// entries a flush confirmed.
final class StoreRecoveryTests: XCTestCase {
    func features(_ n: Int, value: Float) -> ImageFeatures {
        ImageFeatures(keypoints: (0..<n).map { SIMD2(Float($0), value) }, descriptors: [Float](repeating: value, count: 4 * n),
                      descriptorDimension: 4, scores: [Float](repeating: 1, count: n), imageSize: SIMD2(64, 48))
    }

    /// Opens a feature store for update the way `reloc extract` does, collecting the warnings.
    func reopenFeatureStore(_ path: String) throws -> (FeatureStore, StoreJournal, [String]) {
        var warnings: [String] = []
        let (store, journal) = try openForUpdateOrRebuild(path, warn: { warnings.append($0) }) { try FeatureStore(path: path, mode: $0) }
        return (store, journal, warnings)
    }

    func testUnfinishedStoreKeepsOnlyConfirmedEntries() throws {
        let path = TestSupport.temporaryFolder(self) + "/feats.h5"
        var warnings: [String] = []
        do {
            let (store, journal) = try openForUpdateOrRebuild(path, warn: { warnings.append($0) }) { try FeatureStore(path: path, mode: $0) }
            try store.write("db/a.jpg", features(3, value: 0.25), halfDescriptors: true)
            journal.wrote("db/a.jpg")
            try store.flush()
            try journal.flushed()
            try store.write("db/b.jpg", features(2, value: 0.5))
            journal.wrote("db/b.jpg")
            // The process "dies" here: no flushed(), no close(); the store's deinit still closes
            // the file, so b is on disk, yet never confirmed — the rebuild must drop it.
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: path + ".journal"))
        XCTAssertTrue(warnings.isEmpty)
        let (store, journal) = try openForUpdateOrRebuild(path, warn: { warnings.append($0) }) { try FeatureStore(path: path, mode: $0) }
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("feats.h5: left unfinished by a killed run; rebuilt with its 1 confirmed entries"), warnings[0])
        XCTAssertEqual(try store.names(), ["db/a.jpg"])
        let a = try store.read("db/a.jpg")
        XCTAssertEqual(a.keypoints, features(3, value: 0.25).keypoints)
        XCTAssertEqual(a.descriptors, features(3, value: 0.25).descriptors)
        XCTAssertEqual(a.imageSize, SIMD2(64, 48))
        journal.close(flushing: store.flush)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".journal"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path + ".rebuild"))
        // A finished store opens without a rebuild.
        warnings.removeAll()
        let (again, againJournal) = try openForUpdateOrRebuild(path, warn: { warnings.append($0) }) { try FeatureStore(path: path, mode: $0) }
        XCTAssertEqual(try again.names(), ["db/a.jpg"])
        againJournal.close(flushing: again.flush)
        XCTAssertTrue(warnings.isEmpty)
    }

    func testMatchStoreRebuildKeepsConfirmedPairsWithTheirTypes() throws {
        let path = TestSupport.temporaryFolder(self) + "/matches.h5"
        do {
            let (store, journal) = try openForUpdateOrRebuild(path, warn: { _ in }) { try MatchStore(path: path, mode: $0) }
            try store.write("q/a.jpg", "db/1.jpg", matches0: [1, -1, 0], scores0: [0.5, 0, 0.25])
            journal.wrote(MatchStore.pairKey("q/a.jpg", "db/1.jpg"))
            try store.flush()
            try journal.flushed()
            try store.write("q/a.jpg", "db/2.jpg", matches0: [0], scores0: [1])
            journal.wrote(MatchStore.pairKey("q/a.jpg", "db/2.jpg"))
        }
        let (store, _) = try openForUpdateOrRebuild(path, warn: { _ in }) { try MatchStore(path: path, mode: $0) }
        XCTAssertEqual(try store.read("q/a.jpg", "db/1.jpg"),
                       [KeypointMatch(index0: 0, index1: 1, score: 0.5), KeypointMatch(index0: 2, index1: 0, score: 0.25)])
        XCTAssertNil(try store.read("q/a.jpg", "db/2.jpg"))
    }

    func testJournalWithAnUnreadableStoreStartsEmpty() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = folder + "/feats.h5"
        // Killed before HDF5 wrote its superblock: a few bytes, and the journal.
        try Data([0x89, 0x48, 0x44]).write(to: URL(fileURLWithPath: path))
        try Data((StoreJournal.header + "\ndb/a.jpg\ndb/b.j").utf8).write(to: URL(fileURLWithPath: path + ".journal"))
        let (store, journal, warnings) = try reopenFeatureStore(path)
        XCTAssertEqual(try store.names(), [])
        XCTAssertTrue(warnings.first?.contains("rebuilt with its 0 confirmed entries") ?? false, "\(warnings)")
        journal.close(flushing: store.flush)
    }

    func testAJournalRelocDidNotWriteConfirmsNothing() throws {
        let path = TestSupport.temporaryFolder(self) + "/feats.h5"
        do {
            let (store, journal) = try openForUpdateOrRebuild(path, warn: { _ in }) { try FeatureStore(path: path, mode: $0) }
            try store.write("a.jpg", features(2, value: 1))
            journal.wrote("a.jpg")
            journal.close(flushing: store.flush)
        }
        try Data("something else\na.jpg\n".utf8).write(to: URL(fileURLWithPath: path + ".journal"))
        let (store, journal, warnings) = try reopenFeatureStore(path)
        XCTAssertEqual(try store.names(), [])
        XCTAssertTrue(warnings.first?.contains("is not one reloc wrote, so no entry is confirmed") ?? false, "\(warnings)")
        journal.close(flushing: store.flush)
    }

    func testUnreadableStoreWithoutJournalIsMovedAside() throws {
        let path = TestSupport.temporaryFolder(self) + "/feats.h5"
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: path))
        let (store, journal, warnings) = try reopenFeatureStore(path)
        XCTAssertEqual(try store.names(), [])
        XCTAssertTrue(warnings.first?.contains("moved to \(path).corrupt") ?? false, "\(warnings)")
        XCTAssertEqual(FileManager.default.contents(atPath: path + ".corrupt"), Data("not hdf5".utf8))
        journal.close(flushing: store.flush)
    }
}
