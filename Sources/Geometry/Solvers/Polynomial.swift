import Foundation

/// A real polynomial of degree ≤ 15 in one variable, coefficients in increasing powers held
/// inline (no heap allocation), for the eliminations of the generalized and unknown-focal solvers.
struct Polynomial {
    var c: SIMD16<Double>
    /// Index of the highest stored coefficient (may be zero after cancellation).
    var degree: Int

    init(_ c0: Double) {
        c = .zero; c[0] = c0; degree = 0
    }

    init(_ c0: Double, _ c1: Double) {
        c = .zero; c[0] = c0; c[1] = c1; degree = 1
    }

    init(_ c0: Double, _ c1: Double, _ c2: Double) {
        c = .zero; c[0] = c0; c[1] = c1; c[2] = c2; degree = 2
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
        let (da, db) = (a.degree, b.degree)
        withUnsafeMutableBytes(of: &out) { o in
            let op = o.baseAddress!.assumingMemoryBound(to: Double.self)
            withUnsafeBytes(of: a.c) { ab in
                withUnsafeBytes(of: b.c) { bb in
                    let ap = ab.baseAddress!.assumingMemoryBound(to: Double.self)
                    let bp = bb.baseAddress!.assumingMemoryBound(to: Double.self)
                    for i in 0...da {
                        let ai = ap[i]
                        for j in 0...db { op[i + j] += ai * bp[j] }
                    }
                }
            }
        }
        return Polynomial(storage: out, degree: da + db)
    }

    @inline(__always)
    func callAsFunction(_ x: Double) -> Double {
        withUnsafeBytes(of: c) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            var value = p[degree]
            var k = degree - 1
            while k >= 0 { value = value * x + p[k]; k -= 1 }
            return value
        }
    }

    /// Value and first derivative at x (Horner).
    @inline(__always)
    func valueAndSlope(_ x: Double) -> (Double, Double) {
        withUnsafeBytes(of: c) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            var value = p[degree], slope = 0.0
            var k = degree - 1
            while k >= 0 { slope = slope * x + value; value = value * x + p[k]; k -= 1 }
            return (value, slope)
        }
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
/// may be reported once. Works for degree ≤ 15; a zero polynomial has no reported roots. The
/// variable is first scaled by the geometric mean of the roots' magnitudes (|c₀/c_n|^(1/n)) so that
/// the chain works on coefficients of similar size; roots lie within Fujiwara's bound
/// 2 max |c_{n−k}/c_n|^(1/k) (the last term halved).
func realPolynomialRoots(_ input: Polynomial, into roots: inout [Double]) {
    let found = realPolynomialRoots(input)
    for k in 0..<found.count { roots.append(found[k]) }
}

/// Up to 16 real roots held inline.
struct RootList {
    var values = SIMD16<Double>.zero
    var count = 0

    subscript(index: Int) -> Double { values[index] }

    mutating func append(_ value: Double) {
        guard count < 16 else { return }
        values[count] = value
        count += 1
    }
}

/// `realPolynomialRoots(_:into:)` returning the roots inline, in increasing order; no heap
/// allocation. With `positiveOnly`, only the roots in (0, bound] are sought.
func realPolynomialRoots(_ input: Polynomial, positiveOnly: Bool = false) -> RootList {
    var roots = RootList()
    let trimmed = input.trimmed()
    let n = trimmed.degree
    guard n > 0, trimmed.c[n] != 0, trimmed.c[n].isFinite else { return roots }
    guard let scaled = scaledMonic(trimmed) else { return roots }
    let (monic, sigma, bound) = scaled
    if n == 1 { roots.append(-monic.c[0] * sigma); return roots }
    let (transposed, length) = sturmChain(monic)
    isolateRoots(monic, chain: transposed, length: length, bound: bound, sigma: sigma, positiveOnly: positiveOnly, into: &roots)
    // Depth-first, left half first: already increasing (σ > 0).
    return roots
}

