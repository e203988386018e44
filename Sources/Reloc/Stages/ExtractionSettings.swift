import Features
import Formats
import Foundation
import TensorFiles

/// What an extraction computes: the kind of local features and every setting that changes them
/// (hloc's configuration of one extractor). `reloc extract` (`ExtractTask`), `reloc pipeline`
/// (`PipelineTask.extraction`) and `reloc serve` hold the same value; a feature store records it
/// (`record`, `FeatureStoreRecord`), and `init(record:)` reads it back.
public struct ExtractionSettings: Sendable, Equatable {
    /// Contrast handling before detection.
    public enum Contrast: String, CaseIterable, Sendable {
        /// The image as it is.
        case off
        /// Always stretch intensities (1st–99th percentile to 0–255).
        case on
        /// As it is first; when fewer keypoint locations than 1/8 of the keypoint budget pass the
        /// nominal contrast threshold (dark or flat images, e.g. night photographs), again with
        /// the stretch, keeping the run with more keypoints.
        case adaptive

        /// Part of the feature file's name in the pipeline.
        public var nameSuffix: String { self == .off ? "" : (self == .on ? "-nc" : "-ac") }
    }

    public var kind: FeatureKind
    public var maxEdge: Int
    public var maxKeypoints: Int
    /// Double the image before the first octave (OpenCV's default; 4× the work).
    public var upsample = false
    /// ALIKED: the score a keypoint must exceed (nil: the published 0.2; the kinds' defaults are
    /// `FeatureKind.defaultDetectionThreshold`). A lower one gives more keypoints only to images
    /// with fewer than `maxKeypoints` above 0.2, as the strongest are kept.
    public var detectionThreshold: Float?
    /// DoG contrast threshold (OpenCV's 0.04).
    public var contrastThreshold = Self.defaultContrastThreshold
    public var contrast: Contrast = .off
    /// SIFT: the floor on keypoint locations per image (`SIFTOptions.minimumKeypoints`); nil: a
    /// quarter of `maxKeypoints`; 0: off.
    public var minimumKeypoints: Int?
    /// SIFT: how far that floor may lower the contrast threshold.
    public var lowestContrastThreshold = Self.defaultLowestContrastThreshold
    /// SIFT: one orientation (0) per keypoint, for gravity-aligned images (COLMAP's `upright`).
    public var upright = false
    /// Folder with the published checkpoints (learned features).
    public var weightsFolder: String?

    /// The published ALIKED threshold.
    public static let publishedDetectionThreshold: Float = 0.2
    /// The defaults of the two thresholds (feature file names leave the defaults out).
    public static let defaultContrastThreshold = 0.04
    public static let defaultLowestContrastThreshold = 0.01

    /// The extraction of `kind` with the given budget and longer edge (SIFT's 8192 and 1600 by default).
    public init(kind: FeatureKind = .sift, maxEdge: Int = 1600, maxKeypoints: Int = 8192) {
        self.kind = kind; self.maxEdge = maxEdge; self.maxKeypoints = maxKeypoints
    }

    /// The extraction of `kind` with the kind's keypoint budget, longer edge and detection
    /// threshold where they are not given (nil) (`FeatureKind`).
    public init(kind: FeatureKind, maxEdge: Int?, maxKeypoints: Int?, detectionThreshold: Float?) {
        self.init(kind: kind, maxEdge: maxEdge ?? kind.defaultMaxEdge, maxKeypoints: maxKeypoints ?? kind.defaultMaxKeypoints)
        self.detectionThreshold = detectionThreshold ?? kind.defaultDetectionThreshold
    }

    /// The floor in effect.
    public var resolvedMinimumKeypoints: Int { Self.minimumKeypoints(minimumKeypoints, maxKeypoints: maxKeypoints) }

    /// The SIFT keypoint floor for a request (nil: the default, a quarter of the budget).
    public static func minimumKeypoints(_ requested: Int?, maxKeypoints: Int) -> Int { requested ?? maxKeypoints / 4 }

    /// Stretch each image's intensities (1st–99th percentile to 0–255) before detection.
    public var normalizeContrast: Bool {
        get { contrast == .on }
        set { contrast = newValue ? .on : .off }
    }

