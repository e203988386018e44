import CPNG
import Foundation

/// PNG decoding and encoding through libpng's simplified API (CPNG shim).
public enum PNG {
    /// Decodes PNG bytes (any bit depth, palette or alpha) to 8-bit gray (1) or RGB (3).
    /// - Throws: `FeaturesError.unreadableImage` naming `name`.
    public static func decode(_ data: [UInt8], channels: Int = 3, name: String = "<memory>") throws -> Image8 {
        var out = cpng_image()
        let status = data.withUnsafeBufferPointer { cpng_decode($0.baseAddress, $0.count, Int32(channels), &out) }
        guard status == 0, let pixels = out.pixels else {
            let reason = withUnsafeBytes(of: &out.message) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            throw FeaturesError.unreadableImage(path: name, reason: reason.isEmpty ? "not a PNG" : reason)
        }
        defer { cpng_free(pixels) }
        let count = Int(out.width) * Int(out.height) * Int(out.channels)
        return Image8(width: Int(out.width), height: Int(out.height), channels: Int(out.channels),
                      pixels: [UInt8](UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// Encodes an image as PNG bytes.
    public static func encode(_ image: Image8, name: String = "<memory>") throws -> [UInt8] {
        var png: UnsafeMutablePointer<UInt8>? = nil
        var size = 0
        var message = [CChar](repeating: 0, count: Int(CPNG_MESSAGE_CAPACITY))
        let status = image.pixels.withUnsafeBufferPointer {
            cpng_encode($0.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels), &png, &size, &message)
        }
        guard status == 0, let bytes = png else {
            throw FeaturesError.unwritableImage(path: name, reason: String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { cpng_free(bytes) }
        return [UInt8](UnsafeBufferPointer(start: bytes, count: size))
    }
}
