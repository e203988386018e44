import ArgumentParser
import Reloc

extension MatcherKind: ExpressibleByArgument {}

/// The matcher flags shared by `reloc match` and `reloc pipeline`.
struct MatcherArguments: ParsableArguments {
    @Option(help: "auto (LightGlue for ALIKED and DISK features when its weights are in --weights, else nearest neighbours), lightglue or nn.")
    var matcher: MatcherKind = .auto
    @Option(name: .customLong("lightglue-weights"), help: "LightGlue weights file to use instead of the published one for the features.")
    var lightGlueWeights: String?
    @Option(name: .customLong("depth-confidence"), help: "LightGlue: stop early once this fraction of points is confident (-1: all layers).")
    var depthConfidence: Float = 0.95
    @Option(name: .customLong("width-confidence"), help: "LightGlue: prune points below 1 - this matchability (-1: no pruning).")
    var widthConfidence: Float = 0.99
    @Option(name: .customLong("match-threshold"), help: "LightGlue: drop matches scoring at most this.")
    var matchThreshold: Float = 0.1

    /// LightGlue's settings for features named `featuresName` (a kind or a store's file name), or nil for nearest neighbours.
    func lightGlue(featuresName: String, weightsFolder: String) throws -> LightGlueSettings? {
        guard var settings = try LightGlueSettings.resolve(matcher, featuresName: featuresName, weightsFolder: weightsFolder,
                                                           explicitWeights: lightGlueWeights) else { return nil }
        settings.depthConfidence = depthConfidence
        settings.widthConfidence = widthConfidence
        settings.threshold = matchThreshold
        return settings
    }
}
