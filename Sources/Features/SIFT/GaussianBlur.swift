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
        let horizontal = FloatBuffer(uninitializedCount: w * h)  // every pixel written by the pass below
        let pixels = image.pixels
        let chunk = 8
        DispatchQueue.concurrentPerform(iterations: (h + chunk - 1) / chunk) { block in
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 2 * half.count) { taps in
            pixels.withUnsafeBufferPointer { source in
            half.withUnsafeBufferPointer { half in
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
                    // Interior: the taps at ±t are the row itself shifted by t.
                    if interiorEnd > interiorStart {
                        for t in 1..<half.count {
                            taps[2 * t] = UnsafePointer(input + interiorStart - t)
                            taps[2 * t + 1] = UnsafePointer(input + interiorStart + t)
                        }
                        symmetricSums(into: target + interiorStart, centre: input + interiorStart, taps: taps.baseAddress!, half: half,
                                      columns: 0..<(interiorEnd - interiorStart))
                        x = interiorEnd
                    }
                    while x < w {
                        target[x] = borderSum(input, x, w, half)
                        x += 1
                    }
                }
            }
            }
            }
        }
        // The vertical pass writes straight into the result's storage (no copy of the image).
        let result = [Float](unsafeUninitializedCapacity: w * h) { storage, initialized in
        let output = SharedPointer(storage.baseAddress!)
        // Vertical pass: out[y] = Σ k·rows around y (reflect-101 at the edges). A block of rows is
        // done in strips of `strip` columns so that the 2·radius + chunk input rows of a strip stay
        // in the first-level cache while the block's output rows reuse them.
        let strip = 256
        DispatchQueue.concurrentPerform(iterations: (h + chunk - 1) / chunk) { block in
            let rowsInBlock = (block * chunk)..<min(h, block * chunk + chunk)
            withUnsafeTemporaryAllocation(of: UnsafePointer<Float>.self, capacity: 2 * half.count * chunk) { rows in
            half.withUnsafeBufferPointer { half in
                // The rows above and below each output row of the block.
                for y in rowsInBlock {
                    let slot = (y - rowsInBlock.lowerBound) * 2 * half.count
                    for t in 1..<half.count {
                        rows[slot + 2 * t] = UnsafePointer(horizontal.pointer(at: reflect(y - t, h) * w))
                        rows[slot + 2 * t + 1] = UnsafePointer(horizontal.pointer(at: reflect(y + t, h) * w))
                    }
                }
                var start = 0
                while start < w {
                    let end = min(w, start + strip)
                    for y in rowsInBlock {
                        let slot = (y - rowsInBlock.lowerBound) * 2 * half.count
                        symmetricSums(into: output.base + y * w, centre: horizontal.pointer(at: y * w),
                                      taps: rows.baseAddress! + slot, half: half, columns: start..<end)
                    }
                    start = end
                }
            }
            }
        }
        initialized = w * h
        }
        return GrayImage(width: w, height: h, pixels: result)
    }

    /// `target[x] = half[0]·centre[x] + Σ_t half[t]·(taps[2t][x] + taps[2t+1][x])` for x in `columns`:
    /// the symmetric kernel applied with the taps at ±t given as pointers (the row shifted by t in
    /// the horizontal pass, the rows above and below in the vertical one). 32 columns at a time with
    /// four independent sums (one sum would be a chain of dependent adds), then 8, then 1.
    @inline(__always)
    static func symmetricSums(into target: UnsafeMutablePointer<Float>, centre: UnsafePointer<Float>,
                              taps: UnsafeMutablePointer<UnsafePointer<Float>>, half: UnsafeBufferPointer<Float>,
                              columns: Range<Int>) {
        var x = columns.lowerBound
        let k0 = SIMD8<Float>(repeating: half[0])
        while x + 32 <= columns.upperBound {
            var s0 = k0 * load8(centre + x), s1 = k0 * load8(centre + x + 8)
            var s2 = k0 * load8(centre + x + 16), s3 = k0 * load8(centre + x + 24)
            for t in 1..<half.count {
                let k = SIMD8<Float>(repeating: half[t])
                let a = taps[2 * t] + x, b = taps[2 * t + 1] + x
                s0 += k * (load8(a) + load8(b))
                s1 += k * (load8(a + 8) + load8(b + 8))
                s2 += k * (load8(a + 16) + load8(b + 16))
                s3 += k * (load8(a + 24) + load8(b + 24))
            }
            store8(target + x, s0); store8(target + x + 8, s1)
            store8(target + x + 16, s2); store8(target + x + 24, s3)
            x += 32
        }
        while x + 8 <= columns.upperBound {
            var sum = k0 * load8(centre + x)
            for t in 1..<half.count {
                sum += SIMD8<Float>(repeating: half[t]) * (load8(taps[2 * t] + x) + load8(taps[2 * t + 1] + x))
            }
            store8(target + x, sum)
            x += 8
        }
        while x < columns.upperBound {
            var sum = half[0] * centre[x]
            for t in 1..<half.count { sum += half[t] * (taps[2 * t][x] + taps[2 * t + 1][x]) }
            target[x] = sum
            x += 1
        }
    }

    @inline(__always)
    static func borderSum(_ input: UnsafePointer<Float>, _ x: Int, _ w: Int, _ half: UnsafeBufferPointer<Float>) -> Float {
        var sum = half[0] * input[x]
        for t in 1..<half.count { sum += half[t] * (input[reflect(x - t, w)] + input[reflect(x + t, w)]) }
        return sum
    }
}
