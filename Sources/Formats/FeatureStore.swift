import CHDF5Shim
import Foundation
import Geometry

/// An HDF5 file in hloc's feature layout: one group per image name (a name's `/` makes nested
/// groups, as h5py writes them) holding `keypoints` (N×2), `descriptors` (D×N), `scores` (N),
/// `image_size` (2: width, height) and an `uncertainty` attribute on `keypoints`.
///
/// On disk keypoints follow hloc (top-left pixel centre at 0, i.e. COLMAP − 0.5); `read` and
/// `write` convert. Any float (16/32/64-bit) or integer type is read (HDF5 converts); reloc
/// writes float32 keypoints and scores, float32 or float16 descriptors and int64 sizes.
public final class FeatureStore {
    public var path: String { file.path }
    package let file: HDF5File

    /// - Throws: `FormatError.file` naming the path when it cannot be opened.
    public init(path: String, mode: StoreMode) throws {
        file = try HDF5File(path: path, mode: mode, what: "feature file")
    }

    /// Writes buffered data to disk.
    public func flush() throws { try file.flush() }

    /// Image names that have keypoints, sorted.
    public func names() throws -> [String] { try file.parents(holding: "keypoints") }

    /// Whether the image has an entry with keypoints and descriptors. With `complete`, also its
    /// `image_size`, which reloc writes last: an entry cut short by a kill is then not complete.
    public func contains(_ name: String, complete: Bool = false) -> Bool {
        file.isDataset("\(name)/keypoints") && file.isDataset("\(name)/descriptors")
            && (!complete || file.isDataset("\(name)/image_size"))
    }

    /// Reads one image's keypoints only (COLMAP convention), without its descriptors.
    public func readKeypoints(_ name: String) throws -> [SIMD2<Float>] {
        let shape = try file.shape("\(name)/keypoints")
        guard shape.count == 2, shape[1] == 2 else {
            throw FormatError.file(file: path, message: "\(name)/keypoints has shape \(shape), expected N×2")
        }
        let raw = try file.readFloats("\(name)/keypoints", count: shape[0] * 2)
        return (0..<shape[0]).map { SIMD2(raw[2 * $0] + 0.5, raw[2 * $0 + 1] + 0.5) }
    }

    /// The `image_size` (width, height) of an image's entry, or (0, 0) when not stored.
    public func readImageSize(_ name: String) throws -> SIMD2<Int> {
        guard file.isDataset("\(name)/image_size") else { return SIMD2(0, 0) }
        let values = try file.readInt64s("\(name)/image_size", count: 2)
        return SIMD2(Int(values[0]), Int(values[1]))
    }

    /// Reads one image's features, converting keypoints to the COLMAP convention.
    /// - Throws: `FormatError.file` naming the file and image when an entry is missing or inconsistent.
    public func read(_ name: String) throws -> ImageFeatures {
        let keypointShape = try file.shape("\(name)/keypoints")
        guard keypointShape.count == 2, keypointShape[1] == 2 else {
            throw FormatError.file(file: path, message: "\(name)/keypoints has shape \(keypointShape), expected N×2")
        }
        let n = keypointShape[0]
        let raw = try file.readFloats("\(name)/keypoints", count: n * 2)
        var keypoints = [SIMD2<Float>](repeating: .zero, count: n)
        for i in 0..<n { keypoints[i] = SIMD2(raw[2 * i] + 0.5, raw[2 * i + 1] + 0.5) }

        let descriptorShape = try file.shape("\(name)/descriptors")
        guard descriptorShape.count == 2, descriptorShape[1] == n else {
            throw FormatError.file(file: path, message: "\(name)/descriptors has shape \(descriptorShape), expected D×\(n)")
        }
        let d = descriptorShape[0]
        let columns = try file.readFloats("\(name)/descriptors", count: d * n)
        var descriptors = [Float](repeating: 0, count: d * n)
        // D×N on disk → one contiguous descriptor per keypoint in memory.
        columns.withUnsafeBufferPointer { src in
            descriptors.withUnsafeMutableBufferPointer { dst in
                for k in 0..<d { for i in 0..<n { dst[i * d + k] = src[k * n + i] } }
            }
        }
        var scores: [Float] = []
        if file.isDataset("\(name)/scores") {
            scores = try file.readFloats("\(name)/scores", count: n)
        }
        var size = SIMD2<Int>(0, 0)
        if file.isDataset("\(name)/image_size") {
            let values = try file.readInt64s("\(name)/image_size", count: 2)
            size = SIMD2(Int(values[0]), Int(values[1]))
        }
        let uncertainty = file.readAttribute("\(name)/keypoints", "uncertainty")
        return ImageFeatures(keypoints: keypoints, descriptors: descriptors, descriptorDimension: d, scores: scores,
                             imageSize: size, uncertainty: uncertainty)
    }

    /// Writes (or replaces) one image's features.
    /// - Parameter halfDescriptors: store descriptors as float16, as hloc does by default.
    public func write(_ name: String, _ features: ImageFeatures, halfDescriptors: Bool = false) throws {
        let n = features.count, d = features.descriptorDimension
        guard features.descriptors.count == n * d, features.scores.isEmpty || features.scores.count == n else {
            throw FormatError.invalidArgument("features of \(name): \(n) keypoints, \(features.descriptors.count) descriptor values for dimension \(d), \(features.scores.count) scores")
        }
        try file.remove(name)
        var flat = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n { flat[2 * i] = features.keypoints[i].x - 0.5; flat[2 * i + 1] = features.keypoints[i].y - 0.5 }
        try file.write("\(name)/keypoints", floats: flat, dims: [n, 2])
        if let uncertainty = features.uncertainty { try file.writeAttribute("\(name)/keypoints", "uncertainty", uncertainty) }
        var columns = [Float](repeating: 0, count: d * n)
        for i in 0..<n { for k in 0..<d { columns[k * n + i] = features.descriptors[i * d + k] } }
        try file.write("\(name)/descriptors", floats: columns, dims: [d, n], fileType: halfDescriptors ? CHDF5_FLOAT16 : CHDF5_FLOAT32)
        if !features.scores.isEmpty {
            try file.write("\(name)/scores", floats: features.scores, dims: [n])
        }
        // Written last: its presence marks a complete entry (see `contains`).
        try file.write("\(name)/image_size", int64s: [Int64(features.imageSize.x), Int64(features.imageSize.y)], dims: [2])
    }

    /// Removes an image's entry (used to rebuild an entry left incomplete).
    public func remove(_ name: String) throws { try file.remove(name) }
}
