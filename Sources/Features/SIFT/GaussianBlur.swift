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
        // The kernel is symmetric: out = k0·centre + Σ_t k_t·(left_t + right_t), half the products.
        let half = Array(k[radius...])  // half[0] = centre weight, half[t] = weight at ±t
        let horizontal = FloatBuffer(count: w * h)
        let pixels = image.pixels
        let chunk = 8
        DispatchQueue.concurrentPerform(iterations: (h + chunk - 1) / chunk) { block in
            pixels.withUnsafeBufferPointer { source in
                for y in (block * chunk)..<min(h, block * chunk + chunk) {
                    let row = y * w
                    let target = horizontal.pointer(at: row)
                    let input = source.baseAddress! + row
                    var x = 0
                    // Borders: reflect-101 indexing.
                    let interiorStart = min(radius, w), interiorEnd = max(interiorStart, w - radius)
                    while x < interiorStart {
                        target[x] = borderSum(input, x, w, half)
                        x += 1
                    }
                    // Interior, 8 pixels at a time.
                    while x + 8 <= interiorEnd {
                        var sum = SIMD8<Float>(repeating: half[0]) * load8(input + x)
                        for t in 1..<half.count {
                            sum += SIMD8<Float>(repeating: half[t]) * (load8(input + x - t) + load8(input + x + t))
                        }
                        store8(target + x, sum)
                        x += 8
                    }
                    while x < interiorEnd {
                        var sum = half[0] * input[x]
                        for t in 1..<half.count { sum += half[t] * (input[x - t] + input[x + t]) }
                        target[x] = sum
                        x += 1
                    }
                    while x < w {
                        target[x] = borderSum(input, x, w, half)
                        x += 1
                    }
                }
            }
        }
        let output = FloatBuffer(count: w * h)
        // Vertical pass, whole rows at a time: out[y] = Σ k·rows around y (reflect-101 at the edges).
        DispatchQueue.concurrentPerform(iterations: (h + chunk - 1) / chunk) { block in
            for y in (block * chunk)..<min(h, block * chunk + chunk) {
                let target = output.pointer(at: y * w)
                let centre = horizontal.pointer(at: y * w)
                var x = 0
                withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<Float>.self, capacity: 2 * half.count) { rows in
                    // The rows above and below, once per output row.
                    for t in 1..<half.count {
                        rows[2 * t] = horizontal.pointer(at: reflect(y - t, h) * w)
                        rows[2 * t + 1] = horizontal.pointer(at: reflect(y + t, h) * w)
                    }
                    while x + 8 <= w {
                        var sum = SIMD8<Float>(repeating: half[0]) * load8(centre + x)
                        for t in 1..<half.count {
                            sum += SIMD8<Float>(repeating: half[t]) * (load8(rows[2 * t] + x) + load8(rows[2 * t + 1] + x))
                        }
                        store8(target + x, sum)
                        x += 8
                    }
                }
                while x < w {
                    var sum = half[0] * centre[x]
                    for t in 1..<half.count {
                        sum += half[t] * (horizontal.load(reflect(y - t, h) * w + x) + horizontal.load(reflect(y + t, h) * w + x))
                    }
                    target[x] = sum
                    x += 1
                }
            }
        }
        return GrayImage(width: w, height: h, pixels: output.array())
    }

    @inline(__always)
    static func borderSum(_ input: UnsafePointer<Float>, _ x: Int, _ w: Int, _ half: [Float]) -> Float {
        var sum = half[0] * input[x]
        for t in 1..<half.count { sum += half[t] * (input[reflect(x - t, w)] + input[reflect(x + t, w)]) }
        return sum
    }

    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func load8(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}