/// The Sturm chain of a monic polynomial: 16 SIMD rows, row k holding every chain
/// polynomial's coefficient of x^k.
typealias SturmChain = (SIMD16<Double>, SIMD16<Double>, SIMD16<Double>, SIMD16<Double>,
                        SIMD16<Double>, SIMD16<Double>, SIMD16<Double>, SIMD16<Double>,
                        SIMD16<Double>, SIMD16<Double>, SIMD16<Double>, SIMD16<Double>,
                        SIMD16<Double>, SIMD16<Double>, SIMD16<Double>, SIMD16<Double>)

/// The polynomial with its variable scaled by σ (a power of two near the geometric mean of the
/// roots' magnitudes) and made monic, σ, and Fujiwara's root bound of the scaled polynomial;
/// nil when a coefficient overflows or the bound is not positive.
@inline(__always)
private func scaledMonic(_ trimmed: Polynomial) -> (monic: Polynomial, sigma: Double, bound: Double)? {
    let n = trimmed.degree
    // σ: a power of two (exact scaling) near the geometric mean of the roots' magnitudes.
    var sigma = 1.0
    if trimmed.c[0] != 0 {
        let ratio = abs(trimmed.c[0] / trimmed.c[n])
        if ratio.isFinite && ratio > 0 {
            let exponent = (Double(Int(ratio.exponent)) / Double(n)).rounded()
            sigma = Double(sign: .plus, exponent: Int(exponent), significand: 1)
        }
    }
    var scaled = trimmed.c
    var power = 1.0
    for k in 0...n { scaled[k] *= power; power *= sigma }
    let monic = Polynomial(storage: scaled / scaled[n], degree: n)
    // Fujiwara's bound 2 max |c_{n−k}|^(1/k) (the last term halved), each k-th root rounded up to a
    // power of two from the binary exponent (at most 2× looser, and no pow).
    var bound = 0.0
    for k in 1...n {
        var magnitude = abs(monic.c[n - k])
        if k == n { magnitude /= 2 }
        guard magnitude > 0 else { continue }
        guard magnitude.isFinite else { return nil }
        let exponent = (Double(Int(magnitude.exponent) + 1) / Double(k)).rounded(.up)
        bound = max(bound, Double(sign: .plus, exponent: Int(exponent), significand: 1))
    }
    bound = 2 * bound
    guard bound.isFinite, bound > 0 else { return nil }
    return (monic, sigma, bound)
}


/// The Sturm chain p0 = p, p1 = p', p_{k+1} = −rem(p_{k−1}, p_k) of a monic polynomial of degree
/// ≥ 2, and its length.
@inline(__always)
private func sturmChain(_ monic: Polynomial) -> (SturmChain, Int) {
    let n = monic.degree
    // The Sturm chain p0 = p, p1 = p', p_{k+1} = −rem(p_{k−1}, p_k), each rescaled to max |c| = 1,
    // stored transposed: t[16 k + j] is chain polynomial j's coefficient of x^k, so that one Horner
    // pass over SIMD vectors evaluates the whole chain.
    var transposed: SturmChain = (.zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero,
                                  .zero, .zero, .zero, .zero, .zero, .zero, .zero, .zero)
    var length = 0
    withUnsafeMutableBytes(of: &transposed) { raw in
        let t = raw.baseAddress!.assumingMemoryBound(to: Double.self)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 48) { rows in
            // Three rolling rows of 16 coefficients: a = p_{k−1}, b = p_k, r = the remainder.
            var a = rows.baseAddress!, b = a + 16, r = b + 16
            var da = n, db = n - 1
            for k in 0..<16 { a[k] = k <= n ? monic.c[k] : 0; b[k] = k < n ? Double(k + 1) * monic.c[k + 1] : 0 }
            for k in 0...da { t[16 * k] = a[k] }
            for k in 0...db { t[16 * k + 1] = b[k] }
            length = 2
            while length <= n && db > 0 {
                for k in 0...da { r[k] = a[k] }
                var rd = da
                let lead = b[db]
                while rd >= db {
                    let factor = r[rd] / lead
                    let shift = rd - db
                    for k in 0...db { r[shift + k] -= factor * b[k] }
                    r[rd] = 0
                    rd -= 1
                }
                var scaleA = 0.0
                for k in 0...da { scaleA = max(scaleA, abs(a[k])) }
                var remScale = 0.0
                var top = 0
                if rd >= 0 { for k in 0...rd where r[k] != 0 { remScale = max(remScale, abs(r[k])); top = k } }
                // Negligible remainder: p and p' share roots (a multiple root); the chain ends there.
                if remScale <= 1e-13 * scaleA { break }
                let inverse = -1 / remScale
                for k in 0...top { r[k] *= inverse; t[16 * k + length] = r[k] }
                for k in (top + 1)..<16 { r[k] = 0 }
                length += 1
                // Roll: a ← b, b ← r.
                let oldA = a
                a = b; da = db
                b = r; db = top
                r = oldA
            }
        }
    }
    return (transposed, length)
}

