import ArgumentParser
import Reloc

/// The extraction options that `reloc extract` and `reloc pipeline` share.
struct FeatureArguments: ParsableArguments {
    @Option(help: ArgumentHelp("Folder of the learned features' weights: \(FeatureKind.weightsHelp)."))
    var weights: String = PublishedWeights.defaultFolder

    @Option(name: .customLong("max-edge"), help: ArgumentHelp("Resize so that the longer edge is at most this many pixels (default \(FeatureKind.defaultsHelp { $0.defaultMaxEdge }))."))
    var maxEdge: Int?

    @Option(name: .customLong("max-keypoints"), help: ArgumentHelp("Keep the strongest N keypoints (default \(FeatureKind.defaultsHelp { $0.defaultMaxKeypoints }))."))
    var maxKeypoints: Int?

    @Option(name: .customLong("detection-threshold"), help: ArgumentHelp("Keypoint score threshold (default \(FeatureKind.defaultsHelp { $0.defaultDetectionThreshold }); the published 0.2; the strongest --max-keypoints are kept either way)."))
    var detectionThreshold: Float?

    @Flag(help: "Double the image before the first SIFT octave (OpenCV's default: more small features, about 3× slower).")
    var upsample = false

    @Option(name: .customLong("contrast-threshold"), help: "SIFT DoG contrast threshold (OpenCV's 0.04).")
    var contrastThreshold: Double = ExtractionSettings.defaultContrastThreshold

    @Option(name: .customLong("min-keypoints"), help: "SIFT: when fewer keypoint locations than this pass --contrast-threshold, lower the threshold for that image (not below --lowest-contrast-threshold) and keep the strongest this many (default: a quarter of --max-keypoints; 0: off, as OpenCV).")
    var minKeypoints: Int?

    @Option(name: .customLong("lowest-contrast-threshold"), help: "SIFT: how far --min-keypoints may lower the contrast threshold.")
    var lowestContrastThreshold: Double = ExtractionSettings.defaultLowestContrastThreshold

    /// These flags as the library's value, with `kind`'s defaults where a flag is not given: the
    /// one place where the commands' extraction flags become settings.
    func settings(kind: FeatureKind, contrast: ExtractionSettings.Contrast) -> ExtractionSettings {
        var settings = ExtractionSettings(kind: kind, maxEdge: maxEdge, maxKeypoints: maxKeypoints, detectionThreshold: detectionThreshold)
        settings.upsample = upsample
        settings.contrast = contrast
        settings.contrastThreshold = contrastThreshold
        settings.minimumKeypoints = minKeypoints
        settings.lowestContrastThreshold = lowestContrastThreshold
        settings.weightsFolder = weights
        return settings
    }
}

extension FeatureKind {
    /// `--features`' help: every kind of the table with its line.
    static var optionHelp: String {
        "Local features: " + allCases.map { "\($0.rawValue) (\($0.summary))" }.joined(separator: "; ") + "."
    }

    /// Where each kind's weights come from, for `--weights`' help.
    static var weightsHelp: String {
        var published: [String] = [], byHand: [String] = []
        for kind in allCases {
            switch kind.weights {
            case .none: break
            case .published(let files): published += files.map(\.name)
            case .byHand(let files, _): byHand += files.filter { !byHand.contains($0) }
            }
        }
        return "reloc weights fetch puts \(published.joined(separator: ", ")) there; \(byHand.joined(separator: " and ")) are copied in by hand"
    }

    /// A default per kind, grouped: `8192 for sift, rootsift; 2048 for aliked-n16, …` (kinds
    /// without the setting left out).
    static func defaultsHelp<Value: Equatable>(_ value: (FeatureKind) -> Value?) -> String {
        var groups: [(Value, [String])] = []
        for kind in allCases {
            guard let v = value(kind) else { continue }
            if let i = groups.firstIndex(where: { $0.0 == v }) { groups[i].1.append(kind.rawValue) } else { groups.append((v, [kind.rawValue])) }
        }
        return groups.map { "\($0.0) for \($0.1.joined(separator: ", "))" }.joined(separator: "; ")
    }
}
