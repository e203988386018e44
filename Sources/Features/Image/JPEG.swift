import CJPEG
import Foundation

/// JPEG decoding and encoding through libjpeg-turbo (CJPEG shim).
public enum JPEG {
    /// Decodes JPEG bytes into an image with `channels` (1: gray via libjpeg's
    /// conversion, 3: RGB).
    /// - Parameter name: the file name used in error messages.
    /// - Throws: `FeaturesError.unreadableImage` for corrupt, truncated or non-JPEG data.
    public static func decode(_ data: [UInt8], channels: Int = 3, name: String = "<memory>") throws -> Image8 {
        var out = cjpeg_image()
        let status = data.withUnsafeBufferPointer { buffer in
            cjpeg_decode(buffer.baseAddress, buffer.count, Int32(channels), &out)
        }
        guard status == 0, let pixels = out.pixels else {
            let reason = withUnsafeBytes(of: &out.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw FeaturesError.unreadableImage(path: name, reason: reason.isEmpty ? "not a JPEG" : reason)
        }
        defer { cjpeg_free(pixels) }
        let count = Int(out.width) * Int(out.height) * Int(out.channels)
        let copy = [UInt8](UnsafeBufferPointer(start: pixels, count: count))
        return Image8(width: Int(out.width), height: Int(out.height), channels: Int(out.channels), pixels: copy)
    }

    /// Encodes an image at `quality` (1...100) into JPEG bytes.
    /// - Throws: `FeaturesError.unwritableImage` if libjpeg fails.
    public static func encode(_ image: Image8, quality: Int = 90, name: String = "<memory>") throws -> [UInt8] {
        var jpeg: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: Int(CJPEG_MESSAGE_CAPACITY))
        let status = image.pixels.withUnsafeBufferPointer { buffer in
            cjpeg_encode(buffer.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                         Int32(quality), &jpeg, &size, &message)
        }
        guard status == 0, let bytes = jpeg else {
            let reason = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw FeaturesError.unwritableImage(path: name, reason: reason)
        }
        defer { cjpeg_free(bytes) }
        return [UInt8](UnsafeBufferPointer(start: bytes, count: size))
    }

    /// Reads and decodes a JPEG file.
    /// - Throws: `FeaturesError.unreadableImage` naming `path`.
    public static func read(path: String, channels: Int = 3) throws -> Image8 {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeaturesError.unreadableImage(path: path, reason: "no such file or not readable")
        }
        return try decode([UInt8](data), channels: channels, name: path)
    }
}
