/// Projection and unprojection through the camera model, with distortion.
///
/// Normalized coordinates `(u, v) = (X/Z, Y/Z)` are undistorted points on the
/// plane Z = 1 of the camera frame. Pixels are `(fx·(u+du) + cx, fy·(v+dv) + cy)`,
/// where `(du, dv)` is the model's distortion (COLMAP's formulas).
extension Camera {
    /// Distortion offset `(du, dv)` at undistorted normalized coordinates `uv`.

    public func distortion(_ uv: Vector2) -> Vector2 {
        let (u, v) = (uv.x, uv.y)
        switch model {
        case .simplePinhole, .pinhole:
            return .zero
        case .simpleRadial:
            let radial = params[3] * (u * u + v * v)
            return Vector2(u * radial, v * radial)
        case .radial:
            let r2 = u * u + v * v
            let radial = params[3] * r2 + params[4] * r2 * r2
            return Vector2(u * radial, v * radial)
        case .opencv:
            let (k1, k2, p1, p2) = (params[4], params[5], params[6], params[7])
            let r2 = u * u + v * v
            let uv = u * v
            let radial = k1 * r2 + k2 * r2 * r2
            return Vector2(u * radial + 2 * p1 * uv + p2 * (r2 + 2 * u * u),
                           v * radial + 2 * p2 * uv + p1 * (r2 + 2 * v * v))
        }
    }

    /// Jacobian of the distorted coordinates `uv + distortion(uv)` with respect to `uv`,
    /// as `(row0, row1)`.
    public func distortionJacobian(_ uv: Vector2) -> (Vector2, Vector2) {
        let (u, v) = (uv.x, uv.y)
        let r2 = u * u + v * v
        var radial = 0.0, slope = 0.0  // radial(r2) and d radial / d r2
        var p1 = 0.0, p2 = 0.0
        switch model {
        case .simplePinhole, .pinhole:
            break
        case .simpleRadial:
            radial = params[3] * r2; slope = params[3]
        case .radial:
            radial = params[3] * r2 + params[4] * r2 * r2; slope = params[3] + 2 * params[4] * r2
        case .opencv:
            radial = params[4] * r2 + params[5] * r2 * r2; slope = params[4] + 2 * params[5] * r2
            p1 = params[6]; p2 = params[7]
        }
        let duu = 1 + radial + 2 * u * u * slope + 2 * p1 * v + 6 * p2 * u
        let duv = 2 * u * v * slope + 2 * p1 * u + 2 * p2 * v
        let dvu = 2 * u * v * slope + 2 * p2 * v + 2 * p1 * u
        let dvv = 1 + radial + 2 * v * v * slope + 2 * p2 * u + 6 * p1 * v
        return (Vector2(duu, duv), Vector2(dvu, dvv))
    }

    /// Pixel coordinates of undistorted normalized coordinates: COLMAP's formula as it is, also
    /// beyond `monotonicRadius` (a residual's derivative needs it there); whether a point is seen
    /// is `imageFromCamera`'s answer.

    public func imageFromNormalized(_ uv: Vector2) -> Vector2 {
        let d = uv + distortion(uv)
        let f = model.focalIndices
        let c = model.principalPointIndices
        return Vector2(params[f[0]] * d.x + params[c[0]], params[f[f.count - 1]] * d.y + params[c[1]])
    }

    /// Pixel coordinates of a point in the camera frame, or nil when the point is
    /// not in front of the camera (Z ≤ 1e-12·|P|) or lies beyond `monotonicRadius`, where the
    /// distortion folds points from outside the field of view back into the image.

    public func imageFromCamera(_ pointInCam: Vector3) -> Vector2? {
        guard pointInCam.z > 1e-12 * max(1, abs(pointInCam.x) + abs(pointInCam.y)) else { return nil }
        let uv = Vector2(pointInCam.x / pointInCam.z, pointInCam.y / pointInCam.z)
        guard isWithinMonotonicRadius(uv) else { return nil }
        return imageFromNormalized(uv)
    }

    /// Undistorted normalized coordinates of a pixel: the inverse of
    /// `imageFromNormalized`, solved by Newton's method on the distortion until the
    /// step is below 1e-10 (relative), at most 100 iterations.
    public func normalizedFromImage(_ pixel: Vector2) -> Vector2 {
        let f = model.focalIndices
        let c = model.principalPointIndices
        let distorted = Vector2((pixel.x - params[c[0]]) / params[f[0]],
                                (pixel.y - params[c[1]]) / params[f[f.count - 1]])
        guard model.hasDistortion else { return distorted }
        var uv = distorted
        for _ in 0..<100 {
            let residual = uv + distortion(uv) - distorted
            let (j0, j1) = distortionJacobian(uv)
            let det = j0.x * j1.y - j0.y * j1.x
            guard det != 0, det.isFinite else { break }
            let step = Vector2((j1.y * residual.x - j0.y * residual.y) / det,
                               (-j1.x * residual.x + j0.x * residual.y) / det)
            uv -= step
            if abs(step.x) + abs(step.y) <= 1e-10 * (1 + abs(uv.x) + abs(uv.y)) { break }
        }
        return uv
    }

    /// Unit bearing vector in the camera frame for a pixel.
    public func bearing(forPixel pixel: Vector2) -> Vector3 {
        let uv = normalizedFromImage(pixel)
        return normalized(Vector3(uv.x, uv.y, 1))
    }
}
