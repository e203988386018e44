import Foundation

/// A real polynomial of degree ≤ 15 in one variable, coefficients in increasing powers held
/// inline (no heap allocation), for the eliminations of the generalized and unknown-focal solvers.
struct Polynomial {
    var c: SIMD16<Double>
    /// Index of the highest stored coefficient (may be zero after cancellation).
    var degree: Int

    init(_ coefficients: Double...) {
        c = .zero
        for (k, v) in coefficients.enumerated() { c[k] = v }
        degree = max(0, coefficients.count - 1)
    }

    init(storage: SIMD16<Double>, degree: Int) {
        c = storage
        self.degree = degree
    }

    static let zero = Polynomial(0)

    static func + (a: Polynomial, b: Polynomial) -> Polynomial {
        Polynomial(storage: a.c + b.c, degree: max(a.degree, b.degree))
    }

    static func - (a: Polynomial, b: Polynomial) -> Polynomial {
        Polynomial(storage: a.c - b.c, degree: max(a.degree, b.degree))
    }

    static func * (s: Double, a: Polynomial) -> Polynomial {
        Polynomial(storage: s * a.c, degree: a.degree)
    }

    /// - Precondition: `a.degree + b.degree ≤ 15`.
    static func * (a: Polynomial, b: Polynomial) -> Polynomial {
        var out = SIMD16<Double>.zero
        for i in 0...a.degree where a.c[i] != 0 {
            for j in 0...b.degree { out[i + j] += a.c[i] * b.c[j] }
        }
        return Polynomial(storage: out, degree: a.degree + b.degree)
    }

    @inline(__always)
    func callAsFunction(_ x: Double) -> Double {
        var value = c[degree]
        var k = degree - 1
        while k >= 0 { value = value * x + c[k]; k -= 1 }
        return value
    }

    /// Value and first derivative at x (Horner).
    @inline(__always)
    func valueAndSlope(_ x: Double) -> (Double, Double) {
        var value = c[degree], slope = 0.0
        var k = degree - 1
        while k >= 0 { slope = slope * x + value; value = value * x + c[k]; k -= 1 }
        return (value, slope)
    }

    var derivative: Polynomial {
        guard degree > 0 else { return .zero }
        var out = SIMD16<Double>.zero
        for k in 1...degree { out[k - 1] = Double(k) * c[k] }
        return Polynomial(storage: out, degree: degree - 1)
    }

    /// The same polynomial with vanishing leading coefficients (|c| ≤ tolerance · max |c|) dropped.
    func trimmed(relativeTolerance: Double = 1e-14) -> Polynomial {
        var scale = 0.0
        for k in 0...degree { scale = max(scale, abs(c[k])) }
        var d = degree
        while d > 0 && abs(c[d]) <= relativeTolerance * scale { d -= 1 }
        var out = c
        for k in (d + 1)..<16 { out[k] = 0 }
        return Polynomial(storage: out, degree: d)
    }
}

