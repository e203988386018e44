import Features
import Formats
import Foundation
import Geometry

/// A pipeline run's settings as values, as `pipeline.json` records them under `settings` and
/// `reloc serve` reads them back: the extraction (as the feature store records it), the weights
/// folder, the matcher and the localization. Runs recorded before this (flag lists in
/// `files.extract_options` and the like) are still read (`ServedSettings`).
public struct RunSettings: Codable, Equatable, Sendable {
    /// The features' kind and settings (`FeatureStoreRecord`, the same record the store keeps).
    public var extraction: FeatureStoreRecord
    /// The learned features' weights folder (absolute; nil for SIFT).
    public var weights: String?
    public var matching: MatchingSettings
    public var localization: LocalizationSettings

    public init(extraction: FeatureStoreRecord, weights: String?, matching: MatchingSettings, localization: LocalizationSettings) {
        self.extraction = extraction; self.weights = weights; self.matching = matching; self.localization = localization
    }
}

/// The matcher of a run: nearest neighbours with their options, or LightGlue with its settings.
public struct MatchingSettings: Codable, Equatable, Sendable {
    /// Lowe's ratio for nearest neighbours (nil: off).
    public var ratio: Float?
    /// Mutual nearest neighbours only.
    public var mutual: Bool
    /// The cosine floor for nearest neighbours (nil: none; runs before it was recorded had none).
    public var minCosine: Float?
    /// LightGlue's weights and settings; nil: nearest neighbours.
    public var lightGlue: LightGlueSettings?
    /// Queries matched only to the map's keypoints with a 3D point (`PipelineTask.matchToPoints`;
    /// false in runs recorded before it).
    public var toPoints: Bool

    public init(ratio: Float?, mutual: Bool, minCosine: Float? = nil, lightGlue: LightGlueSettings?, toPoints: Bool = false) {
        self.ratio = ratio; self.mutual = mutual; self.minCosine = minCosine; self.lightGlue = lightGlue; self.toPoints = toPoints
    }

    /// Nearest neighbours' options.
    public var options: MatchingOptions { MatchingOptions(mutual: mutual, ratio: ratio, minCosine: minCosine) }

    enum CodingKeys: String, CodingKey {
        case ratio, mutual
        case minCosine = "min_cosine"
        case lightGlue = "lightglue"
        case toPoints = "to_points"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ratio = try c.decodeIfPresent(Float.self, forKey: .ratio)
        mutual = try c.decode(Bool.self, forKey: .mutual)
        minCosine = try c.decodeIfPresent(Float.self, forKey: .minCosine)
        lightGlue = try c.decodeIfPresent(LightGlueSettings.self, forKey: .lightGlue)
        toPoints = try c.decodeIfPresent(Bool.self, forKey: .toPoints) ?? false
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(ratio, forKey: .ratio)  // null when off
        try c.encode(mutual, forKey: .mutual)
        try c.encodeIfPresent(minCosine, forKey: .minCosine)
        try c.encode(lightGlue, forKey: .lightGlue)  // null: nearest neighbours
        if toPoints { try c.encode(true, forKey: .toPoints) }  // absent: every keypoint
    }
}

/// How a run localizes each query.
public struct LocalizationSettings: Codable, Equatable, Sendable {
    public var thresholdPixels: Double
    public var seed: UInt64
    public var minInliers: Int
    public var covisibilityClustering: Bool
    public var estimateFocal: Bool
    public var estimateK1: Bool
    /// The rig configuration's path (absolute), nil without rigs.
    public var rigConfig: String?
    /// The runs (output folders, absolute) whose correspondences the poses pooled with this run's
    /// (`--fuse-with`); empty: none (the key is then absent).
    public var fusedWith: [String]

    public init(thresholdPixels: Double, seed: UInt64, minInliers: Int, covisibilityClustering: Bool, estimateFocal: Bool,
                estimateK1: Bool, rigConfig: String?, fusedWith: [String] = []) {
        self.thresholdPixels = thresholdPixels; self.seed = seed; self.minInliers = minInliers
        self.covisibilityClustering = covisibilityClustering; self.estimateFocal = estimateFocal; self.estimateK1 = estimateK1
        self.rigConfig = rigConfig; self.fusedWith = fusedWith
    }

    enum CodingKeys: String, CodingKey {
        case seed
        case thresholdPixels = "threshold_px", minInliers = "min_inliers", covisibilityClustering = "covisibility_clustering"
        case estimateFocal = "estimate_focal", estimateK1 = "estimate_k1", rigConfig = "rig_config", fusedWith = "fused_with"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        thresholdPixels = try c.decode(Double.self, forKey: .thresholdPixels)
        seed = try c.decode(UInt64.self, forKey: .seed)
        minInliers = try c.decode(Int.self, forKey: .minInliers)
        covisibilityClustering = try c.decode(Bool.self, forKey: .covisibilityClustering)
        estimateFocal = try c.decode(Bool.self, forKey: .estimateFocal)
        estimateK1 = try c.decode(Bool.self, forKey: .estimateK1)
        rigConfig = try c.decodeIfPresent(String.self, forKey: .rigConfig)
        fusedWith = try c.decodeIfPresent([String].self, forKey: .fusedWith) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(thresholdPixels, forKey: .thresholdPixels)
        try c.encode(seed, forKey: .seed)
        try c.encode(minInliers, forKey: .minInliers)
        try c.encode(covisibilityClustering, forKey: .covisibilityClustering)
        try c.encode(estimateFocal, forKey: .estimateFocal)
        try c.encode(estimateK1, forKey: .estimateK1)
        try c.encode(rigConfig, forKey: .rigConfig)  // null without rigs
        if !fusedWith.isEmpty { try c.encode(fusedWith, forKey: .fusedWith) }  // absent: no fusion
    }
}

extension LightGlueSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case weights, threshold, heads
        case depthConfidence = "depth_confidence", widthConfidence = "width_confidence"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(weights: try c.decode(String.self, forKey: .weights))
        depthConfidence = try c.decode(Float.self, forKey: .depthConfidence)
        widthConfidence = try c.decode(Float.self, forKey: .widthConfidence)
        threshold = try c.decode(Float.self, forKey: .threshold)
        // Recorded since XFeat's LighterGlue (1 head); runs before it had 4-head LightGlues only.
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? heads
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(weights, forKey: .weights)
        try c.encode(depthConfidence, forKey: .depthConfidence)
        try c.encode(widthConfidence, forKey: .widthConfidence)
        try c.encode(threshold, forKey: .threshold)
        try c.encode(heads, forKey: .heads)
    }
}
