import Dispatch
import Foundation

/// Separable Gaussian blur of a float image, as OpenCV's `GaussianBlur` for float images:
/// kernel radius round(4σ) (size 2·radius + 1), normalized, reflect-101 borders
/// (…c b | a b c | b a…). Rows are processed in parallel.
enum GaussianBlur {
    static func kernel(sigma: Double) -> [Float] {
        let radius = max(1, Int((sigma * 4).rounded()))
        var weights = (-radius...radius).map { Float(exp(-Double($0 * $0) / (2 * sigma * sigma))) }
        let sum = weights.reduce(0, +)
        for k in weights.indices { weights[k] /= sum }
        return weights
    }

    @inline(__always)
    static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var i = i
        while i < 0 || i >= n { i = i < 0 ? -i : 2 * n - 2 - i }
        return i
    }

    static func apply(_ image: GrayImage, sigma: Double) -> GrayImage {
        let w = image.width, h = image.height
        let k = kernel(sigma: sigma)
        let radius = k.count / 2
        let horizontal = FloatBuffer(count: w * h)
        let pixels = image.pixels
        DispatchQueue.concurrentPerform(iterations: h) { y in
            pixels.withUnsafeBufferPointer { source in
                k.withUnsafeBufferPointer { weights in
                    let row = y * w
                    for x in 0..<w {
                        var sum: Float = 0
                        if x >= radius && x < w - radius {
                            for t in 0..<weights.count { sum += weights[t] * source[row + x - radius + t] }
                        } else {
                            for t in 0..<weights.count { sum += weights[t] * source[row + reflect(x - radius + t, w)] }
                        }
                        horizontal.store(row + x, sum)
                    }
                }
            }
        }
        let output = FloatBuffer(count: w * h)
        DispatchQueue.concurrentPerform(iterations: h) { y in
            for x in 0..<w {
                var sum: Float = 0
                for t in 0..<k.count { sum += k[t] * horizontal.load(reflect(y - radius + t, h) * w + x) }
                output.store(y * w + x, sum)
            }
        }
        return GrayImage(width: w, height: h, pixels: output.array())
    }
}

/// A float buffer written by concurrent rows at disjoint indices.
final class FloatBuffer: @unchecked Sendable {
    private let pointer: UnsafeMutableBufferPointer<Float>

    init(count: Int) {
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: 0)
    }

    deinit { pointer.deallocate() }

    @inline(__always) func store(_ index: Int, _ value: Float) { pointer[index] = value }
    @inline(__always) func load(_ index: Int) -> Float { pointer[index] }
    func array() -> [Float] { Array(pointer) }
}
