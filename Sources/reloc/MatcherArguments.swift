import ArgumentParser
import Reloc

extension MatcherKind: ExpressibleByArgument {}

/// The matcher flags shared by `reloc match` and `reloc pipeline`.
struct MatcherArguments: ParsableArguments {
    @Option(help: "auto (LightGlue for ALIKED, DISK and XFeat features when its weights are in --weights, else nearest neighbours), lightglue or nn.")
    var matcher: MatcherKind = .auto
    @Option(name: .customLong("lightglue-weights"), help: "LightGlue weights file to use instead of the published one for the features.")
    var lightGlueWeights: String?
    @Option(name: .customLong("depth-confidence"), help: "LightGlue: stop early once this fraction of points is confident (-1: all layers; default: the published 0.95, -1 for XFeat's LighterGlue).")
    var depthConfidence: Float?
    @Option(name: .customLong("width-confidence"), help: "LightGlue: prune points below 1 - this matchability (-1: no pruning; default: the published 0.99, 0.95 for XFeat's LighterGlue).")
    var widthConfidence: Float?
    @Option(name: .customLong("match-threshold"), help: "LightGlue: drop matches scoring at most this (default 0.1).")
    var matchThreshold: Float?

    /// LightGlue's settings for features named `featuresName` (a kind or a store's file name), or nil for nearest neighbours.
    func lightGlue(featuresName: String, weightsFolder: String) throws -> LightGlueSettings? {
        guard var settings = try LightGlueSettings.resolve(matcher, featuresName: featuresName, weightsFolder: weightsFolder,
                                                           explicitWeights: lightGlueWeights) else { return nil }
        if let depthConfidence { settings.depthConfidence = depthConfidence }
        if let widthConfidence { settings.widthConfidence = widthConfidence }
        if let matchThreshold { settings.threshold = matchThreshold }
        return settings
    }
}
