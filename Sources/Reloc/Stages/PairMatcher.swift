import Features
import Formats
import TensorFiles

/// One pair's matcher, as `reloc match`, the pipeline and `reloc serve` run it: nearest
/// neighbours or LightGlue, chosen once (`MatcherKind` against the feature kind's entry,
/// `LightGlueSettings.resolve`) and then called the same way for every pair.
protocol PairMatcher: Sendable {
    /// The matcher's name in hloc's style, for the names of match files.
    var name: String { get }
    /// What runs, in words: `lightglue (weights/aliked_lightglue.pth)` or `nearest neighbours (NN-mutual)`.
    var description: String { get }
    /// The descriptor size it takes, nil for any.
    var inputDimension: Int? { get }
    /// One pair's matches as `reloc match` stores them: for each keypoint of `a`, its match in
    /// `b` (−1: none) and the match's score. Descriptors of other dimensions (than each other's,
    /// or than `inputDimension`) give no matches; `MatchTask.run` reports them. `guide`: keypoints
    /// near each other's epipolar lines only (nearest neighbours; LightGlue ignores it).
    func match(_ a: ImageFeatures, _ b: ImageFeatures, guide: EpipolarGuide?) -> (matches0: [Int32], scores0: [Float])
}

/// Mutual nearest neighbours and Lowe's ratio on the descriptors (`DescriptorMatcher`), with
/// hloc's score for unit descriptors, (similarity + 1) / 2.
struct NearestNeighbourMatcher: PairMatcher {
    var options: MatchingOptions
    /// The epipolar threshold guided matching runs with, for the name (nil: unguided).
    var epipolarThreshold: Double?

    var name: String { MatchTask.matcherName(options, epipolarThreshold: epipolarThreshold) }
    var description: String { "nearest neighbours (\(name))" }
    var inputDimension: Int? { nil }

    func match(_ a: ImageFeatures, _ b: ImageFeatures, guide: EpipolarGuide?) -> (matches0: [Int32], scores0: [Float]) {
        var matches0 = [Int32](repeating: -1, count: a.count)
        var scores0 = [Float](repeating: 0, count: a.count)
        if a.descriptorDimension == b.descriptorDimension {
            for m in DescriptorMatcher.match(a.descriptors, b.descriptors, dimension: a.descriptorDimension, options: options, guide: guide) {
                matches0[m.index0] = Int32(m.index1)
                // hloc's score for unit descriptors: (similarity + 1) / 2 = 1 − d²/4.
                scores0[m.index0] = max(0, 1 - m.distance * m.distance / 4)
            }
        }
        return (matches0, scores0)
    }
}

/// LightGlue with published (or given) weights, loaded once, keypoints passed in PyTorch's
/// convention as hloc does.
struct LightGlueMatcher: PairMatcher {
    let settings: LightGlueSettings
    let model: LightGlue

    /// - Throws: `RelocError.invalidArgument` naming the weights file that cannot be read.
    init(_ settings: LightGlueSettings) throws {
        self.settings = settings
        do { model = try LightGlue(weightsFile: try WeightsFile.open(settings.weights), heads: settings.heads) } catch let error as FeaturesError {
            // Its message already names the weights file.
            throw RelocError.invalidArgument("\(error)")
        } catch let error as TensorFileError {
            throw RelocError.invalidArgument("\(error)")
        }
    }

    var name: String { settings.name }
    var description: String { "lightglue (\(settings.weights)\(settings.heads == 4 ? "" : ", \(settings.heads) head\(settings.heads == 1 ? "" : "s")"))" }
    var inputDimension: Int? { model.inputDimension }

    func match(_ a: ImageFeatures, _ b: ImageFeatures, guide: EpipolarGuide?) -> (matches0: [Int32], scores0: [Float]) {
        guard a.descriptorDimension == model.inputDimension, b.descriptorDimension == model.inputDimension else { return ([], []) }
        let result = model.match(a.lightGlueInput, b.lightGlueInput, options: settings.options)
        return (result.matches0.map(Int32.init), result.scores0)
    }
}

extension ImageFeatures {
    /// This image's side of a LightGlue pair: keypoints moved to PyTorch's convention (top-left
    /// pixel centre at 0), as hloc passes them.
    var lightGlueInput: LightGlue.Input {
        LightGlue.Input(keypoints: keypoints.map { $0 - 0.5 }, descriptors: descriptors,
                        imageSize: SIMD2(Float(imageSize.x), Float(imageSize.y)))
    }
}
