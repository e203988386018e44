import Features
import Foundation
import XCTest
import _TestSupport

final class JPEGTests: XCTestCase {
    func gradient(width: Int, height: Int) -> Image8 {
        var image = Image8(width: width, height: height, channels: 3)
        for y in 0..<height {
            for x in 0..<width {
                image[x, y, 0] = UInt8(x * 255 / (width - 1))
                image[x, y, 1] = UInt8(y * 255 / (height - 1))
                image[x, y, 2] = 128
            }
        }
        return image
    }

    func testEncodeDecodeRoundTrip() throws {
        let image = gradient(width: 64, height: 48)
        let bytes = try JPEG.encode(image, quality: 95)
        XCTAssertEqual(Array(bytes.prefix(2)), [0xFF, 0xD8], "JPEG SOI marker")
        let decoded = try JPEG.decode(bytes, channels: 3)
        XCTAssertEqual(decoded.width, 64)
        XCTAssertEqual(decoded.height, 48)
        let meanError = zip(image.pixels, decoded.pixels).map { abs(Double($0) - Double($1)) }.reduce(0, +) / Double(image.pixels.count)
        XCTAssertLessThan(meanError, 2.0)
        // Grayscale decoding uses libjpeg's own conversion (ITU-R BT.601 weights).
        let gray = try JPEG.decode(bytes, channels: 1)
        XCTAssertEqual(gray.channels, 1)
        let (r, g, b) = (Double(decoded[10, 20, 0]), Double(decoded[10, 20, 1]), Double(decoded[10, 20, 2]))
        XCTAssertEqual(Double(gray[10, 20, 0]), 0.299 * r + 0.587 * g + 0.114 * b, accuracy: 3)
    }

    func testCorruptTruncatedAndEmptyDataGiveErrorsNamingTheFile() throws {
        let bytes = try JPEG.encode(gradient(width: 64, height: 48), quality: 90)
        for (label, data) in [("truncated", Array(bytes.prefix(bytes.count / 2))), ("empty", []),
                              ("garbage", Array("not a jpeg at all".utf8))] {
            XCTAssertThrowsError(try JPEG.decode(data, name: "bad-\(label).jpg"), label) { error in
                guard case .unreadableImage(let path, let reason)? = error as? FeaturesError else {
                    return XCTFail("\(label): unexpected error \(error)")
                }
                XCTAssertEqual(path, "bad-\(label).jpg")
                XCTAssertFalse(reason.isEmpty)
            }
        }
        XCTAssertThrowsError(try JPEG.read(path: "/nonexistent/x.jpg")) {
            XCTAssertTrue("\($0)".contains("/nonexistent/x.jpg"))
        }
    }
}
