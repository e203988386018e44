import Geometry

/// Deterministic hash-based randomness and noise for the procedural scene: the same
/// inputs give the same values on every machine and thread.
enum Hash {
    /// A 64-bit mix of integers (SplitMix64 finalizer over a combined key).
    @inline(__always)
    static func mix(_ a: Int, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0) -> UInt64 {
        var z = UInt64(bitPattern: Int64(a)) &* 0x9E37_79B9_7F4A_7C15
        z ^= UInt64(bitPattern: Int64(b)) &* 0xC2B2_AE3D_27D4_EB4F
        z ^= UInt64(bitPattern: Int64(c)) &* 0x1656_67B1_9E37_79F9
        z ^= UInt64(bitPattern: Int64(d)) &* 0x27D4_EB2F_1656_67C5
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [0, 1).
    @inline(__always)
    static func unit(_ a: Int, _ b: Int = 0, _ c: Int = 0, _ d: Int = 0) -> Double {
        Double(mix(a, b, c, d) >> 11) * 0x1.0p-53
    }
}

/// Smooth 2D value noise and its fractal sum, in [0, 1].
enum Noise {
    @inline(__always)
    static func value(_ x: Double, _ y: Double, seed: Int) -> Double {
        let xf = x.rounded(.down), yf = y.rounded(.down)
        let xi = Int(xf), yi = Int(yf)
        var tx = x - xf, ty = y - yf
        tx = tx * tx * (3 - 2 * tx)
        ty = ty * ty * (3 - 2 * ty)
        let a = Hash.unit(xi, yi, seed), b = Hash.unit(xi + 1, yi, seed)
        let c = Hash.unit(xi, yi + 1, seed), d = Hash.unit(xi + 1, yi + 1, seed)
        return (a + (b - a) * tx) * (1 - ty) + (c + (d - c) * tx) * ty
    }

    /// Three octaves, each twice the frequency and half the amplitude of the previous.
    @inline(__always)
    static func fractal(_ x: Double, _ y: Double, seed: Int) -> Double {
        (0.5 * value(x, y, seed: seed) + 0.25 * value(x * 2, y * 2, seed: seed &+ 1)
            + 0.125 * value(x * 4, y * 4, seed: seed &+ 2)) / 0.875
    }
}

/// A linear-light RGB colour.
public typealias Color = SIMD3<Double>

/// The surface patterns of the scene, evaluated at metric surface coordinates (u along
/// the surface, v upwards). Rich in multi-scale structure on purpose: bricks, windows with
/// frames, posters with glyph-like marks, cobblestones, noise — so that local features
/// find corners and blobs at many scales.
enum ProceduralTexture {
    /// What a surface point looks like: its albedo, and light it emits itself (lit windows).
    struct Sample {
        var albedo: Color
        var emission: Color = .zero
        /// Night only: the point is on a window that may be lit.
        var windowLight: Double = 0
    }

    /// Brick wall with mortar joints, per-brick colour variation and grime.
    static func bricks(u: Double, v: Double, base: Color, seed: Int) -> Color {
        let rowHeight = 0.075, brickLength = 0.23, mortar = 0.012
        let row = Int((v / rowHeight).rounded(.down))
        let shifted = u + (row & 1 == 0 ? 0 : brickLength / 2)
        let column = Int((shifted / brickLength).rounded(.down))
        let fu = shifted - Double(column) * brickLength, fv = v - Double(row) * rowHeight
        let grime = 0.75 + 0.35 * Noise.fractal(u * 1.5, v * 1.5, seed: seed &+ 7)
        if fu < mortar || fv < mortar { return Color(0.55, 0.53, 0.50) * grime }
        let variation = 0.7 + 0.6 * Hash.unit(column, row, seed)
        let speckle = 0.85 + 0.3 * Noise.value(u * 40, v * 40, seed: seed &+ 3)
        return base * variation * speckle * grime
    }

    /// Plaster with large-scale stains and fine grain.
    static func plaster(u: Double, v: Double, base: Color, seed: Int) -> Color {
        let stains = 0.7 + 0.5 * Noise.fractal(u * 0.4, v * 0.4, seed: seed)
        let grain = 0.9 + 0.2 * Noise.value(u * 25, v * 25, seed: seed &+ 1)
        return base * stains * grain
    }

