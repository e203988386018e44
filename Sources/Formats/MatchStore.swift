import Foundation

/// One correspondence between two images' keypoints.
public struct KeypointMatch: Equatable, Sendable {
    public var index0: Int
    public var index1: Int
    public var score: Float

    public init(index0: Int, index1: Int, score: Float) { self.index0 = index0; self.index1 = index1; self.score = score }
}

/// An HDF5 file of matches in hloc's layout: a group per pair at `name0/name1` where each name
/// has its own `/` replaced by `-` (hloc's `names_to_pair`), holding `matches0` (for each
/// keypoint of image 0, the index of its match in image 1, or −1) and `matching_scores0`.
/// Lookups also find the reversed pair (and invert it) and hloc's older `name0_name1` form.
/// Any integer type is read for `matches0` and any float type for the scores; reloc writes
/// int32 and float32 (types hloc reads).
public final class MatchStore {
    public var path: String { file.path }
    package let file: HDF5File

    /// - Throws: `FormatError.file` naming the path when it cannot be opened.
    public init(path: String, mode: StoreMode) throws {
        file = try HDF5File(path: path, mode: mode, what: "match file")
    }

    public func flush() throws { try file.flush() }

    /// hloc's `names_to_pair`: each name with `/` replaced by `-`, joined by `separator`.
    public static func pairKey(_ name0: String, _ name1: String, separator: String = "/") -> String {
        name0.replacingOccurrences(of: "/", with: "-") + separator + name1.replacingOccurrences(of: "/", with: "-")
    }

    /// Where the pair is stored, and whether it is stored as (name1, name0).
    public func locate(_ name0: String, _ name1: String) -> (key: String, reversed: Bool)? {
        for separator in ["/", "_"] {
            let forward = Self.pairKey(name0, name1, separator: separator)
            if file.isDataset("\(forward)/matches0") { return (forward, false) }
            let backward = Self.pairKey(name1, name0, separator: separator)
            if file.isDataset("\(backward)/matches0") { return (backward, true) }
        }
        return nil
    }

    public func contains(_ name0: String, _ name1: String) -> Bool { locate(name0, name1) != nil }

    /// The keys of every stored pair (`name0/name1` with hloc's `-` for `/` inside names), sorted.
    public func pairKeys() throws -> [String] { try file.parents(holding: "matches0") }

    /// The matches of a pair, oriented from `name0` to `name1`; nil when the pair is not stored.
    /// - Throws: `FormatError.file` naming the file and pair when the data is malformed.
    public func read(_ name0: String, _ name1: String) throws -> [KeypointMatch]? {
        guard let (key, reversed) = locate(name0, name1) else { return nil }
        let shape = try file.shape("\(key)/matches0")
        guard shape.count == 1 else { throw FormatError.file(file: path, message: "\(key)/matches0 has shape \(shape), expected N") }
        let matches0 = try file.readInt32s("\(key)/matches0", count: shape[0])
        var scores = [Float](repeating: 1, count: shape[0])
        if file.isDataset("\(key)/matching_scores0") {
            let scoreShape = try file.shape("\(key)/matching_scores0")
            guard scoreShape == shape else {
                throw FormatError.file(file: path, message: "\(key)/matching_scores0 has shape \(scoreShape), matches0 \(shape)")
            }
            scores = try file.readFloats("\(key)/matching_scores0", count: shape[0])
        }
        var result: [KeypointMatch] = []
        for (i, j) in matches0.enumerated() where j >= 0 {
            result.append(reversed ? KeypointMatch(index0: Int(j), index1: i, score: scores[i])
                                   : KeypointMatch(index0: i, index1: Int(j), score: scores[i]))
        }
        if reversed { result.sort { $0.index0 < $1.index0 } }
        return result
    }

    /// Writes a pair as `name0/name1` (hloc's current form), replacing what was stored for it.
    /// - Parameters:
    ///   - matches0: for each keypoint of image 0, the matching keypoint of image 1 or −1.
    ///   - scores0: one score per entry of `matches0`.
    public func write(_ name0: String, _ name1: String, matches0: [Int32], scores0: [Float]) throws {
        guard matches0.count == scores0.count else {
            throw FormatError.invalidArgument("pair \(name0) \(name1): \(matches0.count) matches but \(scores0.count) scores")
        }
        if let (key, _) = locate(name0, name1) { try file.remove(key) }
        let key = Self.pairKey(name0, name1)
        // matches0 last: a pair is found by it (`locate`), so a pair cut short has none.
        try file.write("\(key)/matching_scores0", floats: scores0, dims: [scores0.count])
        try file.write("\(key)/matches0", int32s: matches0, dims: [matches0.count])
    }
}
