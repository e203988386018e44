/// Gradient samples of a window around a keypoint, gathered first and turned into magnitudes
/// and angles eight at a time (the branchy window walk and the arithmetic apart, as OpenCV's
/// SIFT does): `gather` fills `dx`, `dy`, `weight` and the extras, `finish()` computes
/// `magnitude = weight · |(dx, dy)|` and `angle = atan2(dy, dx)` in (−π, π].
struct GradientSamples {
    /// Per-sample arrays, `capacity` long (rounded up to 8); `count` are valid.
    let dx, dy, weight, magnitude, angle: UnsafeMutablePointer<Float>
    /// Caller-defined per-sample values (the descriptor keeps its rotated bin coordinates here).
    let extra0, extra1: UnsafeMutablePointer<Float>
    var count = 0
    private let storage: UnsafeMutablePointer<Float>

    init(capacity: Int) {
        let padded = (capacity + 7) & ~7
        storage = .allocate(capacity: 7 * padded)
        dx = storage; dy = storage + padded; weight = storage + 2 * padded
        magnitude = storage + 3 * padded; angle = storage + 4 * padded
        extra0 = storage + 5 * padded; extra1 = storage + 6 * padded
    }

    func deallocate() { storage.deallocate() }

    /// Walks the rows −radius...radius around pixel (px, py) and, in row offset i, the column
    /// offsets `columns(i)` (an interval; empty when lower > upper), leaving out pixels whose
    /// central difference would reach outside the image. Keeps each pixel with `sample(i, j)`
    /// (its weight and two extra values) and its gradient `dx = I(x+1) − I(x−1)`,
    /// `dy = I(y−1) − I(y+1)` (y up). The inner loop has no branch: windows are intervals per
    /// row (a square, or a rotated square's row span), so the walk costs no test per pixel.
    /// Eight columns at a time: `sample8(i, j)` gives the values of columns j...j+7, which must
    /// equal `sample` lane by lane (the rest of a row goes through `sample`).
    @inline(__always)
    mutating func gather(_ image: GrayImage, x px: Int, y py: Int, radius: Int,
                         columns: (_ i: Int) -> (lower: Int, upper: Int),
                         sample: (_ i: Int, _ j: Int) -> (weight: Float, extra0: Float, extra1: Float),
                         sample8: (_ i: Int, _ j: Int) -> (weight: SIMD8<Float>, extra0: SIMD8<Float>, extra1: SIMD8<Float>)) {
        let width = image.width
        // Columns 1...width − 2 have both horizontal neighbours.
        let imageLower = 1 - px, imageUpper = width - 2 - px
        image.pixels.withUnsafeBufferPointer { pixels in
            let base = pixels.baseAddress!
            for i in -radius...radius {
                let r = py + i
                guard r > 0, r < image.height - 1 else { continue }
                let span = columns(i)
                let lower = max(span.lower, imageLower, -radius), upper = min(span.upper, imageUpper, radius)
                guard lower <= upper else { continue }
                // Pointers at column px of the row and its neighbours, indexed by j: no index
                // arithmetic (and no overflow check) per pixel.
                let center = base + r * width + px
                let left = center - 1, right = center + 1, up = center - width, down = center + width
                let offset = count &- lower
                var j = lower
                while j &+ 7 <= upper {
                    let kept = sample8(i, j)
                    let k = offset &+ j
                    store8(dx + k, load8(right + j) - load8(left + j))
                    store8(dy + k, load8(up + j) - load8(down + j))
                    store8(weight + k, kept.weight)
                    store8(extra0 + k, kept.extra0)
                    store8(extra1 + k, kept.extra1)
                    j &+= 8
                }
                while j <= upper {
                    defer { j &+= 1 }
                    let kept = sample(i, j)
                    let k = offset &+ j
                    dx[k] = right[j] - left[j]
                    dy[k] = up[j] - down[j]
                    weight[k] = kept.weight
                    extra0[k] = kept.extra0
                    extra1[k] = kept.extra1
                }
                count += upper - lower + 1
            }
        }
    }

    /// Magnitudes and angles of the first `count` samples (the tail of the last group of 8 is
    /// computed on zeros and ignored).
    func finish() {
        var k = 0
        let padded = (count + 7) & ~7
        for t in count..<padded { dx[t] = 0; dy[t] = 0; weight[t] = 0; extra0[t] = 0; extra1[t] = 0 }
        while k < padded {
            let x = load8(dx + k), y = load8(dy + k), w = load8(weight + k)
            store8(magnitude + k, (x * x + y * y).squareRoot() * w)
            store8(angle + k, atan2Float8(y, x))
            k += 8
        }
    }
}
