import CHDF5Shim
import Foundation
import Geometry

/// Local features of one image, in reloc's conventions.
public struct ImageFeatures: Equatable, Sendable {
    /// Keypoints in pixels, COLMAP convention (top-left pixel centre at (0.5, 0.5)).
    public var keypoints: [SIMD2<Float>]
    /// Descriptors, one after another: descriptor i is `descriptors[i*D ..< (i+1)*D]`.
    public var descriptors: [Float]
    public var descriptorDimension: Int
    /// Detection scores, one per keypoint (empty when the file has none).
    public var scores: [Float]
    /// Width and height of the image the keypoints refer to.
    public var imageSize: SIMD2<Int>
    /// hloc's keypoint `uncertainty` attribute, when present.
    public var uncertainty: Double?

    public init(keypoints: [SIMD2<Float>], descriptors: [Float], descriptorDimension: Int, scores: [Float],
                imageSize: SIMD2<Int>, uncertainty: Double? = nil) {
        self.keypoints = keypoints; self.descriptors = descriptors; self.descriptorDimension = descriptorDimension
        self.scores = scores; self.imageSize = imageSize; self.uncertainty = uncertainty
    }

    public var count: Int { keypoints.count }
}

/// How a store's file is opened.
public enum StoreMode: Sendable {
    case read
    /// Read and write; the file is created when missing.
    case update
    /// A new, empty file (an existing one is replaced).
    case create
}

/// An HDF5 file in hloc's feature layout: one group per image name (a name's `/` makes nested
/// groups, as h5py writes them) holding `keypoints` (N×2), `descriptors` (D×N), `scores` (N),
/// `image_size` (2: width, height) and an `uncertainty` attribute on `keypoints`.
///
/// On disk keypoints follow hloc (top-left pixel centre at 0, i.e. COLMAP − 0.5); `read` and
/// `write` convert. Any float (16/32/64-bit) or integer type is read (HDF5 converts); reloc
/// writes float32 keypoints and scores, float32 or float16 descriptors and int64 sizes.
public final class FeatureStore {
    public let path: String
    let file: Int64

    /// - Throws: `RelocError.file` naming the path when it cannot be opened.
    public init(path: String, mode: StoreMode) throws {
        self.path = path
        file = try HDF5.open(path: path, mode: mode, what: "feature file")
    }

    deinit { _ = chdf5_close(file) }

    /// Writes buffered data to disk.
    public func flush() throws {
        guard chdf5_flush(file) == 0 else { throw RelocError.file(file: path, message: "cannot flush") }
    }

    /// Image names that have keypoints, sorted.
    public func names() throws -> [String] { try HDF5.parents(file: file, path: path, leaf: "keypoints") }

    /// Whether the image has an entry with keypoints and descriptors. With `complete`, also its
    /// `image_size`, which reloc writes last: an entry cut short by a kill is then not complete.
    public func contains(_ name: String, complete: Bool = false) -> Bool {
        chdf5_kind(file, "\(name)/keypoints") == 1 && chdf5_kind(file, "\(name)/descriptors") == 1
            && (!complete || chdf5_kind(file, "\(name)/image_size") == 1)
    }

    /// Reads one image's keypoints only (COLMAP convention), without its descriptors.
    public func readKeypoints(_ name: String) throws -> [SIMD2<Float>] {
        let shape = try HDF5.shape(file: file, path: path, dataset: "\(name)/keypoints")
        guard shape.count == 2, shape[1] == 2 else {
            throw RelocError.file(file: path, message: "\(name)/keypoints has shape \(shape), expected N×2")
        }
        let raw = try HDF5.readFloats(file: file, path: path, dataset: "\(name)/keypoints", count: shape[0] * 2)
        return (0..<shape[0]).map { SIMD2(raw[2 * $0] + 0.5, raw[2 * $0 + 1] + 0.5) }
    }

