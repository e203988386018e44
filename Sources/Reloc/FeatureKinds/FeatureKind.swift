import Foundation
import Features

/// A kind of local features reloc extracts: its name, its defaults, the weights it reads, the
/// LightGlue weights that match it, and how to build its extractor. Every kind is one entry of
/// the table in `FeatureKind+Table.swift`; nothing else in reloc branches on a kind's name
/// (CONTRIBUTING.md: adding a kind).
public struct FeatureKind: Sendable, Hashable, RawRepresentable, CaseIterable, CustomStringConvertible {
    /// The kind's name: the `--features` value, in store names (`feats-<name>-n…`) and in the
    /// store's own record of what it holds.
    public let rawValue: String
    /// One line for `--help`.
    public let summary: String
    /// The keypoint budget when none is given.
    public let defaultMaxKeypoints: Int
    /// The longer edge the image is resized to when none is given.
    public let defaultMaxEdge: Int
    /// Lowe's ratio for matching these descriptors by nearest neighbours when none is given.
    public let defaultRatio: Float
    /// The cosine similarity a nearest-neighbour match must reach when none is given (nil: no
    /// floor; XFeat's published `match` keeps mutual neighbours with a cosine of at least 0.82).
    public let defaultMinCosine: Float?
    /// The detection score a keypoint must exceed when none is given (nil: the kind has no
    /// such setting).
    public let defaultDetectionThreshold: Float?
    /// The weight files it reads from `--weights` (none for SIFT).
    public let weights: Weights
    /// LightGlue's published weights for these features and how they run, nil when there are none.
    public let lightGlue: LightGlueEntry?
    /// The word hloc's store names use for the family (`feats-aliked-n16.h5`, `feats-disk.h5`):
    /// how a store without reloc's record of its kind is recognised.
    public let family: String
    /// The kind's extractor with an extraction's settings (budget, size, thresholds, weights).
    let makeExtractor: @Sendable (ExtractionSettings) throws -> any FeatureExtractor

    /// Where a kind's weights come from.
    public enum Weights: Sendable {
        /// Nothing to read (SIFT).
        case none
        /// Files that `reloc weights fetch` gets and checks (`PublishedWeights`).
        case published([PublishedWeights.File])
        /// Files the user copies in by hand, and where they are published.
        case byHand([String], source: String)

        /// The files' names.
        public var files: [String] {
            switch self {
            case .none: return []
            case .published(let files): return files.map(\.name)
            case .byHand(let names, _): return names
            }
        }
    }

    /// Learned features: a network that reads weights from `--weights`.
    public var isLearned: Bool { !weights.files.isEmpty }
    /// Weights that `reloc weights fetch` obtains.
    public var isPublished: Bool {
        if case .published = weights { return true }
        return false
    }

    /// The kind named `rawValue` in the table, nil for any other name.
    public init?(rawValue: String) {
        guard let kind = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = kind
    }

    init(_ name: String, _ summary: String, maxKeypoints: Int, maxEdge: Int, ratio: Float = 0.8, minCosine: Float? = nil,
         detectionThreshold: Float? = nil, weights: Weights = .none, lightGlue: LightGlueEntry? = nil, family: String,
         extractor: @escaping @Sendable (ExtractionSettings) throws -> any FeatureExtractor) {
        rawValue = name; self.summary = summary; defaultMaxKeypoints = maxKeypoints; defaultMaxEdge = maxEdge
        defaultRatio = ratio; defaultMinCosine = minCosine; defaultDetectionThreshold = detectionThreshold; self.weights = weights
        self.lightGlue = lightGlue; self.family = family; makeExtractor = extractor
    }

    public var description: String { rawValue }
    public static func == (a: FeatureKind, b: FeatureKind) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    /// LightGlue's published weights for a store known by its file name only: those of the
    /// first kind whose family word the name contains (`feats-aliked.h5` → ALIKED's).
    public static func lightGlue(forStoreName path: String) -> LightGlueEntry? {
        let base = String(path.split(separator: "/").last ?? "").lowercased()
        return allCases.first { $0.lightGlue != nil && base.contains($0.family) }?.lightGlue
    }
}

/// A kind's LightGlue: the published weights and the configuration they were trained and
/// published with (the head count is not in the weights; the adaptive settings are the
/// published defaults that `--depth-confidence` and `--width-confidence` replace).
public struct LightGlueEntry: Sendable, Equatable {
    public var file: PublishedWeights.File
    public var heads: Int = 4
    public var depthConfidence: Float = 0.95
    public var widthConfidence: Float = 0.99
    public var threshold: Float = 0.1

    /// The entry whose weights file has the name of `weights`' last component, nil for none.
    public static func published(forWeights weights: String) -> LightGlueEntry? {
        let name = (weights as NSString).lastPathComponent
        return FeatureKind.allCases.lazy.compactMap(\.lightGlue).first { $0.file.name == name }
    }
}
