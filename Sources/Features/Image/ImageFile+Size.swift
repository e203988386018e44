import Foundation

extension ImageFile {
    /// Width and height of an image file from its header alone (importers size the cameras of
    /// thousands of frames without decoding them): PNG's IHDR, JPEG's first SOFn marker, PGM/PPM's
    /// header. Only the first 64 KiB are read.
    /// - Throws: `FeaturesError.unreadableImage` naming `path` when it is missing or no such header is found.
    public static func size(path: String) throws -> (width: Int, height: Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FeaturesError.unreadableImage(path: path, reason: "no such file or not readable")
        }
        defer { try? handle.close() }
        let bytes = [UInt8]((try? handle.read(upToCount: 65536)) ?? Data())
        if let size = headerSize(bytes) { return size }
        throw FeaturesError.unreadableImage(path: path, reason: bytes.isEmpty ? "empty file" : "no JPEG, PNG or PGM/PPM header with the image size in its first bytes")
    }

    /// The size written in an image's first bytes, or nil.
    static func headerSize(_ b: [UInt8]) -> (width: Int, height: Int)? {
        func be16(_ i: Int) -> Int { Int(b[i]) << 8 | Int(b[i + 1]) }
        func be32(_ i: Int) -> Int { be16(i) << 16 | be16(i + 2) }
        if b.count >= 24, b[0] == 0x89, b[1] == 0x50, b[2] == 0x4E, b[3] == 0x47, b[12...15].elementsEqual("IHDR".utf8) {
            let (w, h) = (be32(16), be32(20))
            return w > 0 && h > 0 ? (w, h) : nil
        }
        if b.count >= 4, b[0] == 0xFF, b[1] == 0xD8 {
            var i = 2
            while i + 4 <= b.count {
                guard b[i] == 0xFF else { return nil }
                let marker = b[i + 1]
                if marker == 0xFF { i += 1; continue }  // fill byte
                if marker == 0xD8 || marker == 0x01 || (0xD0...0xD7).contains(marker) { i += 2; continue }
                let length = be16(i + 2)
                // SOF0…SOF15 except DHT (C4), JPG (C8) and DAC (CC).
                if (0xC0...0xCF).contains(marker), marker != 0xC4, marker != 0xC8, marker != 0xCC {
                    guard i + 9 <= b.count else { return nil }
                    let (h, w) = (be16(i + 5), be16(i + 7))
                    return w > 0 && h > 0 ? (w, h) : nil
                }
                if marker == 0xDA || length < 2 { return nil }
                i += 2 + length
            }
            return nil
        }
        if b.count >= 2, b[0] == UInt8(ascii: "P"), b[1] == UInt8(ascii: "5") || b[1] == UInt8(ascii: "6") {
            // Tokens after the magic, '#' comments skipped: width, height.
            var tokens: [Int] = []
            var i = 2
            while i < b.count && tokens.count < 2 {
                let c = b[i]
                if c == UInt8(ascii: "#") { while i < b.count && b[i] != 0x0A { i += 1 }; continue }
                if (0x30...0x39).contains(c) {
                    var v = 0
                    while i < b.count, (0x30...0x39).contains(b[i]) { v = v * 10 + Int(b[i] - 0x30); i += 1 }
                    tokens.append(v)
                    continue
                }
                i += 1
            }
            return tokens.count == 2 && tokens[0] > 0 && tokens[1] > 0 ? (tokens[0], tokens[1]) : nil
        }
        return nil
    }
}
