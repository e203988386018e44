import Foundation

/// One image's local features as a request body (`POST /v1/localize/features` of `reloc serve`),
/// for clients that extract on their side (the same kind and settings as the map's). Little-endian:
///
///     0   "RLQFEAT1"                 magic (8 bytes)
///     8   UInt32 keypoints n, UInt32 descriptor dimension d
///     16  UInt32 image width, UInt32 image height   (the pixels the keypoints are in)
///     24  UInt32 descriptor bytes per value (2: float16, 4: float32), UInt32 flags (bit 0: scores)
///     32  keypoints n×2 Float32 (x, y; COLMAP's convention, the top-left pixel's centre at (0.5, 0.5),
///         as reloc's and hloc's stores keep them), then scores n Float32 when flagged, then
///         descriptors n×d, row-major
///
/// In numpy: `header + kpts.astype('<f4').tobytes() + desc.astype('<f2').tobytes()`.
public enum FeatureRequestBody {
    public static let magic = Array("RLQFEAT1".utf8)
    static let headerSize = 32
    /// More keypoints than any extractor keeps; a larger count is refused before it is read.
    public static let maxKeypoints = 65_536
    public static let maxDimension = 4_096

    /// The body for `features`: descriptors float16 when every value is one (as stores keep them).
    public static func encode(_ features: ImageFeatures) -> [UInt8] {
        let half = features.descriptors.map { Float16($0) }
        let isHalf = zip(half, features.descriptors).allSatisfy { Float($0) == $1 }
        let hasScores = features.scores.count == features.count && features.count > 0
        var bytes = magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        put(UInt32(features.count)); put(UInt32(features.descriptorDimension))
        put(UInt32(features.imageSize.x)); put(UInt32(features.imageSize.y))
        put(UInt32(isHalf ? 2 : 4)); put(UInt32(hasScores ? 1 : 0))
        func append<T>(_ values: [T]) { values.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        append(features.keypoints.flatMap { [$0.x, $0.y] })
        if hasScores { append(features.scores) }
        if isHalf { append(half) } else { append(features.descriptors) }
        return bytes
    }

    /// - Throws: `FormatError.invalidArgument` saying what is wrong with the body.
    public static func decode(_ bytes: [UInt8]) throws -> ImageFeatures {
        func fail(_ message: String) -> FormatError { .invalidArgument("features body: \(message)") }
        guard bytes.count >= headerSize, Array(bytes[0..<8]) == magic else {
            throw fail("does not start with the RLQFEAT1 header (\(bytes.count) bytes)")
        }
        func u32(_ at: Int) -> Int { Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24) }
        let (n, d, width, height, valueBytes, flags) = (u32(8), u32(12), u32(16), u32(20), u32(24), u32(28))
        guard n <= maxKeypoints else { throw fail("\(n) keypoints, more than \(maxKeypoints)") }
        guard d > 0, d <= maxDimension else { throw fail("descriptor dimension \(d) (1 to \(maxDimension))") }
        guard width > 0, height > 0, width <= 1 << 16, height <= 1 << 16 else { throw fail("image size \(width)×\(height)") }
        guard valueBytes == 2 || valueBytes == 4 else { throw fail("descriptor values of \(valueBytes) bytes (2: float16, 4: float32)") }
        guard flags & ~1 == 0 else { throw fail("unknown flags \(flags)") }
        let hasScores = flags & 1 == 1
        let expected = headerSize + n * 8 + (hasScores ? n * 4 : 0) + n * d * valueBytes
        guard bytes.count == expected else { throw fail("\(bytes.count) bytes, the header gives \(expected)") }
        let features = bytes.withUnsafeBytes { raw in
            func floats(_ at: Int, _ count: Int) -> [Float] {
                (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4 * $0, as: UInt32.self))) }
            }
            let xy = floats(headerSize, 2 * n)
            var at = headerSize + 8 * n
            let scores = hasScores ? floats(at, n) : []
            if hasScores { at += 4 * n }
            let descriptors = valueBytes == 4
                ? floats(at, n * d)
                : (0..<(n * d)).map { Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: at + 2 * $0, as: UInt16.self)))) }
            return ImageFeatures(keypoints: (0..<n).map { SIMD2(xy[2 * $0], xy[2 * $0 + 1]) }, descriptors: descriptors,
                                 descriptorDimension: d, scores: scores, imageSize: SIMD2(width, height), uncertainty: nil)
        }
        guard features.keypoints.allSatisfy({ $0.x.isFinite && $0.y.isFinite }), features.descriptors.allSatisfy(\.isFinite),
              features.scores.allSatisfy(\.isFinite) else {
            throw fail("a keypoint, score or descriptor value is not finite")
        }
        return features
    }
}
