#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a distorted camera model stops being a projection.
///
/// The radial models map an undistorted normalized radius r to the distorted radius
/// r_d = r · (1 + k1·r² + k2·r⁴). With a negative k1 that polynomial rises, peaks and falls
/// back through zero, so a point far outside the field of view lands back inside the image
/// ("fold-back"): COLMAP's formulas stay defined there but no longer describe a lens. The model
/// is a projection only while r_d grows with r, i.e. while
///
///     d r_d / d r = 1 + 3·k1·s + 5·k2·s² > 0,   s = r²,
///
/// which holds from the centre out to the first positive root s* of that quadratic:
///
/// | model | radius r* = √s* (normalized units, `.infinity` when the derivative has no positive root) |
/// |---|---|
/// | SIMPLE_PINHOLE, PINHOLE | ∞ |
/// | SIMPLE_RADIAL (k) | 1/√(−3k) for k < 0, else ∞ |
/// | RADIAL (k1, k2) | first positive root of 5·k2·s² + 3·k1·s + 1 = 0 (k2 = 0: as SIMPLE_RADIAL) |
/// | OPENCV (k1, k2, p1, p2) | as RADIAL from k1, k2; the tangential terms (|p| ~ 1e-3 in practice) are left out |
///
/// For k1 = −0.08 (f ≈ 1,110 px, 1600×1067) r* = 2.04, about 64° off the axis; the image
/// corner is at r = 0.87. `imageFromCamera` returns nil beyond r*, so every caller that asks
/// whether a point is seen (inlier counts, triangulation checks, map pairs, ground-truth
/// support, figures) treats a folded point as not in the image.
extension Camera {
    /// The normalized radius beyond which the model's distortion stops increasing with the
    /// radius (`.infinity` for models and coefficients where it never does). See the table above.
    public var monotonicRadius: Double { monotonicRadiusSquared.squareRoot() }

    /// Whether undistorted normalized coordinates lie inside `monotonicRadius`, where the
    /// model is a projection.
    @inline(__always)
    public func isWithinMonotonicRadius(_ uv: Vector2) -> Bool {
        uv.x * uv.x + uv.y * uv.y < monotonicRadiusSquared
    }

    /// s* = r*² for `model` with `params` (see the table in this file's header).
    static func monotonicRadiusSquared(model: CameraModel, params: [Double]) -> Double {
        switch model {
        case .simplePinhole, .pinhole:
            return .infinity
        case .simpleRadial:
            return firstPositiveRoot(a: 0, b: 3 * params[3], c: 1)
        case .radial:
            return firstPositiveRoot(a: 5 * params[4], b: 3 * params[3], c: 1)
        case .opencv:
            return firstPositiveRoot(a: 5 * params[5], b: 3 * params[4], c: 1)
        }
    }

    /// The smallest positive root of a·s² + b·s + c (c > 0), or `.infinity` when there is none.
    private static func firstPositiveRoot(a: Double, b: Double, c: Double) -> Double {
        var roots: [Double] = []
        if a == 0 {
            if b != 0 { roots = [-c / b] }
        } else {
            let discriminant = b * b - 4 * a * c
            if discriminant >= 0 {
                // The stable pair q/a, c/q (no cancellation in b ± √Δ).
                let q = -0.5 * (b + (b < 0 ? -1.0 : 1.0) * discriminant.squareRoot())
                roots = [q / a] + (q != 0 ? [c / q] : [])
            }
        }
        return roots.filter { $0 > 0 && $0.isFinite }.min() ?? .infinity
    }
}
