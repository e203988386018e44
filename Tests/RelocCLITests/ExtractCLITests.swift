import Features
import Foundation
import Reloc
import XCTest
import _TestSupport

final class ExtractCLITests: XCTestCase {
    let reloc = TestSupport.executable("reloc")

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: reloc) else { throw XCTSkip("reloc binary not built") }
    }

    func textured(_ width: Int, _ height: Int, seed: Int) -> Image8 {
        var image = Image8(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                let v = ((x / 9 &* 73 ^ y / 7 &* 151 ^ seed &* 31) & 0xFF)
                for c in 0..<3 { image[x, y, c] = UInt8((v + c * 40) & 0xFF) }
            }
        }
        return image
    }

    func testExtractIsResumableAndSkipsBadImages() throws {
        let folder = TestSupport.temporaryFolder(self)
        try FileManager.default.createDirectory(atPath: folder + "/images/db", withIntermediateDirectories: true)
        try Data(try JPEG.encode(textured(200, 150, seed: 1), quality: 95)).write(to: URL(fileURLWithPath: folder + "/images/db/a.jpg"))
        try Data(try PNG.encode(textured(160, 120, seed: 2))).write(to: URL(fileURLWithPath: folder + "/images/db/b.png"))
        try Data("broken".utf8).write(to: URL(fileURLWithPath: folder + "/images/db/c.jpg"))
        let output = folder + "/feats.h5"

        var result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--max-edge", "100"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains(folder + "/images/db/c.jpg: cannot read image"), result.stderr)
        XCTAssertTrue(result.stdout.contains("extracted 2 images"), result.stdout)
        do {
            let store = try FeatureStore(path: output, mode: .read)
            XCTAssertEqual(try store.names(), ["db/a.jpg", "db/b.png"])
            let a = try store.read("db/a.jpg")
            // Keypoints are in the original image's pixels although extraction ran at 100 px.
            XCTAssertEqual(a.imageSize, SIMD2(200, 150))
            XCTAssertGreaterThan(a.count, 0)
            XCTAssertTrue(a.keypoints.allSatisfy { $0.x >= 0 && $0.x <= 200 && $0.y >= 0 && $0.y <= 150 })
            XCTAssertGreaterThan(a.keypoints.map(\.x).max()!, 100)
            XCTAssertEqual(a.uncertainty ?? 0, 2, accuracy: 0.01)
        }
        // Again: nothing to do. With a list naming one image and --overwrite: that one only.
        result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--max-edge", "100"])
        XCTAssertTrue(result.stdout.contains("extracted 0 images"), result.stdout)
        XCTAssertTrue(result.stdout.contains("skipped 2"), result.stdout)
        try "db/b.png\n".write(toFile: folder + "/list.txt", atomically: true, encoding: .utf8)
        // The store records that it holds SIFT: RootSIFT into it is refused, naming the store.
        result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--list", folder + "/list.txt",
                                             "--overwrite", "--features", "rootsift"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\(output): holds sift features, not rootsift"), result.stderr)
        result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--list", folder + "/list.txt",
                                             "--overwrite", "--max-edge", "100"])
        XCTAssertTrue(result.stdout.contains("extracted 1 images"), result.stdout)
        XCTAssertEqual(try FeatureStore(path: output, mode: .read).record()?.kind, "sift")
        // Matching: each unordered pair once, resumable, matches readable in either order.
        try "db/a.jpg db/b.png\ndb/b.png db/a.jpg\n".write(toFile: folder + "/pairs.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["match", "--pairs", folder + "/pairs.txt", "--features", output, "--output", folder + "/m.h5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("matched 1 pairs"), result.stdout)
        result = try TestSupport.run(reloc, ["match", "--pairs", folder + "/pairs.txt", "--features", output, "--output", folder + "/m.h5"])
        XCTAssertTrue(result.stdout.contains("matched 0 pairs"), result.stdout)
        XCTAssertTrue(result.stdout.contains("skipped 1"), result.stdout)
        do {
            let matches = try MatchStore(path: folder + "/m.h5", mode: .read)
            let forward = try XCTUnwrap(matches.read("db/a.jpg", "db/b.png"))
            let backward = try XCTUnwrap(matches.read("db/b.png", "db/a.jpg"))
            XCTAssertEqual(forward.count, backward.count)
        }
        try "db/a.jpg db/missing.jpg\n".write(toFile: folder + "/bad-pairs.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["match", "--pairs", folder + "/bad-pairs.txt", "--features", output, "--output", folder + "/m.h5"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("no features for 'db/missing.jpg'"), result.stderr)
        // Names that climb out of the image folder are refused.
        try "../secret.jpg\n".write(toFile: folder + "/evil.txt", atomically: true, encoding: .utf8)
        result = try TestSupport.run(reloc, ["extract", "--images", folder + "/images", "--output", output, "--list", folder + "/evil.txt"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("evil.txt:1: image name '../secret.jpg' climbs out of the image folder"), result.stderr)
    }
}