/// Real roots of `p` found by Sturm-sequence isolation and safeguarded Newton polishing,
/// appended to `roots` in increasing order. Roots closer together than ~1e-12 of the root bound
/// may be reported once. Works for degree ≤ 15; a zero polynomial has no reported roots.
func realPolynomialRoots(_ input: Polynomial, into roots: inout [Double]) {
    let trimmed = input.trimmed()
    let n = trimmed.degree
    guard n > 0, trimmed.c[n] != 0, trimmed.c[n].isFinite else { return }
    // Balance: z = σ z' with σ = |c₀/c_n|^(1/n), the geometric mean of the roots' magnitudes, so
    // that the Sturm chain works on coefficients of similar size.
    var sigma = 1.0
    if trimmed.c[0] != 0 {
        let candidate = pow(abs(trimmed.c[0] / trimmed.c[n]), 1 / Double(n))
        if candidate.isFinite && candidate > 0 { sigma = candidate }
    }
    var p = trimmed
    var power = 1.0
    for k in 0...n { p.c[k] *= power; power *= sigma }
    let start = roots.count
    defer {
        for k in start..<roots.count { roots[k] *= sigma }
    }
    // Monic, for a scale-free sequence and the Cauchy bound 1 + max |c_k / c_n|.
    let monic = Polynomial(storage: p.c / p.c[n], degree: n)
    var bound = 0.0
    for k in 0..<n { bound = max(bound, abs(monic.c[k])) }
    guard bound.isFinite else { return }
    bound += 1
    if n == 1 { roots.append(-monic.c[0]); return }

    // Sturm chain p0 = p, p1 = p', p_{k+1} = −rem(p_{k−1}, p_k).
    var chain: [Polynomial] = [monic, monic.derivative]
    chain.reserveCapacity(n + 1)
    while chain.count <= n {
        let a = chain[chain.count - 2], b = chain[chain.count - 1]
        guard b.degree > 0 else { break }
        var r = a.c
        var rd = a.degree
        let lead = b.c[b.degree]
        while rd >= b.degree {
            let factor = r[rd] / lead
            for k in 0...b.degree { r[rd - b.degree + k] -= factor * b.c[k] }
            r[rd] = 0
            rd -= 1
        }
        var rem = Polynomial(storage: -r, degree: max(rd, 0))
        // Negligible remainder: p and p' share roots (a multiple root); stop the chain there.
        var scaleA = 0.0
        for k in 0...a.degree { scaleA = max(scaleA, abs(a.c[k])) }
        rem = rem.trimmed(relativeTolerance: 0)
        var remScale = 0.0
        for k in 0...rem.degree { remScale = max(remScale, abs(rem.c[k])) }
        if remScale <= 1e-13 * scaleA { break }
        // Rescale to keep the chain's magnitudes near one (signs are what count).
        chain.append(Polynomial(storage: rem.c / remScale, degree: rem.degree))
    }

    func signChanges(_ x: Double) -> Int {
        var changes = 0
        var previous = 0.0
        for q in chain {
            let v = q(x)
            if v == 0 { continue }
            if previous != 0 && (v < 0) != (previous < 0) { changes += 1 }
            previous = v
        }
        return changes
    }

    // Polishes the single root in (lo, hi) where p changes sign; bisection guards Newton.
    func polish(_ loIn: Double, _ hiIn: Double) -> Double? {
        var lo = loIn, hi = hiIn
        var flo = monic(lo), fhi = monic(hi)
        if flo == 0 { return lo }
        if fhi == 0 { return hi }
        guard (flo < 0) != (fhi < 0) else { return nil }
        var x = 0.5 * (lo + hi)
        for _ in 0..<100 {
            let (f, df) = monic.valueAndSlope(x)
            if f == 0 { return x }
            if (f < 0) == (flo < 0) { lo = x; flo = f } else { hi = x; fhi = f }
            var next = df != 0 ? x - f / df : 0.5 * (lo + hi)
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            if abs(next - x) <= 1e-15 * max(1, abs(x)) { return next }
            x = next
            if hi - lo <= 1e-15 * max(1, abs(x)) { return x }
        }
        return x
    }

    // Isolation by bisection on the count of roots in (a, b].
    var stack: [(Double, Double, Int, Int, Int)] = [(-bound, bound, signChanges(-bound), signChanges(bound), 0)]
    var found: [Double] = []
    while let (a, b, sa, sb, depth) = stack.popLast() {
        let count = sa - sb
        if count <= 0 { continue }
        if count == 1 {
            if let r = polish(a, b) { found.append(r); continue }
            // No sign change of p itself (a root touching zero): keep splitting.
        }
        if depth > 80 || b - a <= 1e-13 * bound {
            found.append(0.5 * (a + b))
            continue
        }
        let m = 0.5 * (a + b)
        let sm = signChanges(m)
        stack.append((m, b, sm, sb, depth + 1))
        stack.append((a, m, sa, sm, depth + 1))
    }
    found.sort()
    roots.append(contentsOf: found)
}
