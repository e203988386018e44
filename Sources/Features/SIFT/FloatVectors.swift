/// Eight-lane float helpers of the SIFT loops: unaligned loads and stores, atan2, floor.

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ p: UnsafeMutablePointer<Float>, _ v: SIMD8<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// atan2 on eight lanes in (−π, π]: atan on [0, 1] by a degree-9 odd polynomial (max error
/// ≈ 1e-5 rad) after the octant reduction, branch-free. SIFT bins orientations into 10° and 45°
/// bins, so this is exact enough, and far cheaper than libm's atan2.
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