    /// The `image_size` (width, height) of an image's entry, or (0, 0) when not stored.
    public func readImageSize(_ name: String) throws -> SIMD2<Int> {
        guard chdf5_kind(file, "\(name)/image_size") == 1 else { return SIMD2(0, 0) }
        let values = try HDF5.readInts(file: file, path: path, dataset: "\(name)/image_size", count: 2)
        return SIMD2(Int(values[0]), Int(values[1]))
    }

    /// Reads one image's features, converting keypoints to the COLMAP convention.
    /// - Throws: `RelocError.file` naming the file and image when an entry is missing or inconsistent.
    public func read(_ name: String) throws -> ImageFeatures {
        let keypointShape = try HDF5.shape(file: file, path: path, dataset: "\(name)/keypoints")
        guard keypointShape.count == 2, keypointShape[1] == 2 else {
            throw RelocError.file(file: path, message: "\(name)/keypoints has shape \(keypointShape), expected N×2")
        }
        let n = keypointShape[0]
        let raw = try HDF5.readFloats(file: file, path: path, dataset: "\(name)/keypoints", count: n * 2)
        var keypoints = [SIMD2<Float>](repeating: .zero, count: n)
        for i in 0..<n { keypoints[i] = SIMD2(raw[2 * i] + 0.5, raw[2 * i + 1] + 0.5) }

        let descriptorShape = try HDF5.shape(file: file, path: path, dataset: "\(name)/descriptors")
        guard descriptorShape.count == 2, descriptorShape[1] == n else {
            throw RelocError.file(file: path, message: "\(name)/descriptors has shape \(descriptorShape), expected D×\(n)")
        }
        let d = descriptorShape[0]
        let columns = try HDF5.readFloats(file: file, path: path, dataset: "\(name)/descriptors", count: d * n)
        var descriptors = [Float](repeating: 0, count: d * n)
        // D×N on disk → one contiguous descriptor per keypoint in memory.
        columns.withUnsafeBufferPointer { src in
            descriptors.withUnsafeMutableBufferPointer { dst in
                for k in 0..<d { for i in 0..<n { dst[i * d + k] = src[k * n + i] } }
            }
        }
        var scores: [Float] = []
        if chdf5_kind(file, "\(name)/scores") == 1 {
            scores = try HDF5.readFloats(file: file, path: path, dataset: "\(name)/scores", count: n)
        }
        var size = SIMD2<Int>(0, 0)
        if chdf5_kind(file, "\(name)/image_size") == 1 {
            let values = try HDF5.readInts(file: file, path: path, dataset: "\(name)/image_size", count: 2)
            size = SIMD2(Int(values[0]), Int(values[1]))
        }
        var uncertainty: Double?
        var value = 0.0
        if chdf5_read_attribute(file, "\(name)/keypoints", "uncertainty", &value) == 0 { uncertainty = value }
        return ImageFeatures(keypoints: keypoints, descriptors: descriptors, descriptorDimension: d, scores: scores,
                             imageSize: size, uncertainty: uncertainty)
    }

    /// Writes (or replaces) one image's features.
    /// - Parameter halfDescriptors: store descriptors as float16, as hloc does by default.
    public func write(_ name: String, _ features: ImageFeatures, halfDescriptors: Bool = false) throws {
        let n = features.count, d = features.descriptorDimension
        guard features.descriptors.count == n * d, features.scores.isEmpty || features.scores.count == n else {
            throw RelocError.invalidArgument("features of \(name): \(n) keypoints, \(features.descriptors.count) descriptor values for dimension \(d), \(features.scores.count) scores")
        }
        if chdf5_exists(file, name) == 1 { _ = chdf5_delete(file, name) }
        var flat = [Float](repeating: 0, count: 2 * n)
        for i in 0..<n { flat[2 * i] = features.keypoints[i].x - 0.5; flat[2 * i + 1] = features.keypoints[i].y - 0.5 }
        try HDF5.write(file: file, path: path, dataset: "\(name)/keypoints", floats: flat, dims: [n, 2], fileType: CHDF5_FLOAT32)
        if let uncertainty = features.uncertainty {
            guard chdf5_write_attribute(file, "\(name)/keypoints", "uncertainty", uncertainty) == 0 else {
                throw RelocError.file(file: path, message: "cannot write the uncertainty attribute of \(name)")
            }
        }
        var columns = [Float](repeating: 0, count: d * n)
        for i in 0..<n { for k in 0..<d { columns[k * n + i] = features.descriptors[i * d + k] } }
        try HDF5.write(file: file, path: path, dataset: "\(name)/descriptors", floats: columns, dims: [d, n],
                       fileType: halfDescriptors ? CHDF5_FLOAT16 : CHDF5_FLOAT32)
        if !features.scores.isEmpty {
            try HDF5.write(file: file, path: path, dataset: "\(name)/scores", floats: features.scores, dims: [n], fileType: CHDF5_FLOAT32)
        }
        // Written last: its presence marks a complete entry (see `contains`).
        try HDF5.write(file: file, path: path, dataset: "\(name)/image_size",
                       ints: [Int64(features.imageSize.x), Int64(features.imageSize.y)], dims: [2], fileType: CHDF5_INT64)
    }

