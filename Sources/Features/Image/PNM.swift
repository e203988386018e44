/// Binary PGM (`P5`) and PPM (`P6`) images, as HPatches ships them: a text header
/// `P5|P6 width height maxval` (with `#` comments), one whitespace byte, then pixels —
/// one byte per sample when maxval < 256, two (big-endian) otherwise, scaled to 8 bits.
public enum PNM {
    /// - Throws: `FeaturesError.unreadableImage` naming `name` for a malformed or truncated file.
    public static func decode(_ data: [UInt8], channels: Int = 3, name: String = "<memory>") throws -> Image8 {
        func fail(_ reason: String) -> FeaturesError { .unreadableImage(path: name, reason: reason) }
        guard data.count >= 2, data[0] == UInt8(ascii: "P"), data[1] == UInt8(ascii: "5") || data[1] == UInt8(ascii: "6") else {
            throw fail("not a binary PGM/PPM (P5/P6) file")
        }
        let fileChannels = data[1] == UInt8(ascii: "5") ? 1 : 3
        var offset = 2
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        func nextNumber(_ what: String) throws -> Int {
            while offset < data.count {
                if isSpace(data[offset]) { offset += 1 } else if data[offset] == UInt8(ascii: "#") {
                    while offset < data.count && data[offset] != 0x0A { offset += 1 }
                } else { break }
            }
            var value = 0, digits = 0
            while offset < data.count, data[offset] >= 48, data[offset] <= 57, digits < 9 {
                value = value * 10 + Int(data[offset] - 48)
                offset += 1
                digits += 1
            }
            guard digits > 0 else { throw fail("header: \(what) is missing or not a number") }
            return value
        }
        let width = try nextNumber("width"), height = try nextNumber("height"), maxval = try nextNumber("maxval")
        guard width > 0, height > 0, maxval > 0, maxval < 65536 else { throw fail("header: bad size \(width)x\(height) or maxval \(maxval)") }
        guard offset < data.count, isSpace(data[offset]) else { throw fail("header: no whitespace before the pixels") }
        offset += 1
        let bytesPerSample = maxval < 256 ? 1 : 2
        let samples = width * height * fileChannels
        guard data.count - offset >= samples * bytesPerSample else {
            throw fail("truncated: \(samples * bytesPerSample) pixel bytes expected, \(data.count - offset) present")
        }
        var values = [UInt8](repeating: 0, count: samples)
        for k in 0..<samples {
            let v = bytesPerSample == 1 ? Int(data[offset + k]) : Int(data[offset + 2 * k]) << 8 | Int(data[offset + 2 * k + 1])
            values[k] = UInt8(min(255, (v * 255 + maxval / 2) / maxval))
        }
        let image = Image8(width: width, height: height, channels: fileChannels, pixels: values)
        if channels == fileChannels { return image }
        return channels == 1 ? image.grayscale() : image.rgb()
    }
}
