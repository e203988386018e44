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
                    store(dx + k, load(right + j) - load(left + j))
                    store(dy + k, load(up + j) - load(down + j))
                    store(weight + k, kept.weight)
                    store(extra0 + k, kept.extra0)
                    store(extra1 + k, kept.extra1)
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
            let x = load(dx + k), y = load(dy + k), w = load(weight + k)
            store(magnitude + k, (x * x + y * y).squareRoot() * w)
            store(angle + k, atan2Float8(y, x))
            k += 8
        }
    }

    @inline(__always) func load(_ p: UnsafeMutablePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) private func load(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }
}

/// `fastAtan2` on eight lanes: the same degree-9 polynomial and octant reduction, branch-free.
@inline(__always)
func atan2Float8(_ y: SIMD8<Float>, _ x: SIMD8<Float>) -> SIMD8<Float> {
    let ax = x.replacing(with: -x, where: x .< 0), ay = y.replacing(with: -y, where: y .< 0)
    let swap = ay .> ax
    let numerator = ax.replacing(with: ay, where: .!swap)  // min(|x|, |y|)
    let denominator = ay.replacing(with: ax, where: .!swap)  // max(|x|, |y|)
    let t = numerator / denominator.replacing(with: SIMD8(repeating: 1), where: denominator .== 0)
    let t2 = t * t
    var p = SIMD8<Float>(repeating: 0.0208351)
    p = p * t2 + SIMD8(repeating: -0.0851330)
    p = p * t2 + SIMD8(repeating: 0.1801410)
    p = p * t2 + SIMD8(repeating: -0.3302995)
    p = p * t2 + SIMD8(repeating: 0.9998660)
    var r = t * p
    r.replace(with: SIMD8(repeating: .pi / 2) - r, where: swap)
    r.replace(with: SIMD8(repeating: .pi) - r, where: x .< 0)
    r.replace(with: -r, where: y .< 0)
    return r
}

/// ⌊x⌋ as a float and as an integer, for |x| < 2²²: adding 1.5·2²³ rounds x to an integer
/// (the float spacing there is 1) whose value sits in the low mantissa bits; one step down
/// where that rounded up. Branch-free, and the baseline x86-64 target has no floor instruction.
@inline(__always)
func floorParts(_ x: SIMD8<Float>) -> (SIMD8<Float>, SIMD8<Int32>) {
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let shifted = x + magic
    let rounded = shifted - magic
    let roundedInt = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(magic, to: SIMD8<Int32>.self)
    let up = rounded .> x
    return (rounded.replacing(with: rounded - SIMD8<Float>(repeating: 1), where: up),
            roundedInt.replacing(with: roundedInt &- SIMD8<Int32>(repeating: 1), where: up))
}
