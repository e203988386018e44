import Features
import Foundation

/// `reloc extract`: local features of images into an HDF5 store in hloc's layout.
/// Resumable: images already complete in the store are skipped unless `overwrite`.
/// An unreadable image is reported by name and skipped.
public struct ExtractTask: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case sift, rootsift, superpoint
        case superpointHNDesc = "superpoint+hndesc"
        case alikedN16 = "aliked-n16", alikedN16rot = "aliked-n16rot", alikedN32 = "aliked-n32", alikedT16 = "aliked-t16"
        case disk

        /// Learned features (need `weightsFolder`).
        public var isLearned: Bool { self != .sift && self != .rootsift }
        /// The ALIKED variant, for ALIKED features.
        public var aliked: ALIKEDNet.Variant? { ALIKEDNet.Variant(rawValue: rawValue) }
        /// ALIKED and DISK: published weights that `reloc weights fetch` obtains.
        var isPublished: Bool { aliked != nil || self == .disk }
        /// The keypoint budget when none is given: SIFT 8192, SuperPoint 4096 (hloc's presets),
        /// ALIKED and DISK 2048.
        public var defaultMaxKeypoints: Int { isPublished ? 2048 : (isLearned ? 4096 : 8192) }
        /// Lowe's ratio for matching these descriptors when none is given: 0.8, but 0.95 for DISK,
        /// whose nearest and second-nearest distances lie closer together, so that 0.8 throws away
        /// most of its right matches (the measurements: docs/learned-features.md).
        public var defaultRatio: Float { self == .disk ? 0.95 : 0.8 }
        /// The longer edge when none is given: ALIKED's and DISK's published preprocessing (1024), hloc's 1600 otherwise.
        public var defaultMaxEdge: Int { isPublished ? 1024 : 1600 }
        /// ALIKED's keypoint score threshold when none is given: 0.05, below the published 0.2.
        /// The strongest `maxKeypoints` are kept either way, so only images with few keypoints above
        /// 0.2 gain any; with LightGlue on the synthetic preset that took day / night within
        /// (0.25 m, 2°) from 80 / 70 to 85 / 80 % (database images had as few as 75 keypoints).
        public var defaultDetectionThreshold: Float? { aliked != nil ? 0.05 : nil }
    }

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

    public var imageFolder: String
    public var lists: [String]
    public var output: String
    public var kind: Kind
    public var maxEdge: Int
    public var maxKeypoints: Int
    public var overwrite: Bool
    /// Double the image before the first octave (OpenCV's default; 4× the work).
    public var upsample: Bool
    /// ALIKED: the score a keypoint must exceed (nil: the published 0.2; the CLI's default is
    /// `Kind.defaultDetectionThreshold`). A lower one gives more keypoints only to images with fewer
    /// than `maxKeypoints` above 0.2, as the strongest are kept.
    public var detectionThreshold: Float?
    /// The published ALIKED threshold.
    public static let publishedDetectionThreshold: Float = 0.2
    /// DoG contrast threshold (OpenCV's 0.04).
    public var contrastThreshold = Self.defaultContrastThreshold
    public var contrast: Contrast = .off
    /// SIFT: the floor on keypoint locations per image (`SIFTOptions.minimumKeypoints`); nil: a
    /// quarter of `maxKeypoints`; 0: off.
    public var minimumKeypoints: Int?
    /// SIFT: how far that floor may lower the contrast threshold.
    public var lowestContrastThreshold = Self.defaultLowestContrastThreshold
    /// The defaults of the two thresholds (feature file names leave the defaults out).
    public static let defaultContrastThreshold = 0.04
    public static let defaultLowestContrastThreshold = 0.01
    /// SIFT: one orientation (0) per keypoint, for gravity-aligned images (COLMAP's `upright`).
    public var upright = false
    /// The floor in effect.
    public var resolvedMinimumKeypoints: Int { Self.minimumKeypoints(minimumKeypoints, maxKeypoints: maxKeypoints) }

    /// The SIFT keypoint floor for a request (nil: the default, a quarter of the budget).
    public static func minimumKeypoints(_ requested: Int?, maxKeypoints: Int) -> Int { requested ?? maxKeypoints / 4 }
    /// Folder with the published checkpoints (learned features).
    public var weightsFolder: String?
    /// Only the images of this shard (`Shard.contains`).
    public var shard: Shard?
    /// Stretch each image's intensities (1st–99th percentile to 0–255) before detection.
    public var normalizeContrast: Bool {
        get { contrast == .on }
        set { contrast = newValue ? .on : .off }
    }

    public init(imageFolder: String, lists: [String], output: String, kind: Kind = .sift, maxEdge: Int = 1600,
                maxKeypoints: Int = 8192, overwrite: Bool = false, upsample: Bool = false) {
        self.imageFolder = imageFolder; self.lists = lists; self.output = output; self.kind = kind
        self.maxEdge = maxEdge; self.maxKeypoints = maxKeypoints; self.overwrite = overwrite; self.upsample = upsample
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
            return base + (kind.aliked != nil && threshold != Self.publishedDetectionThreshold ? "-th\(threshold)" : "")
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

    /// The network of learned features with this task's budget and size (nil for SIFT).
    func learnedExtractor() throws -> (any LearnedFeatureExtractor)? {
        guard kind.isLearned, let weightsFolder else { return nil }
        do {
            if kind == .disk {
                let extractor = try DISKExtractor(weightsFolder: weightsFolder)
                extractor.maxKeypoints = maxKeypoints
                extractor.maxEdge = maxEdge
                return extractor
            }
            if let variant = kind.aliked {
                let extractor = try ALIKEDExtractor(weightsFolder: weightsFolder, variant: variant)
                extractor.detection.maxKeypoints = maxKeypoints
                if let detectionThreshold { extractor.detection.threshold = detectionThreshold }
                extractor.maxEdge = maxEdge
                return extractor
            }
            let extractor = try LearnedExtractor(weightsFolder: weightsFolder, descriptor: kind == .superpoint ? .superpoint : .hndesc)
            extractor.options.maxKeypoints = maxKeypoints
            extractor.superPointMaxEdge = maxEdge
            return extractor
        } catch let error as FeaturesError {
            // Its message already names the folder or the weight file.
            throw RelocError.invalidArgument("\(error)")
        }
    }

    public struct Summary: Sendable {
        public var extracted = 0
        public var skipped = 0
        public var failed: [String] = []
        public var keypoints = 0
        /// Images extracted again with contrast stretching (adaptive contrast).
        public var contrastNormalized = 0
        public var seconds = 0.0
    }

    /// - Parameters:
    ///   - warn: receives one line per unreadable image.
    ///   - progress: (done, total) after each image.
    /// - Throws: `RelocError` for a bad list, folder or store (not for a bad image).
    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        try validate()
        var names: [String] = []
        if lists.isEmpty {
            names = try ImageList.scan(folder: imageFolder)
        } else {
            var seen = Set<String>()
            for list in lists {
                for name in try ImageList.read(list: list) {
                    if seen.insert(name).inserted { names.append(name) }
                }
            }
        }
        if let shard { names = names.filter { shard.contains($0) } }
        let extractor = try ImageExtractor(self)
        let (store, journal) = try openForUpdateOrRebuild(output, warn: warn) { try FeatureStore(path: output, mode: $0) }
        defer { journal.close(flushing: store.flush) }
        var summary = Summary()
        for (index, name) in names.enumerated() {
            defer { progress?(index + 1, names.count) }
            if !overwrite && store.contains(name, complete: true) { summary.skipped += 1; continue }
            let path = (imageFolder as NSString).appendingPathComponent(name)
            let image: Image8
            do {
                image = try ImageFile.read(path: path, channels: extractor.channels)
            } catch {
                warn("warning: \(error); skipped")
                summary.failed.append(name)
                continue
            }
            let (features, stretched) = extractor.extract(image)
            try store.write(name, features, halfDescriptors: true)
            journal.wrote(name)
            summary.extracted += 1
            summary.keypoints += features.count
            if stretched { summary.contrastNormalized += 1 }
            // A network's image takes long: each one is flushed; SIFT's every 20.
            if extractor.learned != nil || summary.extracted % 20 == 0 {
                try store.flush()
                try journal.flushed()
            }
            FailPoint.reached(.extract)
        }
        try journal.complete(flushing: store.flush)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}
