import Geometry

extension FeatureStore {
    /// An image's keypoints in its camera's pixels (COLMAP convention): features extracted from an
    /// image of another size than the camera's (e.g. a model made from downscaled images) are
    /// scaled to it. The one place the map, localization and the report read keypoints for geometry.
    public func keypoints(_ name: String, inPixelsOf camera: Camera) throws -> [Vector2] {
        let points = try readKeypoints(name)
        let size = try readImageSize(name)
        return ImageFeatures.keypoints(points, imageSize: size, inPixelsOf: camera)
    }
}

extension ImageFeatures {
    /// The keypoints in the camera's pixels, as `FeatureStore.keypoints(_:inPixelsOf:)`.
    public func keypoints(inPixelsOf camera: Camera) -> [Vector2] {
        Self.keypoints(keypoints, imageSize: imageSize, inPixelsOf: camera)
    }

    static func keypoints(_ points: [SIMD2<Float>], imageSize size: SIMD2<Int>, inPixelsOf camera: Camera) -> [Vector2] {
        var scale = Vector2(1, 1)
        if size.x > 0, size.y > 0, size.x != camera.width || size.y != camera.height {
            scale = Vector2(Double(camera.width) / Double(size.x), Double(camera.height) / Double(size.y))
        }
        return points.map { Vector2(Double($0.x), Double($0.y)) * scale }
    }
}
