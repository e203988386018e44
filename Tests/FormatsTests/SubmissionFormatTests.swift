import Formats
import Foundation
import XCTest

/// Each benchmark's query naming, and finding a query by any of its names.
final class SubmissionFormatTests: XCTestCase {
    func testEachFormatNamesAQuery() {
        XCTAssertEqual(SubmissionFormat.aachen.submissionName("query/night/nexus5x/IMG_1.jpg"), "IMG_1.jpg")
        XCTAssertEqual(SubmissionFormat.robotcar.submissionName("query/night/rear/1417176586711245.jpg"), "rear/1417176586711245.jpg")
        XCTAssertEqual(SubmissionFormat.cmu.submissionName("slice2/query/img_01234_c0_1287504079023409us.jpg"), "img_01234_c0_1287504079023409us.jpg")
        XCTAssertEqual(SubmissionFormat.path.submissionName("seq2/frame00001.png"), "seq2/frame00001.png")
    }

    func testEachFormatRefusesTheOthersNames() {
        XCTAssertNil(SubmissionFormat.aachen.nameProblem("IMG_1.jpg"))
        XCTAssertNotNil(SubmissionFormat.aachen.nameProblem("day/IMG_1.jpg"))
        XCTAssertNil(SubmissionFormat.robotcar.nameProblem("left/1417176586711245.jpg"))
        XCTAssertNotNil(SubmissionFormat.robotcar.nameProblem("1417176586711245.jpg"))
        XCTAssertNotNil(SubmissionFormat.robotcar.nameProblem("front/1417176586711245.jpg"))
        XCTAssertNil(SubmissionFormat.cmu.nameProblem("img_00122_c1_1303398475046031us.jpg"))
        XCTAssertNotNil(SubmissionFormat.cmu.nameProblem("img_00122_c2_1303398475046031us.jpg"))
        XCTAssertNotNil(SubmissionFormat.cmu.nameProblem("img_00122_c0_1303398475046031.jpg"))
        XCTAssertNotNil(SubmissionFormat.path.nameProblem("/abs/frame.png"))
    }

    func testTheFormatIsGuessedFromTheQueryNames() {
        XCTAssertEqual(SubmissionFormat.guess(queryNames: ["q/img_00122_c0_1303398475046031us.jpg", "img_00123_c1_1303398475046032us.jpg"]), .cmu)
        XCTAssertEqual(SubmissionFormat.guess(queryNames: ["night/rear/1.jpg", "dawn/left/2.jpg"]), .robotcar)
        XCTAssertEqual(SubmissionFormat.guess(queryNames: ["night/rear/1.jpg", "query/day/2.jpg"]), .aachen)
        XCTAssertEqual(SubmissionFormat.guess(queryNames: ["seq-01/frame-000000.color.jpg", "seq-04/frame-000000.color.jpg"]), .path)
        XCTAssertEqual(SubmissionFormat.guess(queryNames: []), .aachen)
    }

    func testANameFindsTheOnePathItEnds() {
        let index = QueryNameIndex([("seq1/frame00001.png", 1), ("seq2/frame00001.png", 2), ("query/day/IMG_7.jpg", 3), ("IMG_8.jpg", 4)])
        XCTAssertEqual(index["seq2/frame00001.png"], 2)
        XCTAssertNil(index["frame00001.png"], "the basename of two paths names neither")
        XCTAssertTrue(index.isAmbiguous("frame00001.png"))
        XCTAssertEqual(index["IMG_7.jpg"], 3)
        XCTAssertEqual(index["day/IMG_7.jpg"], 3)
        XCTAssertEqual(index["IMG_8.jpg"], 4)
        XCTAssertNil(index["night/IMG_7.jpg"])
        // A full path wins over another path's ending.
        let nested = QueryNameIndex([("a/b.jpg", 1), ("b.jpg", 2), ("c/b.jpg", 3)])
        XCTAssertEqual(nested["b.jpg"], 2)
        XCTAssertEqual(nested["a/b.jpg"], 1)
    }

    func testDatasetInfoReadsBackAndRefusesANewerVersion() throws {
        let folder = NSTemporaryDirectory() + "/dsinfo-\(UUID().uuidString)"
        let info = DatasetInfo(source: "kapture", sourcePath: "/data/x", submissionFormat: .robotcar, scene: nil)
        try info.write(to: folder + "/dataset.json")
        XCTAssertEqual(try DatasetInfo.read(path: folder + "/dataset.json"), info)
        try #"{"format_version": 9, "source": "kapture", "submission_format": "aachen"}"#.write(toFile: folder + "/new.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetInfo.read(path: folder + "/new.json")) { XCTAssertTrue("\($0)".contains("new.json: format_version 9")) }
        try "{".write(toFile: folder + "/bad.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DatasetInfo.read(path: folder + "/bad.json")) { XCTAssertTrue("\($0)".contains("bad.json")) }
        try? FileManager.default.removeItem(atPath: folder)
    }
}
