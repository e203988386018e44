import Foundation

/// Up to three real roots, without heap allocation (hot loops call this millions of times).
struct RealRoots {
    var count = 0
    var values: (Double, Double, Double) = (0, 0, 0)

    subscript(index: Int) -> Double {
        index == 0 ? values.0 : (index == 1 ? values.1 : values.2)
    }

    mutating func append(_ value: Double) {
        switch count {
        case 0: values.0 = value
        case 1: values.1 = value
        default: values.2 = value
        }
        count += 1
    }
}

/// Real roots of `c3 x³ + c2 x² + c1 x + c0`, polished by Newton's method. Falls back to
/// the quadratic or linear case when the leading coefficients vanish.
func realCubicRoots(_ c3: Double, _ c2: Double, _ c1: Double, _ c0: Double) -> RealRoots {
    var out = RealRoots()
    func polish(_ root: Double) -> Double {
        var x = root
        for _ in 0..<2 {
            let f = ((c3 * x + c2) * x + c1) * x + c0
            let df = (3 * c3 * x + 2 * c2) * x + c1
            guard df != 0 else { break }
            let next = x - f / df
            guard next.isFinite else { break }
            x = next
        }
        return x
    }
    let scale = max(abs(c3), abs(c2), abs(c1), abs(c0))
    guard scale > 0, scale.isFinite else { return out }
    if abs(c3) <= 1e-14 * scale {
        let q = realQuadraticRoots(c2, c1, c0)
        for k in 0..<q.count { out.append(q[k]) }
        return out
    }
    // Depressed cubic t³ + p t + q = 0 with x = t − b/3.
    let b = c2 / c3, c = c1 / c3, d = c0 / c3
    let p = c - b * b / 3
    let q = 2 * b * b * b / 27 - b * c / 3 + d
    let shift = -b / 3
    let discriminant = q * q / 4 + p * p * p / 27
    if discriminant > 0 {
        let s = discriminant.squareRoot()
        out.append(polish(cbrt(-q / 2 + s) + cbrt(-q / 2 - s) + shift))
    } else if p == 0 {
        out.append(polish(shift))
    } else {
        // Three real roots (trigonometric form).
        let r = (-p / 3).squareRoot()
        let phi = acos(max(-1, min(1, -q / (2 * r * r * r))))
        for k in 0..<3 { out.append(polish(2 * r * cos((phi - 2 * Double.pi * Double(k)) / 3) + shift)) }
    }
    return out
}

/// Real roots of `a x² + b x + c` (numerically stable form).
@inline(__always)
func realQuadraticRoots(_ a: Double, _ b: Double, _ c: Double) -> RealRoots {
    var out = RealRoots()
    if a == 0 {
        if b != 0 { out.append(-c / b) }
        return out
    }
    let disc = b * b - 4 * a * c
    guard disc >= 0 else { return out }
    let t = -(b + (b >= 0 ? 1 : -1) * disc.squareRoot()) / 2
    if t == 0 { out.append(0) } else { out.append(t / a); out.append(c / t) }
    return out
}

/// The real cube root, inlined where libm's `cbrt` is a call (P3P's Cardano branch). First guess:
/// the bit pattern divided by three plus a bias (the exponent divided by three; the bias,
/// 0x2A9F76…, fitted here to a 3.2 % worst relative error), then two Halley steps
/// r ← r (r³ + 2x)/(2r³ + x) with cubic convergence: 2.2e-5, then ≤ 1e-14. libm's outside
/// 1e-290 … 1e290, where r³ could underflow or overflow.
@inline(__always)
func cubeRoot(_ x: Double) -> Double {
    let magnitude = abs(x)
    guard magnitude > 1e-290, magnitude < 1e290 else { return cbrt(x) }
    var r = Double(bitPattern: magnitude.bitPattern / 3 &+ 0x2A9F_7620_0000_0000)
    for _ in 0..<2 {
        let r3 = r * r * r
        r *= (r3 + 2 * magnitude) / (2 * r3 + magnitude)
    }
    return x < 0 ? -r : r
}
