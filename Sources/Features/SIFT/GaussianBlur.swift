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
                    let target = horizontal.pointer(at: row)
                    let input = source.baseAddress! + row
                    // Interior: shifted copies of the row, accumulated (vectorizes).
                    if w > 2 * radius {
                        for t in 0..<weights.count {
                            let weight = weights[t]
                            let shifted = input + t - radius
                            if t == 0 {
                                for x in radius..<(w - radius) { target[x] = weight * shifted[x] }
                            } else {
                                for x in radius..<(w - radius) { target[x] += weight * shifted[x] }
                            }
                        }
                    }
                    // Borders (and rows narrower than the kernel): reflect-101 indexing.
                    for x in 0..<w where x < radius || x >= w - radius {
                        var sum: Float = 0
                        for t in 0..<weights.count { sum += weights[t] * input[reflect(x - radius + t, w)] }
                        target[x] = sum
                    }
                }
            }
        }
        let output = FloatBuffer(count: w * h)
        // Vertical pass row by row: out[y] = Σ_t k[t] · horizontal[reflect(y − r + t)], whole
        // contiguous rows at a time (vectorizes; no strided column walks).
        DispatchQueue.concurrentPerform(iterations: h) { y in
            k.withUnsafeBufferPointer { weights in
                let target = output.pointer(at: y * w)
                for t in 0..<weights.count {
                    let source = horizontal.pointer(at: reflect(y - radius + t, h) * w)
                    let weight = weights[t]
                    if t == 0 {
                        for x in 0..<w { target[x] = weight * source[x] }
                    } else {
                        for x in 0..<w { target[x] += weight * source[x] }
                    }
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: output.array())
    }
}

