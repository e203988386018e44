import _TestSupport
@testable import Formats
import Foundation
import Geometry
import XCTest

final class TextFormatsTests: XCTestCase {
    func testQueryListParsesAachenLines() throws {
        let text = """
            # Aachen-style list
            query/day/IMG_1.jpg SIMPLE_RADIAL 1600 1200 1469.2 800 600 -0.0353\r
            query/night/IMG_2.jpg PINHOLE 1536 1024 1379.74 1382.08 760.345 503.405

            """
        let queries = try QueryList.parse(text, file: "q.txt")
        XCTAssertEqual(queries.map(\.name), ["query/day/IMG_1.jpg", "query/night/IMG_2.jpg"])
        XCTAssertEqual(queries[0].camera, try Camera(model: .simpleRadial, width: 1600, height: 1200, params: [1469.2, 800, 600, -0.0353]))
        XCTAssertEqual(try QueryList.parse(QueryList.format(queries), file: "again"), queries)
    }

    func testQueryListErrorsNameFileAndLine() {
        let cases: [(String, Int, String)] = [
            ("a.jpg PINHOLE 10 10 1 2 3 4\na.jpg PINHOLE 10 10 1 2 3 4\n", 2, "duplicate query"),
            ("a.jpg PINHOLE 10 10 1 2 3\n", 1, "takes 4 parameters"),
            ("# c\na.jpg KANNALA 10 10 1 2 3\n", 2, "unknown camera model"),
            ("a.jpg PINHOLE ten 10 1 2 3 4\n", 1, "width"),
            ("a.jpg\n", 1, "expected NAME MODEL"),
            ("ok.jpg PINHOLE 10 10 1 2 3 4\n/etc/a.jpg PINHOLE 10 10 1 2 3 4\n", 2, "is absolute"),
            ("q/../../a.jpg PINHOLE 10 10 1 2 3 4\n", 1, "climbs out of the image folder with '..'"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try QueryList.parse(text, file: "list.txt")) { error in
                XCTAssertTrue("\(error)".hasPrefix("list.txt:\(line): "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }

    func testEmptyFilesAreErrors() throws {
        let folder = TestSupport.temporaryFolder(self)
        let path = folder + "/empty.txt"
        try "# nothing\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try QueryList.read(path: path)) { XCTAssertTrue("\($0)".contains("empty.txt: no queries")) }
        XCTAssertThrowsError(try PoseFile.read(path: path)) { XCTAssertTrue("\($0)".contains("no poses")) }
        XCTAssertThrowsError(try PoseFile.read(path: folder + "/missing.txt")) { XCTAssertTrue("\($0)".contains("missing.txt: no such file")) }
    }

    func testPairsFile() throws {
        let pairs = try PairsFile.parse("q/a.jpg db/1.jpg\nq/a.jpg db/2.jpg\n\n# c\nq/b.jpg db/1.jpg\n", file: "p")
        XCTAssertEqual(pairs, [ImagePair("q/a.jpg", "db/1.jpg"), ImagePair("q/a.jpg", "db/2.jpg"), ImagePair("q/b.jpg", "db/1.jpg")])
        XCTAssertEqual(try PairsFile.parse(PairsFile.format(pairs), file: "p"), pairs)
        XCTAssertThrowsError(try PairsFile.parse("a b\na b c\n", file: "p")) { XCTAssertTrue("\($0)".hasPrefix("p:2:")) }
        XCTAssertThrowsError(try PairsFile.parse("a b\n# c\nq/a.jpg ../db/1.jpg\n", file: "p")) {
            XCTAssertTrue("\($0)".hasPrefix("p:3: image name '../db/1.jpg' climbs out"), "\($0)")
        }
        XCTAssertThrowsError(try PairsFile.parse("/q/a.jpg db/1.jpg\n", file: "p")) { XCTAssertTrue("\($0)".contains("p:1: image name '/q/a.jpg' is absolute"), "\($0)") }
        // A name that merely contains two dots is a plain name.
        XCTAssertEqual(try PairsFile.parse("q/a..b.jpg db/..x.jpg\n", file: "p"), [ImagePair("q/a..b.jpg", "db/..x.jpg")])
    }

    func testPoseFileRoundTripIsExact() throws {
        var rng = SeededGenerator(seed: 9)
        let entries = (0..<50).map { PoseEntry(name: "IMG_\($0).jpg", camFromWorld: TestSupport.randomRigid(&rng, scale: 300)) }
        let parsed = try PoseFile.parse(PoseFile.format(entries), file: "r.txt")
        XCTAssertEqual(parsed, entries)
        // Six-digit files (older tools) are accepted and normalized.
        let short = try PoseFile.parse("a.jpg 0.707107 0.707107 0 0 1 2 3\n", file: "s")
        XCTAssertEqual(short[0].camFromWorld.rotation.norm, 1, accuracy: 1e-15)
    }

    func testPoseFileErrors() {
        let cases: [(String, Int, String)] = [
            ("a.jpg 1 0 0 0 1 2\n", 1, "8 fields"),
            ("a.jpg 1 0 0 0 1 2 3\nb.jpg 2 0 0 0 1 2 3\n", 2, "not unit length"),
            ("a.jpg 1 0 0 0 1 2 3\na.jpg 1 0 0 0 1 2 3\n", 2, "duplicate name"),
            ("a.jpg 1 0 0 0 1 inf 3\n", 1, "not a finite number"),
            ("a.jpg 1 0 0 0 1 x 3\n", 1, "not a finite number"),
        ]
        for (text, line, message) in cases {
            XCTAssertThrowsError(try PoseFile.parse(text, file: "gt.txt")) { error in
                XCTAssertTrue("\(error)".hasPrefix("gt.txt:\(line): "), "\(error)")
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
    }

    func testAtomicWriteLeavesNoTemporaryFiles() throws {
        let folder = TestSupport.temporaryFolder(self)
        try AtomicFile.write("one\n", to: folder + "/sub/out.txt")
        try AtomicFile.write("two\n", to: folder + "/sub/out.txt")
        XCTAssertEqual(try String(contentsOfFile: folder + "/sub/out.txt", encoding: .utf8), "two\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder + "/sub"), ["out.txt"])
    }
}
