import Foundation

/// Reads images by content, not by extension: JPEG (FF D8), PNG (89 50 4E 47) and binary
/// PGM/PPM (P5/P6).
public enum ImageFile {
    /// Decodes an image file into gray (1 channel) or RGB (3).
    /// - Throws: `FeaturesError.unreadableImage` naming `path` for a missing, empty, truncated,
    ///   corrupt or unsupported file.
    public static func read(path: String, channels: Int = 3) throws -> Image8 {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw FeaturesError.unreadableImage(path: path, reason: "no such file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw FeaturesError.unreadableImage(path: path, reason: "cannot read the file")
        }
        return try decode([UInt8](data), channels: channels, name: path)
    }

    /// Decodes image bytes, recognising the format from its first bytes.
    public static func decode(_ bytes: [UInt8], channels: Int = 3, name: String = "<memory>") throws -> Image8 {
        guard !bytes.isEmpty else { throw FeaturesError.unreadableImage(path: name, reason: "empty file") }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] == 0xD8 { return try JPEG.decode(bytes, channels: channels, name: name) }
        if bytes.count >= 4, bytes[0] == 0x89, bytes[1] == 0x50, bytes[2] == 0x4E, bytes[3] == 0x47 {
            return try PNG.decode(bytes, channels: channels, name: name)
        }
        if bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") || bytes[1] == UInt8(ascii: "6") {
            return try PNM.decode(bytes, channels: channels, name: name)
        }
        throw FeaturesError.unreadableImage(path: name, reason: "not a JPEG, PNG or binary PGM/PPM image")
    }
}
