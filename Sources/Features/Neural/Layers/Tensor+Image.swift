/// Images as network inputs.
extension Tensor {
    /// (RGB / 255 − mean) / std per channel, resized (area) so the longer edge is at most
    /// `maxEdge`; returns the tensor and new / original scale (HNDesc: ImageNet's mean and std;
    /// ALIKED and DISK: none).
    public static func rgb(_ image: Image8, maxEdge: Int, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) -> (Tensor, SIMD2<Float>) {
        let rgb = image.rgb()
        var planes: [[Float]] = []
        var size = (0, 0), scale = SIMD2<Float>(1, 1)
        for c in 0..<3 {
            var channel = [Float](repeating: 0, count: rgb.width * rgb.height)
            for i in channel.indices { channel[i] = Float(rgb.pixels[3 * i + c]) / 255 }
            let resized = GrayImage(width: rgb.width, height: rgb.height, pixels: channel).resized(maxEdge: maxEdge)
            planes.append(resized.image.pixels.map { ($0 - mean[c]) / std[c] })
            size = (resized.image.width, resized.image.height)
            scale = SIMD2(Float(resized.scale.x), Float(resized.scale.y))
        }
        return (Tensor(channels: 3, height: size.1, width: size.0, data: planes.flatMap { $0 }), scale)
    }
}
