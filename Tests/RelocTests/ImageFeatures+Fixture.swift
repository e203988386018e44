import Formats
import Geometry
import Reloc

extension ImageFeatures {
    /// Features at given pixels (COLMAP convention) for the stores the stage tests write:
    /// `descriptors` one after another (default: a single 0 per keypoint), no scores.
    static func fixture(pixels: [Vector2], descriptors: [Float]? = nil, dimension: Int = 1,
                        imageSize: SIMD2<Int> = SIMD2(640, 480)) -> ImageFeatures {
        ImageFeatures(keypoints: pixels.map { SIMD2(Float($0.x), Float($0.y)) },
                      descriptors: descriptors ?? [Float](repeating: 0, count: pixels.count * dimension),
                      descriptorDimension: dimension, scores: [], imageSize: imageSize)
    }
}
