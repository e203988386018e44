import Features
import Formats
import Foundation
import TensorFiles

/// The parsers and decoders that read users' files, as fuzzing targets: each takes arbitrary
/// bytes, and must either succeed or throw — never trap, read out of bounds or hang.
/// `RelocFuzz` runs them under libFuzzer (scripts/fuzz); the seed corpus and every input that once
/// crashed (`Tests/FuzzCorpus/<target>/`) are replayed by the tests.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// cameras.txt, images.txt, points3D.txt, separated by NUL bytes.
    case colmapText = "colmap-text"
    /// cameras.bin, images.bin, points3D.bin: two little-endian UInt32 lengths, then the bytes.
    case colmapBinary = "colmap-binary"
    case queryList = "query-list"
    case pairs
    /// Submissions and ground truth (`name qw qx qy qz tx ty tz`).
    case poses
    case correspondences
    case camera
    case localizationLog = "localization-log"
    case jpeg
    case png
    case pnm
    /// An HDF5 feature file (hloc layout) written to a temporary file and read back entry by entry.
    case hdf5Features = "hdf5-features"
    /// An HDF5 matches file read through the pairs it holds.
    case hdf5Matches = "hdf5-matches"
    /// A PyTorch checkpoint (zip or legacy format), every tensor read.
    case torchCheckpoint = "torch-checkpoint"

    /// Runs one input; errors thrown by the parser are the expected outcome for bad input.
    /// - Returns: whether the input was read without an error (a valid seed must be).
    @discardableResult
    public func run(_ bytes: [UInt8]) -> Bool {
        do {
            switch self {
            case .colmapText:
                let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
                func text(_ i: Int) -> String { i < parts.count ? String(decoding: parts[i], as: UTF8.self) : "" }
                let model = try ColmapModel.parseText(
                    ColmapFiles(cameras: text(0), images: text(1), points3D: text(2)),
                    names: ColmapFiles(cameras: "cameras.txt", images: "images.txt", points3D: "points3D.txt"))
                _ = model.formatText()
            case .colmapBinary:
                let parts = Self.lengthPrefixedParts(bytes, count: 3)
                let model = try ColmapModel.parseBinary(
                    ColmapFiles(cameras: parts[0], images: parts[1], points3D: parts[2]),
                    names: ColmapFiles(cameras: "cameras.bin", images: "images.bin", points3D: "points3D.bin"))
                _ = model.formatBinary()
            case .queryList:
                _ = try QueryList.parse(String(decoding: bytes, as: UTF8.self), file: "queries.txt")
            case .pairs:
                _ = try PairsFile.parse(String(decoding: bytes, as: UTF8.self), file: "pairs.txt")
            case .poses:
                _ = try PoseFile.parse(String(decoding: bytes, as: UTF8.self), file: "poses.txt")
            case .correspondences:
                _ = try CorrespondenceFile.parse(String(decoding: bytes, as: UTF8.self), file: "correspondences.txt")
            case .camera:
                _ = try parseCameraArgument(String(decoding: bytes, as: UTF8.self))
            case .localizationLog:
                try Self.withTemporaryFile(bytes, suffix: ".jsonl") { path in
                    if LocalizationLog.read(path: path, settings: "fuzz").isEmpty {
                        throw RelocError.file(file: path, message: "no entries")
                    }
                }
            case .jpeg:
                _ = try JPEG.decode(bytes, channels: 3, name: "fuzz.jpg")
            case .png:
                _ = try PNG.decode(bytes, channels: 3, name: "fuzz.png")
            case .pnm:
                _ = try PNM.decode(bytes, channels: 3, name: "fuzz.ppm")
            case .hdf5Features:
                try Self.withTemporaryFile(bytes, suffix: ".h5") { path in
                    let store = try FeatureStore(path: path, mode: .read)
                    let names = try store.names()
                    guard !names.isEmpty else { throw RelocError.file(file: path, message: "no entries") }
                    for name in names.prefix(8) {
                        _ = try store.readImageSize(name)
                        _ = try store.read(name)
                    }
                }
            case .hdf5Matches:
                try Self.withTemporaryFile(bytes, suffix: ".h5") { path in
                    let store = try MatchStore(path: path, mode: .read)
                    let keys = try store.pairKeys()
                    guard !keys.isEmpty else { throw RelocError.file(file: path, message: "no pairs") }
                    for key in keys.prefix(8) {
                        let names = key.split(separator: "/", maxSplits: 1).map(String.init)
                        guard names.count == 2, try store.read(names[0], names[1]) != nil else {
                            throw RelocError.file(file: path, message: "pair \(key) not found by its names")
                        }
                    }
                }
            case .torchCheckpoint:
                let checkpoint = try TorchCheckpoint(bytes: Data(bytes), path: "fuzz.pth")
                for name in checkpoint.tensorNames {
                    if let entry = checkpoint.entries[name], [.int64, .int32].contains(entry.dtype) {
                        _ = try checkpoint.integers(name)
                    } else {
                        _ = try checkpoint.floats(name)
                    }
                }
            }
        } catch {
            return false  // A clear error is the right answer to bad bytes.
        }
        return true
    }

    /// Splits `bytes` into `count` parts: `count - 1` little-endian UInt32 lengths (each clamped to
    /// what is left), then the parts; the last part is the rest.
    static func lengthPrefixedParts(_ bytes: [UInt8], count: Int) -> [[UInt8]] {
        var offset = 0
        var lengths: [Int] = []
        for _ in 0..<(count - 1) {
            var value = 0
            for k in 0..<4 where offset + k < bytes.count { value |= Int(bytes[offset + k]) << (8 * k) }
            lengths.append(value)
            offset = min(offset + 4, bytes.count)
        }
        var parts: [[UInt8]] = []
        for length in lengths {
            let end = offset + min(length, bytes.count - offset)
            parts.append(Array(bytes[offset..<end]))
            offset = end
        }
        parts.append(Array(bytes[offset...]))
        return parts
    }

    /// Joins parts in the `colmapBinary` layout (for building seed inputs).
    public static func lengthPrefixed(_ parts: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for part in parts.dropLast() {
            for k in 0..<4 { out.append(UInt8(truncatingIfNeeded: part.count >> (8 * k))) }
        }
        for part in parts { out += part }
        return out
    }

    nonisolated(unsafe) private static var temporaryFiles = 0

    /// Writes the bytes to a temporary file of its own (in /dev/shm when there is one; a new name
    /// each time, so that HDF5Guard's per-file memory never mistakes one input for another).
    static func withTemporaryFile(_ bytes: [UInt8], suffix: String, _ body: (String) throws -> Void) throws {
        let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        temporaryFiles += 1
        let path = "\(folder)/reloc-fuzz-\(getpid())-\(temporaryFiles)\(suffix)"
        defer { unlink(path) }
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw RelocError.file(file: path, message: "cannot write")
        }
        try body(path)
    }
}