    /// A poster: coloured background, a border, and rows of blocky glyphs (5×7 random bitmaps).
    static func poster(u: Double, v: Double, width: Double, height: Double, seed: Int) -> Color {
        let background = Color(Hash.unit(seed, 1), Hash.unit(seed, 2), Hash.unit(seed, 3)) * 0.8 + 0.1
        let ink = Color(1, 1, 1) - background * 0.9
        let border = 0.04
        if u < border || v < border || u > width - border || v > height - border { return ink * 0.9 }
        // A picture block in the upper half: a few overlapping discs.
        if v > height * 0.55 {
            for k in 0..<3 {
                let cx = border + Hash.unit(seed, 10 + k) * (width - 2 * border)
                let cy = height * 0.55 + Hash.unit(seed, 20 + k) * height * 0.4
                let r = 0.06 + 0.12 * Hash.unit(seed, 30 + k)
                if (u - cx) * (u - cx) + (v - cy) * (v - cy) < r * r {
                    return Color(Hash.unit(seed, 40 + k), Hash.unit(seed, 50 + k), Hash.unit(seed, 60 + k))
                }
            }
            return background
        }
        // Text lines below: glyph cells of 0.06 × 0.09 m, 5 × 7 dots each.
        let cellW = 0.06, cellH = 0.09
        let cu = Int(((u - border) / cellW).rounded(.down)), cv = Int(((v - border) / cellH).rounded(.down))
        let du = (u - border) - Double(cu) * cellW, dv = (v - border) - Double(cv) * cellH
        let dotU = Int(du / cellW * 6), dotV = Int(dv / cellH * 8)
        guard dotU >= 1, dotU <= 5, dotV >= 1, dotV <= 7, Hash.unit(seed, cv, 99) > 0.15 else { return background }
        let on = Hash.mix(seed, cu, cv) >> UInt64((dotV - 1) * 5 + (dotU - 1)) & 1 == 1
        return on ? ink : background
    }

    /// A window: frame, mullions and dark glass with a sky reflection gradient.
    static func window(u: Double, v: Double, width: Double, height: Double, seed: Int) -> ProceduralTexture.Sample {
        let frame = 0.07
        let frameColor = Hash.unit(seed, 5) < 0.5 ? Color(0.85, 0.85, 0.82) : Color(0.25, 0.2, 0.15)
        if u < frame || v < frame || u > width - frame || v > height - frame {
            return Sample(albedo: frameColor)
        }
        if abs(u - width / 2) < frame / 2 || abs(v - height * 0.62) < frame / 2 {
            return Sample(albedo: frameColor * 0.9)
        }
        let reflection = 0.08 + 0.12 * (v / height) + 0.05 * Noise.value(u * 3, v * 3, seed: seed)
        // Curtains in some windows: a lighter lower band.
        let curtain = Hash.unit(seed, 7) < 0.4 && v < height * 0.45 ? 0.25 : 0.0
        var sample = Sample(albedo: Color(reflection, reflection * 1.05, reflection * 1.15) + curtain)
        sample.windowLight = 1
        return sample
    }

    /// Cobblestones: jittered rows of stones with dark joints and per-stone tone.
    static func cobbles(u: Double, v: Double, seed: Int) -> Color {
        let size = 0.16
        let row = Int((v / size).rounded(.down))
        let shifted = u + Hash.unit(row, 0, seed) * size
        let column = Int((shifted / size).rounded(.down))
        let fu = shifted / size - Double(column), fv = v / size - Double(row)
        let edge = min(fu, fv, 1 - fu, 1 - fv)
        let tone = 0.25 + 0.25 * Hash.unit(column, row, seed)
        let wear = 0.8 + 0.3 * Noise.fractal(u * 0.7, v * 0.7, seed: seed &+ 11)
        let joint = edge < 0.08 ? 0.45 + 4 * edge : 1.0
        return Color(tone, tone * 0.97, tone * 0.92) * wear * joint
    }
}
