import Features
import Formats
import Foundation

/// The matcher of `reloc match` and `reloc pipeline`: LightGlue for features it has published
/// weights for, nearest neighbours otherwise (`auto`), or either one asked for by name.
public enum MatcherKind: String, CaseIterable, Sendable {
    case auto, lightglue, nn
}

/// LightGlue's weights file and settings, as a match task runs them.
public struct LightGlueSettings: Equatable, Sendable {
    /// The weights file (`aliked_lightglue.pth`, `disk_lightglue.pth`, `xfeat-lighterglue.pt`, or a safetensors copy).
    public var weights: String
    /// Attention heads (not in the weights: the kind's entry says, 4 for others).
    public var heads = 4
    /// Adaptive depth: stop once this fraction of points is confident (≤ 0: all nine layers).
    public var depthConfidence: Float = 0.95
    /// Adaptive width: prune points below 1 − this matchability (≤ 0: no pruning).
    public var widthConfidence: Float = 0.99
    /// Matches scoring at most this are dropped.
    public var threshold: Float = 0.1

    /// The weights and, for published ones (by file name), their published configuration
    /// (`LightGlueEntry`); LightGlue's published defaults for others.
    public init(weights: String) {
        self.weights = weights
        if let entry = LightGlueEntry.published(forWeights: weights) {
            heads = entry.heads; depthConfidence = entry.depthConfidence; widthConfidence = entry.widthConfidence; threshold = entry.threshold
        }
    }

    var options: LightGlue.Options {
        // Pairs run in parallel, one thread each: as fast as one pair over both cores (RelocBench
        // lightglue: 0.76 s one thread vs 0.41 s two for 2,048 + 2,048 keypoints) with no hand-offs.
        LightGlue.Options(depthConfidence: depthConfidence, widthConfidence: widthConfidence, filterThreshold: threshold, parallel: false)
    }

    /// The matcher's name for file names: `lightglue`, with the settings that differ from the
    /// published defaults (`lightglue-depth-1-width-1`, `-th0.2`), so changed settings never reuse
    /// a stale match file.
    public var name: String {
        let defaults = LightGlueSettings(weights: weights)
        return "lightglue"
            + (depthConfidence == defaults.depthConfidence ? "" : "-depth\(Self.format(depthConfidence))")
            + (widthConfidence == defaults.widthConfidence ? "" : "-width\(Self.format(widthConfidence))")
            + (threshold == defaults.threshold ? "" : "-th\(Self.format(threshold))")
    }

    static func format(_ value: Float) -> String { value == value.rounded() ? "\(Int(value))" : "\(value)" }

    /// - Throws: `RelocError.invalidOption` for settings out of range.
    public func validate() throws {
        do { try options.validate() } catch let error as FeaturesError {
            throw RelocError.invalidOption(option: "match-threshold", message: "\(error)")
        }
    }

    /// LightGlue's published weights for features named `name`: a kind (`aliked-n16`, `disk`), or a
    /// features store, by the kind it records (`FeatureStoreRecord`) or, for a store without a
    /// record (hloc's `feats-disk.h5`, reloc's before it recorded kinds), by the family its file
    /// name names (`FeatureKind.lightGlue(forStoreName:)`). Nil: the features have none.
    /// - Throws: `RelocError.file` for a store whose record cannot be read.
    public static func publishedFile(forFeatures name: String) throws -> String? {
        if let kind = FeatureKind(rawValue: name) { return kind.lightGlue?.file.name }
        if FileManager.default.fileExists(atPath: name), let record = try FeatureStore(path: name, mode: .read).record() {
            guard let kind = FeatureKind(rawValue: record.kind) else {
                throw RelocError.file(file: name, message: "records features of kind '\(record.kind)', which this reloc does not know")
            }
            return kind.lightGlue?.file.name
        }
        return FeatureKind.lightGlue(forStoreName: name)?.file.name
    }

    /// What `kind` resolves to for features named `featuresName` with the published weights in
    /// `weightsFolder`: LightGlue settings, or nil for nearest neighbours.
    /// - Throws: `RelocError.invalidOption` when LightGlue is asked for and there are no weights for these features.
    public static func resolve(_ kind: MatcherKind, featuresName: String, weightsFolder: String, explicitWeights: String? = nil) throws -> LightGlueSettings? {
        if kind == .nn { return nil }
        if let explicitWeights { return LightGlueSettings(weights: explicitWeights) }
        guard let file = try publishedFile(forFeatures: featuresName) else {
            if kind == .auto { return nil }
            let matched = FeatureKind.allCases.filter { $0.lightGlue != nil }.map(\.rawValue).joined(separator: ", ")
            throw RelocError.invalidOption(option: "matcher", message: "lightglue has published weights for \(matched) features only ('\(featuresName)'); give --lightglue-weights FILE for others")
        }
        let path = (weightsFolder as NSString).appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: path) else {
            if kind == .auto { return nil }
            throw RelocError.invalidOption(option: "matcher", message: "lightglue needs \(path) (reloc weights fetch --dir \(weightsFolder))")
        }
        return LightGlueSettings(weights: path)
    }
}
