import Features
import Foundation
import Geometry

/// The settings of a finished `reloc pipeline` run, read back from its `pipeline.json`, that
/// localizing one more image needs: the extraction, the retrieval, the matcher and the pose
/// estimation, exactly as the run used them. Read from the values the run recorded (`settings`,
/// `RunSettings`), or for a run recorded before them from the options it recorded for
/// `reloc extract`, `match` and `localize` (`RunFiles`); checked against the names the run gave
/// its files, so that a record that does not describe its own files is refused.
struct ServedSettings: Sendable {
    var extract: ExtractionSettings
    var matching: MatchingOptions
    var lightGlue: LightGlueSettings?
    /// Queries matched only to the map's keypoints with a 3D point (`PipelineTask.matchToPoints`).
    var matchToPoints = false
    var retrieval: RetrievalMethod
    var topK: Int
    var rerank: Int?
    var localization: AbsolutePoseOptions
    var minInliers: Int
    var covisibilityClustering: Bool
    /// The run estimated every query's focal length (`--estimate-focal`), and k1 (`--estimate-k1`).
    var estimateFocal = false
    var refineK1 = false
    /// The runs whose correspondences the poses pool with this run's (`--fuse-with`; output folders).
    var fusedWith: [String] = []

    /// - Parameters:
    ///   - record: the run's `pipeline.json` (read from `recordPath`, named in errors).
    ///   - weightsFolder: where the learned features' weights are now, when not where the run had them.
    init(record: PipelineRecord, recordPath: String, weightsFolder: String?) throws {
        func fail(_ message: String) -> RelocError { .file(file: recordPath, message: message) }
        if let settings = record.settings {
            try self.init(settings, recordPath: recordPath, weightsFolder: weightsFolder)
        } else {
            try self.init(legacy: record, recordPath: recordPath, weightsFolder: weightsFolder)
        }
        guard extract.featuresName == record.features else {
            throw fail("the settings give features '\(extract.featuresName)', but the run's features are '\(record.features)'")
        }
        let matcherName = lightGlue?.name ?? MatchTask.matcherName(matching, epipolarThreshold: nil)
        guard record.matcher.isEmpty || matcherName == record.matcher else {
            throw fail("the settings give matcher '\(matcherName)', but the run's is '\(record.matcher)'")
        }
        switch record.retrieval {
        case "vlad": retrieval = .vlad
        case "exhaustive": retrieval = .exhaustive
        default:
            throw fail("retrieval '\(record.retrieval)' ranks only the images it was given: reloc serve needs a map made with --retrieval vlad or exhaustive")
        }
        topK = record.topK
        rerank = record.rerank ?? Self.rerankCandidates(queryPairs: record.files.queryPairs)
        // Values out of range (a hand-edited or damaged record) are refused here, naming the file.
        do {
            try matching.validate()
            try lightGlue?.validate()
            try localization.validate()
            guard minInliers >= 0, topK > 0 else { throw RelocError.invalidArgument("min_inliers must be ≥ 0 and top_k positive") }
        } catch {
            throw fail("settings out of range: \(error)")
        }
    }

    /// From the settings the run recorded as values (`RunSettings`).
    private init(_ settings: RunSettings, recordPath: String, weightsFolder: String?) throws {
        func fail(_ message: String) -> RelocError { .file(file: recordPath, message: message) }
        var task: ExtractionSettings
        do { task = try ExtractionSettings(record: settings.extraction) } catch { throw fail("settings: \(error)") }
        if task.kind.isLearned { task.weightsFolder = weightsFolder ?? settings.weights }
        extract = task
        matching = settings.matching.options
        matchToPoints = settings.matching.toPoints
        lightGlue = settings.matching.lightGlue.map { recorded in
            var lightGlue = recorded
            if let weightsFolder { lightGlue.weights = (weightsFolder as NSString).appendingPathComponent((recorded.weights as NSString).lastPathComponent) }
            return lightGlue
        }
        let l = settings.localization
        fusedWith = l.fusedWith
        localization = AbsolutePoseOptions()
        localization.thresholdPixels = l.thresholdPixels
        localization.seed = l.seed
        minInliers = l.minInliers
        covisibilityClustering = l.covisibilityClustering
        // A posted image is one camera: a run's rig frames do not apply to it.
        estimateFocal = l.estimateFocal
        refineK1 = l.estimateK1
        retrieval = .exhaustive
        topK = 0
    }

