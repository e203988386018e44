import Foundation

/// Real roots of `c3 x³ + c2 x² + c1 x + c0`, polished by Newton's method. Falls back to
/// the quadratic or linear case when the leading coefficients vanish.
func realCubicRoots(_ c3: Double, _ c2: Double, _ c1: Double, _ c0: Double) -> [Double] {
    let scale = max(abs(c3), abs(c2), abs(c1), abs(c0))
    guard scale > 0, scale.isFinite else { return [] }
    if abs(c3) <= 1e-14 * scale { return realQuadraticRoots(c2, c1, c0) }
    // Depressed cubic t³ + p t + q = 0 with x = t − b/3.
    let b = c2 / c3, c = c1 / c3, d = c0 / c3
    let p = c - b * b / 3
    let q = 2 * b * b * b / 27 - b * c / 3 + d
    let shift = -b / 3
    var roots: [Double]
    let discriminant = q * q / 4 + p * p * p / 27
    if discriminant > 0 {
        let s = discriminant.squareRoot()
        roots = [cbrt(-q / 2 + s) + cbrt(-q / 2 - s) + shift]
    } else if p == 0 {
        roots = [shift]
    } else {
        // Three real roots (trigonometric form).
        let r = (-p / 3).squareRoot()
        let phi = acos(max(-1, min(1, -q / (2 * r * r * r))))
        roots = (0..<3).map { 2 * r * cos((phi - 2 * Double.pi * Double($0)) / 3) + shift }
    }
    return roots.map { root in
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
}

/// Real roots of `a x² + b x + c` (numerically stable form).
func realQuadraticRoots(_ a: Double, _ b: Double, _ c: Double) -> [Double] {
    if a == 0 { return b == 0 ? [] : [-c / b] }
    let disc = b * b - 4 * a * c
    guard disc >= 0 else { return [] }
    let t = -(b + (b >= 0 ? 1 : -1) * disc.squareRoot()) / 2
    return t == 0 ? [0] : [t / a, c / t]
}