    /// Removes an image's entry (used to rebuild an entry left incomplete).
    public func remove(_ name: String) throws {
        if chdf5_exists(file, name) == 1, chdf5_delete(file, name) != 0 {
            throw RelocError.file(file: path, message: "cannot remove \(name)")
        }
    }
}

/// Small typed helpers over CHDF5Shim, with errors naming the file and dataset.
enum HDF5 {
    /// Opens (or creates) an HDF5 file; the folder of a file to write is created when missing.
    /// - Parameter what: the kind of file, for the error when it does not exist.
    static func open(path: String, mode: StoreMode, what: String) throws -> Int64 {
        if mode == .read && !FileManager.default.fileExists(atPath: path) {
            throw RelocError.file(file: path, message: "no such \(what)")
        }
        if mode != .read {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        }
        if mode != .create && FileManager.default.fileExists(atPath: path) { try HDF5Guard.check(path) }
        if mode != .read { HDF5Guard.trustOwnWrites(path) }
        let file = chdf5_open(path, mode == .read ? 0 : (mode == .update ? 3 : 2))
        guard file >= 0 else {
            throw RelocError.file(file: path, message: mode == .read ? "not an HDF5 file, or unreadable" : "cannot open for writing (not an HDF5 file?)")
        }
        return file
    }

    static func shape(file: Int64, path: String, dataset: String) throws -> [Int] {
        var rank: Int32 = 0, elementClass: Int32 = 0, elementSize: Int32 = 0
        var dims = [UInt64](repeating: 0, count: 8)
        guard chdf5_kind(file, dataset) == 1 else { throw RelocError.file(file: path, message: "no dataset \(dataset)") }
        guard chdf5_shape(file, dataset, &rank, &dims, &elementClass, &elementSize) == 0 else {
            throw RelocError.file(file: path, message: "cannot read the shape of \(dataset)")
        }
        guard elementClass != 2 else { throw RelocError.file(file: path, message: "\(dataset) is not numeric") }
        let sizes = Array(dims.prefix(Int(rank)))
        // A damaged header can claim any shape; readers allocate what it claims, so a shape whose
        // data could not fit in the file (even compressed 64:1) is refused, not allocated.
        var bytes = UInt64(max(elementSize, 1)), overflow = false
        for size in sizes where !overflow { (bytes, overflow) = bytes.multipliedReportingOverflow(by: size) }
        let fileBytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
        guard !overflow, bytes <= max(fileBytes.multipliedReportingOverflow(by: 64).partialValue, 1 << 26) else {
            throw RelocError.file(file: path, message: "\(dataset) claims shape \(sizes), more data than the file can hold (damaged?)")
        }
        return sizes.map { Int($0) }
    }

