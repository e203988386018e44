import Features
import Foundation
import XCTest
import _TestSupport

final class EvalMatchingCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    /// A texture, and the same texture shifted by (dx, dy) whole pixels.
    func ppm(_ width: Int, _ height: Int, shift: (Int, Int)) -> Data {
        var bytes = Array("P5\n\(width) \(height)\n255\n".utf8)
        for y in 0..<height {
            for x in 0..<width {
                let sx = x - shift.0, sy = y - shift.1
                let v = ((sx / 9 &* 73 ^ sy / 7 &* 151 ^ (sx / 23) &* 97) & 0xFF)
                bytes.append(UInt8(v))
            }
        }
        return Data(bytes)
    }

    func testHPatchesFolderWithKnownShift() throws {
        let root = TestSupport.temporaryFolder(self) + "/hpatches"
        for sequence in ["i_shift", "v_shift"] {
            let folder = root + "/" + sequence
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try ppm(240, 180, shift: (0, 0)).write(to: URL(fileURLWithPath: folder + "/1.ppm"))
            try ppm(240, 180, shift: (7, -4)).write(to: URL(fileURLWithPath: folder + "/2.ppm"))
            try "1 0 7\n0 1 -4\n0 0 1\n".write(toFile: folder + "/H_1_2", atomically: true, encoding: .utf8)
        }
        let result = try TestSupport.run(reloc, ["eval-matching", "--hpatches", root])
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let all = try XCTUnwrap(rows.first { $0.first == "all" })
        XCTAssertEqual(all[1], "2")
        // A pure shift: nearly every mutual match is right at 3 px.
        XCTAssertGreaterThan(Double(all[6])!, 0.9, result.stdout)
        XCTAssertNotNil(rows.first { $0.first == "i" })
        XCTAssertNotNil(rows.first { $0.first == "v" })
    }

    /// A learned kind, extracted as `reloc extract` does and matched by mutual nearest
    /// neighbours: on the known shift most matches are right at 3 px (0.78 for XFeat, whose
    /// keypoints come from 8 × 8 cells). Without its weights the command names the missing file; LightGlue is
    /// refused for SIFT.
    func testLearnedFeaturesOnAKnownShift() throws {
        let folder = TestSupport.temporaryFolder(self)
        try ppm(320, 240, shift: (0, 0)).write(to: URL(fileURLWithPath: folder + "/a.ppm"))
        try ppm(320, 240, shift: (7, -4)).write(to: URL(fileURLWithPath: folder + "/b.ppm"))
        try "1 0 7\n0 1 -4\n0 0 1\n".write(toFile: folder + "/H", atomically: true, encoding: .utf8)
        let pair = ["eval-matching", "--image1", folder + "/a.ppm", "--image2", folder + "/b.ppm", "--homography", folder + "/H"]

        let missing = try TestSupport.run(reloc, pair + ["--features", "xfeat", "--weights", folder + "/none"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains(folder + "/none"), missing.stderr)
        let siftGlue = try TestSupport.run(reloc, pair + ["--matcher", "lightglue"])
        XCTAssertNotEqual(siftGlue.status, 0)
        XCTAssertFalse(siftGlue.stderr.isEmpty)

        guard let weights = TestSupport.publishedWeights("xfeat.pt").map({ ($0 as NSString).deletingLastPathComponent }) else {
            throw XCTSkip("xfeat.pt is not in weights/ (reloc weights fetch)")
        }
        let result = try TestSupport.run(reloc, pair + ["--features", "xfeat", "--matcher", "nn", "--weights", weights])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("features: feats-xfeat-n4096"), result.stdout)
        XCTAssertTrue(result.stdout.contains("matcher: mutual nearest neighbours"), result.stdout)
        let row = try XCTUnwrap(result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }.first { $0.first == "all" })
        XCTAssertGreaterThan(Double(row[3])!, 100, result.stdout)
        XCTAssertGreaterThan(Double(row[6])!, 0.6, result.stdout)
    }

    func testBadHomographyNamesTheFile() throws {
        let folder = TestSupport.temporaryFolder(self)
        try ppm(64, 64, shift: (0, 0)).write(to: URL(fileURLWithPath: folder + "/a.ppm"))
        try "1 0 0\n0 1\n".write(toFile: folder + "/H", atomically: true, encoding: .utf8)
        let result = try TestSupport.run(reloc, ["eval-matching", "--image1", folder + "/a.ppm", "--image2", folder + "/a.ppm", "--homography", folder + "/H"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(folder + "/H: expected a 3x3 homography (9 numbers), found 5"), result.stderr)
    }
}
