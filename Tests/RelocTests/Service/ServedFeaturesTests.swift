import _TestSupport
import Formats
import Foundation
@testable import Reloc
import XCTest

/// `reloc serve` reads the database features in place: the file is made on the first start,
/// reused after, made again when stale or damaged, and its features equal the HDF5 store's.
extension ServedMapTests {
    func testTheFileIsMadeOnceReusedAndRemadeWhenStaleOrDamaged() throws {
        let run = try copy()
        var said: [String] = []
        let first = try ServedMap(folder: run, say: { said.append($0) })
        guard case .file(let file) = first.features.backing else { return XCTFail("not read in place: \(said)") }
        XCTAssertTrue(said.contains { $0.contains("written for reading in place") }, "\(said)")
        let path = file.path
        // Every image as the HDF5 store holds it, its descriptors rounded to float16 as stored.
        let store = try FeatureStore(path: try ServedMap.locate(first.record.files.features, in: run, what: "store"), mode: .read)
        for name in file.names {
            var stored = try store.read(name)
            stored.descriptors = stored.descriptors.map { Float(Float16($0)) }
            XCTAssertEqual(first.features.read(name), stored, name)
        }
        // Reused: not written again.
        said = []
        let second = try ServedMap(folder: run, say: { said.append($0) })
        XCTAssertFalse(said.contains { $0.contains("written") }, "\(said)")
        XCTAssertEqual(second.features.count, first.features.count)
        XCTAssertTrue(first.features.readNow)
        XCTAssertFalse(second.features.readNow, "a reused file: the VLAD check is not run again")
        // The global descriptors changed (their modification time): made again, and checked again.
        let global = try ServedMap.locate("global-vlad_\(first.record.features).h5", in: run, what: "VLAD")
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: global)
        XCTAssertTrue(try ServedMap(folder: run).features.readNow)
        // Stale: the store changed (its modification time) → made again.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: store.path)
        said = []
        _ = try ServedMap(folder: run, say: { said.append($0) })
        XCTAssertTrue(said.contains { $0.contains("made from another store") }, "\(said)")
        // Damaged index → made again.
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 2] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        said = []
        _ = try ServedMap(folder: run, say: { said.append($0) })
        XCTAssertTrue(said.contains { $0.contains("checksum") && $0.contains("making it again") }, "\(said)")
        XCTAssertNoThrow(try ServeFeatureFile(path: path))
    }

    /// Where the file cannot be written (a read-only volume; here: a folder in its place, which
    /// even root cannot rename over), the features are read into memory and served alike.
    func testAnUnwritableFileFallsBackToMemory() throws {
        let run = try copy()
        let record = try ServedMap.readRecord(folder: run)
        let path = ServedFeatures.filePath(folder: run, storePath: record.files.features)
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path + "/blocked", withIntermediateDirectories: true)
        var said: [String] = []
        let map = try ServedMap(folder: run, say: { said.append($0) })
        guard case .memory = map.features.backing else { return XCTFail("expected the in-memory fallback: \(said)") }
        XCTAssertTrue(said.contains { $0.hasPrefix("warning:") }, "\(said)")
        let onFile = try ServedMap(folder: try copy())
        for name in ["db/db_0000.jpg", "db/db_0005.jpg"] { XCTAssertEqual(map.features.read(name), onFile.features.read(name), name) }
    }
}