    static func readFloats(file: Int64, path: String, dataset: String, count: Int) throws -> [Float] {
        // float16 data is read as it is and widened here (exactly), not by HDF5's converter.
        var rank: Int32 = 0, elementClass: Int32 = 0, elementSize: Int32 = 0
        var dims = [UInt64](repeating: 0, count: 8)
        if chdf5_shape(file, dataset, &rank, &dims, &elementClass, &elementSize) == 0, elementClass == 0, elementSize == 2 {
            var halves = [UInt16](repeating: 0, count: count)
            let status = halves.withUnsafeMutableBytes { chdf5_read(file, dataset, Int32(CHDF5_FLOAT16), $0.baseAddress, UInt64(count)) }
            guard status == 0 else { throw RelocError.file(file: path, message: "cannot read \(dataset) (\(count) values)") }
            return halves.map { Float(Float16(bitPattern: $0)) }
        }
        var values = [Float](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes { chdf5_read(file, dataset, Int32(CHDF5_FLOAT32), $0.baseAddress, UInt64(count)) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot read \(dataset) (\(count) values)") }
        return values
    }

    static func readInts(file: Int64, path: String, dataset: String, count: Int) throws -> [Int64] {
        var values = [Int64](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes { chdf5_read(file, dataset, Int32(CHDF5_INT64), $0.baseAddress, UInt64(count)) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot read \(dataset) (\(count) values)") }
        return values
    }

    static func write(file: Int64, path: String, dataset: String, floats: [Float], dims: [Int], fileType: Int) throws {
        let sizes = dims.map { UInt64($0) }
        if fileType == CHDF5_FLOAT16 {
            // Rounded to nearest here: HDF5 1.10's float32 → float16 conversion gets the carry of
            // some values wrong (0.06249 stored as 0).
            let halves = floats.map { Float16($0).bitPattern }
            let status = halves.withUnsafeBytes { chdf5_write(file, dataset, Int32(CHDF5_FLOAT16), Int32(fileType), Int32(dims.count), sizes, $0.baseAddress) }
            guard status == 0 else { throw RelocError.file(file: path, message: "cannot write \(dataset)") }
            return
        }
        let status = floats.withUnsafeBytes { chdf5_write(file, dataset, Int32(CHDF5_FLOAT32), Int32(fileType), Int32(dims.count), sizes, $0.baseAddress) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot write \(dataset)") }
    }

    static func write(file: Int64, path: String, dataset: String, ints: [Int64], dims: [Int], fileType: Int) throws {
        let sizes = dims.map { UInt64($0) }
        let status = ints.withUnsafeBytes { chdf5_write(file, dataset, Int32(CHDF5_INT64), Int32(fileType), Int32(dims.count), sizes, $0.baseAddress) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot write \(dataset)") }
    }

    static func write(file: Int64, path: String, dataset: String, int32s: [Int32], dims: [Int], fileType: Int) throws {
        let sizes = dims.map { UInt64($0) }
        let status = int32s.withUnsafeBytes { chdf5_write(file, dataset, Int32(CHDF5_INT32), Int32(fileType), Int32(dims.count), sizes, $0.baseAddress) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot write \(dataset)") }
    }

    static func readInt32s(file: Int64, path: String, dataset: String, count: Int) throws -> [Int32] {
        var values = [Int32](repeating: 0, count: count)
        let status = values.withUnsafeMutableBytes { chdf5_read(file, dataset, Int32(CHDF5_INT32), $0.baseAddress, UInt64(count)) }
        guard status == 0 else { throw RelocError.file(file: path, message: "cannot read \(dataset) (\(count) values)") }
        return values
    }

    /// Groups that hold a dataset named `leaf`, sorted.
    static func parents(file: Int64, path: String, leaf: String) throws -> [String] {
        var capacity = 1 << 16
        while true {
            var buffer = [CChar](repeating: 0, count: capacity)
            let length = chdf5_list_parents(file, leaf, &buffer, UInt64(capacity))
            guard length >= 0 else { throw RelocError.file(file: path, message: "cannot list the file's groups") }
            if Int(length) <= capacity {
                let text = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return text.split(separator: "\n").map(String.init).sorted()
            }
            capacity = Int(length) + 1
        }
    }
}
