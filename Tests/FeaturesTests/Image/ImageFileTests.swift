import Features
import Foundation
import XCTest
import _TestSupport

final class ImageFileTests: XCTestCase {
    func pattern(width: Int, height: Int) -> Image8 {
        var image = Image8(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y, 0] = UInt8((x * 7 + y * 3) % 256)
                image[x, y, 1] = UInt8((x * y) % 256)
                image[x, y, 2] = UInt8((255 - x) % 256)
            }
        }
        return image
    }

    func testPNGRoundTripIsLossless() throws {
        let image = pattern(width: 37, height: 23)
        let bytes = try PNG.encode(image)
        XCTAssertEqual(try ImageFile.decode(bytes, channels: 3), image)
        // libpng's gray conversion of an RGB PNG is its own; our gray from RGB uses OpenCV's weights.
        XCTAssertEqual(try ImageFile.decode(try PNG.encode(image.grayscale()), channels: 1), image.grayscale())
    }

    func testPNMBinaryFormats() throws {
        // P6 8-bit with a comment, and P5 16-bit (scaled to 8 bits).
        let rgb: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let p6 = Array("P6\n# a comment\n2 2\n255\n".utf8) + rgb
        let decoded = try ImageFile.decode(p6, channels: 3, name: "x.ppm")
        XCTAssertEqual(decoded.pixels, rgb)
        XCTAssertEqual([decoded.width, decoded.height], [2, 2])
        let p5 = Array("P5 2 1 65535\n".utf8) + [0xFF, 0xFF, 0x80, 0x00]
        XCTAssertEqual(try ImageFile.decode(p5, channels: 1).pixels, [255, 128])
        XCTAssertThrowsError(try ImageFile.decode(Array("P6\n2 2\n255\n".utf8) + [1, 2, 3], name: "short.ppm")) {
            XCTAssertTrue("\($0)".contains("short.ppm"), "\($0)")
            XCTAssertTrue("\($0)".contains("truncated"), "\($0)")
        }
    }

    func testOpenCVGrayWeights() {
        // Hand-computed with OpenCV's fixed-point weights: (4899·200 + 9617·100 + 1868·50 + 8192) >> 14 = 124.
        let image = Image8(width: 1, height: 1, channels: 3, pixels: [200, 100, 50])
        XCTAssertEqual(image.grayscale().pixels, [124])
        XCTAssertEqual(Image8(width: 1, height: 1, channels: 3, pixels: [255, 255, 255]).grayscale().pixels, [255])
    }

    func testBadFilesGiveErrorsNamingTheFile() throws {
        let folder = TestSupport.temporaryFolder(self)
        let cases: [(String, [UInt8], String)] = [
            ("empty.jpg", [], "empty"),
            ("garbage.png", Array("hello world".utf8), "not a JPEG, PNG"),
            ("cut.png", Array(try PNG.encode(pattern(width: 40, height: 40)).prefix(60)), ""),
            ("cut.jpg", Array(try JPEG.encode(pattern(width: 40, height: 40)).prefix(100)), ""),
        ]
        for (name, bytes, reason) in cases {
            let path = folder + "/" + name
            XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            XCTAssertThrowsError(try ImageFile.read(path: path), name) { error in
                XCTAssertTrue("\(error)".hasPrefix(path), "\(error)")
                if !reason.isEmpty { XCTAssertTrue("\(error)".contains(reason), "\(error)") }
            }
        }
        XCTAssertThrowsError(try ImageFile.read(path: folder + "/none.png")) { XCTAssertTrue("\($0)".contains("none.png: cannot read image: no such file")) }
        XCTAssertThrowsError(try ImageFile.read(path: folder)) { XCTAssertTrue("\($0)".contains("no such file")) }
    }

    func testAreaResizeKeepsExactScaleAndMean() {
        // A 300×200 ramp resized to a 128 max edge: 128×85, scale 128/300 and 85/200 exactly,
        // mean preserved (area averaging), and a ramp stays a ramp.
        var pixels = [Float](repeating: 0, count: 300 * 200)
        for y in 0..<200 { for x in 0..<300 { pixels[y * 300 + x] = Float(x) } }
        let image = GrayImage(width: 300, height: 200, pixels: pixels)
        let resized = image.resized(maxEdge: 128)
        XCTAssertEqual([resized.image.width, resized.image.height], [128, 85])
        XCTAssertEqual(resized.scale.x, 128.0 / 300.0)
        XCTAssertEqual(resized.scale.y, 85.0 / 200.0)
        let mean = { (p: [Float]) in p.reduce(0, +) / Float(p.count) }
        XCTAssertEqual(mean(resized.image.pixels), mean(pixels), accuracy: 1e-2)
        // Output pixel ox covers input [ox/s, (ox+1)/s): its value is the ramp's mean there.
        for ox in [0, 50, 127] {
            let expected = (Double(ox) + 0.5) / resized.scale.x - 0.5
            // Pixels are piecewise constant, so the mean over a fractional interval differs slightly.
            XCTAssertEqual(Double(resized.image[ox, 40]), expected, accuracy: 0.1)
        }
        XCTAssertEqual(image.resized(maxEdge: 400).scale, SIMD2(1, 1))
    }

    func testReadsRealPNGWhenPresent() throws {
        guard let graf = TestSupport.sharedDataset("graf") else { throw XCTSkip("../shared/datasets absent") }
        let image = try ImageFile.read(path: graf + "/graf1.png", channels: 1)
        XCTAssertEqual([image.width, image.height], [800, 640])
    }
}
