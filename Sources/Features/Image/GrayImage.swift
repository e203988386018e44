/// A single-channel float image, row-major: the input of feature detectors.
public struct GrayImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [Float]

    public init(width: Int, height: Int, pixels: [Float]) {
        precondition(pixels.count == width * height, "pixel count does not match the size")
        self.width = width; self.height = height; self.pixels = pixels
    }

    /// Gray values of an 8-bit image (converted with OpenCV's weights when RGB), scaled by `scale`
    /// (1 keeps 0…255, 1/255 gives 0…1).
    public init(_ image: Image8, scale: Float = 1) {
        let gray = image.grayscale()
        self.init(width: gray.width, height: gray.height, pixels: gray.pixels.map { Float($0) * scale })
    }

    public subscript(x: Int, y: Int) -> Float { pixels[y * width + x] }
}

/// A resized image and the exact factors between its pixels and the original's.
public struct ResizedImage: Sendable {
    public var image: GrayImage
    /// new / original, per axis: a point (x, y) of the original (COLMAP convention, continuous
    /// coordinates) is at (x · scale.x, y · scale.y) in the resized image.
    public var scale: SIMD2<Double>
}

extension GrayImage {
    /// Downscales so that the longer edge is at most `maxEdge`, by area averaging (anti-aliased,
    /// as OpenCV's INTER_AREA): each output pixel is the coverage-weighted mean of the input
    /// pixels under it. Images already small enough are returned unchanged (scale 1).
    public func resized(maxEdge: Int) -> ResizedImage {
        let longer = max(width, height)
        guard maxEdge > 0, longer > maxEdge else { return ResizedImage(image: self, scale: SIMD2(1, 1)) }
        let factor = Double(maxEdge) / Double(longer)
        let newWidth = max(1, Int((Double(width) * factor).rounded()))
        let newHeight = max(1, Int((Double(height) * factor).rounded()))
        let sx = Double(newWidth) / Double(width), sy = Double(newHeight) / Double(height)
        // Separable box filter with fractional coverage: first along x, then along y.
        let horizontal = GrayImage.areaWeights(from: width, to: newWidth)
        let vertical = GrayImage.areaWeights(from: height, to: newHeight)
        var rows = [Float](repeating: 0, count: newWidth * height)
        for y in 0..<height {
            for (ox, taps) in horizontal.enumerated() {
                var sum: Float = 0
                for (ix, w) in taps { sum += w * pixels[y * width + ix] }
                rows[y * newWidth + ox] = sum
            }
        }
        var out = [Float](repeating: 0, count: newWidth * newHeight)
        for (oy, taps) in vertical.enumerated() {
            for (iy, w) in taps {
                for x in 0..<newWidth { out[oy * newWidth + x] += w * rows[iy * newWidth + x] }
            }
        }
        return ResizedImage(image: GrayImage(width: newWidth, height: newHeight, pixels: out), scale: SIMD2(sx, sy))
    }

    /// For each output index, the input indices it covers and their normalized weights.
    static func areaWeights(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let ratio = Double(n) / Double(m)
        return (0..<m).map { o in
            let start = Double(o) * ratio, end = Double(o + 1) * ratio
            var taps: [(Int, Float)] = []
            var i = Int(start.rounded(.down))
            while Double(i) < end && i < n {
                let overlap = min(end, Double(i + 1)) - max(start, Double(i))
                if overlap > 1e-12 { taps.append((i, Float(overlap / ratio))) }
                i += 1
            }
            return taps
        }
    }
}
