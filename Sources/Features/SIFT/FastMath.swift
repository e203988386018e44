/// atan2 through a degree-9 odd polynomial for atan on [−1, 1] (max error ≈ 1e-5 rad), with
/// the usual octant reduction: SIFT bins orientations into 10° or 45° bins, so this is exact
/// enough and several times cheaper than libm's atan2, which dominated descriptor time.
@inline(__always)
func fastAtan2(_ y: Double, _ x: Double) -> Double {
    let ax = abs(x), ay = abs(y)
    if ax == 0 && ay == 0 { return 0 }
    let swap = ay > ax
    let t = swap ? ax / ay : ay / ax
    let t2 = t * t
    var r = t * (0.9998660 + t2 * (-0.3302995 + t2 * (0.1801410 + t2 * (-0.0851330 + t2 * 0.0208351))))
    if swap { r = Double.pi / 2 - r }
    if x < 0 { r = Double.pi - r }
    return y < 0 ? -r : r
}