    /// From the command-line options that runs recorded before `settings` (`files.extract_options`,
    /// `match_options`, `localize_options`).
    private init(legacy record: PipelineRecord, recordPath: String, weightsFolder: String?) throws {
        func fail(_ message: String) -> RelocError { .file(file: recordPath, message: message) }
        guard let extractOptions = record.files.extractOptions, let matchOptions = record.files.matchOptions,
              let localizeOptions = record.files.localizeOptions else {
            throw fail("no extract_options, match_options or localize_options: the run predates them; run reloc pipeline on the dataset again (finished stages are reused)")
        }
        let flags: Set<String> = ["--upsample", "--upright", "--mutual", "--covisibility-clustering", "--estimate-focal", "--estimate-k1",
                                  "--match-to-points"]
        let e = try OptionValues(extractOptions, flags: flags, key: "extract_options", fail: fail)
        guard let kind = FeatureKind(rawValue: try e.string("--features")) else {
            throw fail("extract_options: unknown features '\(try e.string("--features"))'")
        }
        var task = ExtractionSettings(kind: kind, maxEdge: try e.int("--max-edge"), maxKeypoints: try e.int("--max-keypoints"))
        task.upsample = e.has("--upsample")
        guard let contrast = ExtractionSettings.Contrast(rawValue: try e.string("--contrast")) else {
            throw fail("extract_options: unknown contrast '\(try e.string("--contrast"))'")
        }
        task.contrast = contrast
        task.contrastThreshold = try e.double("--contrast-threshold")
        task.minimumKeypoints = try e.int("--min-keypoints")
        task.lowestContrastThreshold = try e.double("--lowest-contrast-threshold")
        task.detectionThreshold = try e.optionalFloat("--detection-threshold")
        task.upright = e.has("--upright")
        if kind.isLearned { task.weightsFolder = weightsFolder ?? e.values["--weights"] }
        extract = task

        let m = try OptionValues(matchOptions, flags: flags, key: "match_options", fail: fail)
        matching = MatchingOptions(mutual: m.has("--mutual"), ratio: try m.optionalFloat("--ratio"), minCosine: try m.optionalFloat("--min-cosine"))
        matchToPoints = m.has("--match-to-points")
        switch try m.string("--matcher") {
        case "nn": lightGlue = nil
        case "lightglue":
            var recorded = try m.string("--lightglue-weights")
            if let weightsFolder { recorded = (weightsFolder as NSString).appendingPathComponent((recorded as NSString).lastPathComponent) }
            var settings = LightGlueSettings(weights: recorded)
            settings.depthConfidence = try m.float("--depth-confidence")
            settings.widthConfidence = try m.float("--width-confidence")
            settings.threshold = try m.float("--match-threshold")
            lightGlue = settings
        case let other: throw fail("match_options: unknown matcher '\(other)'")
        }

        let l = try OptionValues(localizeOptions, flags: flags, key: "localize_options", fail: fail)
        localization = AbsolutePoseOptions()
        localization.thresholdPixels = try l.double("--threshold")
        localization.seed = try l.unsigned("--seed")
        minInliers = try l.int("--min-inliers")
        covisibilityClustering = l.has("--covisibility-clustering")
        // A posted image is one camera: --rig-config (a run's rig frames) does not apply to it.
        estimateFocal = l.has("--estimate-focal")
        refineK1 = l.has("--estimate-k1")
        retrieval = .exhaustive
        topK = 0
    }

    /// Re-ranking read from the query pairs' file name (`pairs-query-vlad60-rerank20.txt`), for
    /// records written before `rerank` was.
    static func rerankCandidates(queryPairs: String) -> Int? {
        let name = ((queryPairs as NSString).lastPathComponent as NSString).deletingPathExtension
        guard let range = name.range(of: "-rerank") else { return nil }
        let digits = name[..<range.lowerBound].reversed().prefix { $0.isNumber }
        return Int(String(digits.reversed()))
    }
}

/// Recorded command-line options (`--name value` and bare flags) by name.
private struct OptionValues {
    var values: [String: String] = [:]
    var flags: Set<String> = []
    let key: String
    let fail: (String) -> RelocError

    init(_ arguments: [String], flags known: Set<String>, key: String, fail: @escaping (String) -> RelocError) throws {
        self.key = key
        self.fail = fail
        var i = 0
        while i < arguments.count {
            let name = arguments[i]
            guard name.hasPrefix("--") else { throw fail("\(key): expected an option, got '\(name)'") }
            if known.contains(name) { flags.insert(name); i += 1; continue }
            guard i + 1 < arguments.count else { throw fail("\(key): \(name) has no value") }
            values[name] = arguments[i + 1]
            i += 2
        }
    }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    func string(_ name: String) throws -> String {
        guard let value = values[name] else { throw fail("\(key): no \(name)") }
        return value
    }

    func int(_ name: String) throws -> Int {
        guard let value = Int(try string(name)) else { throw fail("\(key): \(name) '\(values[name]!)' is not an integer") }
        return value
    }

    func double(_ name: String) throws -> Double {
        guard let value = Double(try string(name)), value.isFinite else { throw fail("\(key): \(name) '\(values[name]!)' is not a number") }
        return value
    }

    /// Parsed as a Float, as the command line parsed it (not through a Double).
    func float(_ name: String) throws -> Float {
        guard let value = Float(try string(name)), value.isFinite else { throw fail("\(key): \(name) '\(values[name]!)' is not a number") }
        return value
    }

    func unsigned(_ name: String) throws -> UInt64 {
        guard let value = UInt64(try string(name)) else { throw fail("\(key): \(name) '\(values[name]!)' is not a non-negative integer") }
        return value
    }

    func optionalFloat(_ name: String) throws -> Float? { values[name] == nil ? nil : try float(name) }
}