/// The roots of the scaled monic polynomial in (−bound, bound] ((0, bound] with `positiveOnly`),
/// isolated by bisection on the chain's sign changes, depth-first and left half first, each
/// polished by safeguarded Newton, appended to `roots` unscaled (× σ).
@inline(__always)
private func isolateRoots(_ monic: Polynomial, chain transposed: SturmChain, length: Int, bound: Double, sigma: Double,
                          positiveOnly: Bool, into roots: inout RootList) {
    let n = monic.degree
    func signChanges(_ x: Double) -> Int {
        withUnsafeBytes(of: transposed) { raw in
            let t = raw.baseAddress!.assumingMemoryBound(to: SIMD16<Double>.self)
            var v = t[n]
            var k = n - 1
            while k >= 0 { v = v * x + t[k]; k -= 1 }
            var changes = 0
            var previous = 0.0
            for j in 0..<length {
                let value = v[j]
                if value == 0 { continue }
                if previous != 0 && (value < 0) != (previous < 0) { changes += 1 }
                previous = value
            }
            return changes
        }
    }

    // The single root in (lo, hi) where p changes sign: Newton from the secant's point, guarded by
    // bisection, to a relative 1e-9 (the solvers polish their solutions on their own equations).
    var coefficients = monic.c
    func value(_ x: Double) -> (Double, Double) {
        withUnsafeBytes(of: &coefficients) { raw in
            let p = raw.baseAddress!.assumingMemoryBound(to: Double.self)
            var v = p[n], d = 0.0
            var k = n - 1
            while k >= 0 { d = d * x + v; v = v * x + p[k]; k -= 1 }
            return (v, d)
        }
    }
    func polish(_ loIn: Double, _ hiIn: Double) -> Double? {
        var lo = loIn, hi = hiIn
        var flo = value(lo).0
        let fhi = value(hi).0
        if flo == 0 { return lo }
        if fhi == 0 { return hi }
        guard (flo < 0) != (fhi < 0) else { return nil }
        var x = lo - flo * (hi - lo) / (fhi - flo)
        if !(x > lo && x < hi) { x = 0.5 * (lo + hi) }
        for _ in 0..<60 {
            let (f, df) = value(x)
            if f == 0 { return x }
            if (f < 0) == (flo < 0) { lo = x; flo = f } else { hi = x }
            var next = df != 0 ? x - f / df : 0.5 * (lo + hi)
            if !(next > lo && next < hi) { next = 0.5 * (lo + hi) }
            let tolerance = 1e-9 * max(1, abs(next))
            if abs(next - x) <= tolerance || hi - lo <= tolerance { return next }
            x = next
        }
        return x
    }

    // Isolation by bisection on the count of roots in (a, b], depth-first, left half first.
    withUnsafeTemporaryAllocation(of: (Double, Double, Int, Int, Int).self, capacity: 128) { stack in
        var top = 0
        let low = positiveOnly ? 0 : -bound
        stack[0] = (low, bound, signChanges(low), signChanges(bound), 0)
        top = 1
        while top > 0 {
            top -= 1
            let (a, b, sa, sb, depth) = stack[top]
            let count = sa - sb
            if count <= 0 { continue }
            if count == 1, let r = polish(a, b) {
                roots.append(r * sigma)
                continue
            }
            if depth > 60 || b - a <= 1e-13 * bound || top + 2 > 128 {
                roots.append(0.5 * (a + b) * sigma)
                continue
            }
            let m = 0.5 * (a + b)
            let sm = signChanges(m)
            stack[top] = (m, b, sm, sb, depth + 1)
            stack[top + 1] = (a, m, sa, sm, depth + 1)
            top += 2
        }
    }
}
