/// Guided matching: restricts the candidates of each first-set descriptor to the second-set
/// keypoints near its epipolar line, as COLMAP's guided matching does once the two-view
/// geometry is known. Descriptor j is a candidate for descriptor i when
/// `|a·x + b·y + c| ≤ threshold` with `(a, b, c) = lines0[i]` scaled so that `a² + b² = 1`
/// (then the left side is the distance of `points1[j] = (x, y)` from the line). The ratio
/// test and the mutual check then compare candidates only, so a repeated texture elsewhere in
/// the image (bricks, windows) no longer makes a correct match ambiguous.
public struct EpipolarGuide: Sendable {
    /// One line per first-set descriptor, in the coordinates of `points1`, (a, b) of unit length.
    public var lines0: [SIMD3<Float>]
    /// One point per second-set descriptor.
    public var points1: [SIMD2<Float>]
    /// The largest point-line distance of a candidate, in the same units.
    public var threshold: Float

    public init(lines0: [SIMD3<Float>], points1: [SIMD2<Float>], threshold: Float) {
        self.lines0 = lines0; self.points1 = points1; self.threshold = threshold
    }

    @inline(__always)
    func allows(_ i: Int, _ j: Int) -> Bool {
        let l = lines0[i], p = points1[j]
        return abs(l.x * p.x + l.y * p.y + l.z) <= threshold
    }
}
