extension Image8 {
    /// Gray from RGB with OpenCV's `cvtColor(RGB2GRAY)` weights in its fixed-point form:
    /// `(4899 R + 9617 G + 1868 B + 2^13) >> 14` (0.299, 0.587, 0.114).
    public func grayscale() -> Image8 {
        guard channels == 3 else { return self }
        var gray = [UInt8](repeating: 0, count: width * height)
        pixels.withUnsafeBufferPointer { rgb in
            for i in 0..<(width * height) {
                let r = Int(rgb[3 * i]), g = Int(rgb[3 * i + 1]), b = Int(rgb[3 * i + 2])
                gray[i] = UInt8((4899 * r + 9617 * g + 1868 * b + 8192) >> 14)
            }
        }
        return Image8(width: width, height: height, channels: 1, pixels: gray)
    }

    /// RGB from gray (each channel the gray value); RGB images are returned as they are.
    public func rgb() -> Image8 {
        guard channels == 1 else { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { out[3 * i] = pixels[i]; out[3 * i + 1] = pixels[i]; out[3 * i + 2] = pixels[i] }
        return Image8(width: width, height: height, channels: 3, pixels: out)
    }
}
