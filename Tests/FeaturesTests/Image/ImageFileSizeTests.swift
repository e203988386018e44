import Features
import Foundation
import XCTest

/// Image sizes from the headers alone, against the encoders' own output.
final class ImageFileSizeTests: XCTestCase {
    func testSizesOfEncodedImages() throws {
        let folder = NSTemporaryDirectory() + "/imagesize-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let image = Image8(width: 37, height: 21, channels: 3)
        try Data(try JPEG.encode(image)).write(to: URL(fileURLWithPath: folder + "/a.jpg"))
        try Data(try PNG.encode(image)).write(to: URL(fileURLWithPath: folder + "/a.png"))
        try Data("P5\n# comment\n37 21\n255\n".utf8 + [UInt8](repeating: 0, count: 37 * 21)).write(to: URL(fileURLWithPath: folder + "/a.pgm"))
        for name in ["a.jpg", "a.png", "a.pgm"] {
            let size = try ImageFile.size(path: folder + "/" + name)
            XCTAssertEqual(size.width, 37, name)
            XCTAssertEqual(size.height, 21, name)
        }
        try Data([0xFF, 0xD8, 0xFF]).write(to: URL(fileURLWithPath: folder + "/cut.jpg"))
        XCTAssertThrowsError(try ImageFile.size(path: folder + "/cut.jpg")) { XCTAssertTrue("\($0)".contains("cut.jpg")) }
        XCTAssertThrowsError(try ImageFile.size(path: folder + "/none.png")) { XCTAssertTrue("\($0)".contains("none.png")) }
    }
}