    /// The store's name in hloc's style (`feats-superpoint-n4096-r1024`), encoding every setting
    /// that changes the features, so that changed settings never reuse a stale store:
    /// `feats-<kind>-n<keypoints>-r<edge>`, and for SIFT `-nc` / `-ac` (contrast on / adaptive),
    /// `-t<threshold>` (not the default), `-up` (upsampled), `-upright`, `-m<floor>` (keypoint
    /// floor) and `-l<lowest threshold>` (not the default).
    public var featuresName: String {
        let base = "feats-\(kind.rawValue)-n\(maxKeypoints)-r\(maxEdge)"
        guard !kind.isLearned else {
            let threshold = detectionThreshold ?? Self.publishedDetectionThreshold
            return base + (kind.defaultDetectionThreshold != nil && threshold != Self.publishedDetectionThreshold ? "-th\(threshold)" : "")
        }
        let floor = resolvedMinimumKeypoints
        return base + contrast.nameSuffix
            + (contrastThreshold == Self.defaultContrastThreshold ? "" : "-t\(contrastThreshold)")
            + (upsample ? "-up" : "") + (upright ? "-upright" : "") + (floor > 0 ? "-m\(floor)" : "")
            + (floor > 0 && lowestContrastThreshold != Self.defaultLowestContrastThreshold ? "-l\(lowestContrastThreshold)" : "")
    }

    /// - Throws: `RelocError.invalidOption` for a setting out of its range, or learned features
    ///   without their weights.
    public func validate() throws {
        guard maxEdge > 0 else { throw RelocError.invalidOption(option: "max-edge", message: "must be positive") }
        guard maxKeypoints > 0 else { throw RelocError.invalidOption(option: "max-keypoints", message: "must be positive") }
        if let detectionThreshold, !(detectionThreshold >= 0 && detectionThreshold < 1) {
            throw RelocError.invalidOption(option: "detection-threshold", message: "must be in [0, 1)")
        }
        guard contrastThreshold >= 0 else { throw RelocError.invalidOption(option: "contrast-threshold", message: "must be ≥ 0") }
        guard (minimumKeypoints ?? 0) >= 0 else { throw RelocError.invalidOption(option: "min-keypoints", message: "must be ≥ 0") }
        guard lowestContrastThreshold >= 0 else {
            throw RelocError.invalidOption(option: "lowest-contrast-threshold", message: "must be ≥ 0")
        }
        if kind.isLearned && weightsFolder == nil {
            throw RelocError.invalidOption(option: "weights", message: "is needed by features \(kind.rawValue): the folder of their published checkpoints")
        }
    }

    /// The extractor of `kind` with these settings.
    /// - Throws: `RelocError.invalidOption` for settings out of range or learned features without
    ///   their weights folder; `RelocError.invalidArgument` naming the weights that cannot be read.
    func makeExtractor() throws -> any FeatureExtractor {
        try validate()
        do {
            return try kind.makeExtractor(self)
        } catch let error as FeaturesError {
            // Its message already names the folder or the weight file.
            throw RelocError.invalidArgument("\(error)")
        } catch let error as TensorFileError {
            throw RelocError.invalidArgument("\(error)")
        }
    }

    /// The weights folder, which learned features need.
    /// - Throws: `RelocError.invalidOption` when there is none.
    func requireWeightsFolder() throws -> String {
        guard let weightsFolder else {
            throw RelocError.invalidOption(option: "weights", message: "is needed by features \(kind.rawValue): the folder of their published checkpoints")
        }
        return weightsFolder
    }

    /// What a store of this extraction holds, as it records it (`FeatureStoreRecord`).
    public var record: FeatureStoreRecord {
        var record = FeatureStoreRecord(kind: kind.rawValue, maxKeypoints: maxKeypoints, maxEdge: maxEdge)
        if kind.isLearned {
            if kind.defaultDetectionThreshold != nil { record.detectionThreshold = detectionThreshold ?? Self.publishedDetectionThreshold }
        } else {
            record.contrast = contrast.rawValue
            record.contrastThreshold = contrastThreshold
            record.lowestContrastThreshold = lowestContrastThreshold
            record.minimumKeypoints = resolvedMinimumKeypoints
            record.upsample = upsample
            record.upright = upright
        }
        return record
    }

    /// The extraction a record describes (the inverse of `record`), with no weights folder set.
    /// - Throws: `RelocError.invalidArgument` for a kind or a contrast mode reloc does not know.
    public init(record: FeatureStoreRecord) throws {
        guard let kind = FeatureKind(rawValue: record.kind) else { throw RelocError.invalidArgument("unknown features '\(record.kind)'") }
        self.init(kind: kind, maxEdge: record.maxEdge, maxKeypoints: record.maxKeypoints)
        upsample = record.upsample ?? false
        if let contrast = record.contrast {
            guard let mode = Contrast(rawValue: contrast) else { throw RelocError.invalidArgument("unknown contrast '\(contrast)'") }
            self.contrast = mode
        }
        contrastThreshold = record.contrastThreshold ?? Self.defaultContrastThreshold
        lowestContrastThreshold = record.lowestContrastThreshold ?? Self.defaultLowestContrastThreshold
        minimumKeypoints = record.minimumKeypoints ?? 0
        upright = record.upright ?? false
        detectionThreshold = record.detectionThreshold
    }
}
