import Foundation
import TensorFiles

/// LightGlue (Lindenberger, Sarlin and Pollefeys, ICCV 2023), the published inference on the
/// CPU: keypoints normalised by their image's size, a learnable Fourier positional encoding
/// applied as rotary embeddings, `layers` transformer layers (self-attention, then bidirectional
/// cross-attention), per-layer token confidences that stop early (adaptive depth) and prune
/// unmatchable points (adaptive width), and the assignment: similarity plus matchability,
/// sigmoid log double-softmax, then `filter_matches` (mutual best, score above the threshold).
///
/// Weights are the published checkpoints (`aliked_lightglue.pth`, `disk_lightglue.pth`, or a
/// safetensors copy) in either of their key layouts (`transformers.i.self_attn.*` or the older
/// `self_attn.i.*`).
public struct LightGlue: Sendable {
    /// The published defaults: early stopping at 95 % confident points, pruning below 1 %
    /// matchability, matches kept above 0.1.
    public struct Options: Equatable, Sendable {
        /// Stop once this fraction of all points is confident; ≤ 0 switches adaptive depth off.
        public var depthConfidence: Float = 0.95
        /// Prune points whose matchability is below 1 − this; ≤ 0 switches adaptive width off.
        public var widthConfidence: Float = 0.99
        /// Matches with a score at most this are dropped.
        public var filterThreshold: Float = 0.1
        /// Compute the two images' halves of each layer on two threads.
        public var parallel = true

        public init(depthConfidence: Float = 0.95, widthConfidence: Float = 0.99, filterThreshold: Float = 0.1, parallel: Bool = true) {
            self.depthConfidence = depthConfidence; self.widthConfidence = widthConfidence
            self.filterThreshold = filterThreshold; self.parallel = parallel
        }

        /// - Throws: `FeaturesError.invalidOption` for a threshold outside [0, 1] or a confidence above 1.
        public func validate() throws {
            guard filterThreshold >= 0, filterThreshold <= 1 else {
                throw FeaturesError.invalidOption("match threshold must be in [0, 1], got \(filterThreshold)")
            }
            guard depthConfidence <= 1, widthConfidence <= 1, !depthConfidence.isNaN, !widthConfidence.isNaN else {
                throw FeaturesError.invalidOption("depth and width confidences must be at most 1 (≤ 0: off)")
            }
        }
    }

    /// One image's side of a pair.
    public struct Input: Sendable {
        /// Keypoints in pixels with the top-left pixel's centre at (0, 0), PyTorch's and hloc's convention.
        public var keypoints: [SIMD2<Float>]
        /// One descriptor after another, `inputDimension` floats each.
        public var descriptors: [Float]
        /// Width and height of the image the keypoints refer to.
        public var imageSize: SIMD2<Float>

        public init(keypoints: [SIMD2<Float>], descriptors: [Float], imageSize: SIMD2<Float>) {
            self.keypoints = keypoints; self.descriptors = descriptors; self.imageSize = imageSize
        }
    }

    /// The published outputs (`matches0`, `matching_scores0`, ..., `stop`, `prune0`, `prune1`).
    public struct Result: Equatable, Sendable {
        /// For each keypoint of image 0, its match in image 1 or −1.
        public var matches0: [Int]
        public var matches1: [Int]
        /// exp of the best assignment score when it is a mutual best, else 0 (also for mutual
        /// bests below the threshold, whose `matches0` is −1, as published).
        public var scores0: [Float]
        public var scores1: [Float]
        /// The number of layers run.
        public var stopLayer: Int
        /// For each keypoint, 1 + the number of layers after which it was still kept
        /// (`layers` for every point when pruning is off).
        public var prune0: [Int]
        public var prune1: [Int]
    }

    public let inputDimension: Int
    public let dimension: Int
    public let heads: Int
    let inputProjection: Linear?
    /// `posenc.Wr`: keypoint coordinates → half the head dimension of frequencies.
    let positionalWeights: Linear
    let layers: [TransformerLayer]
    let assignments: [MatchAssignment]
    let tokenConfidences: [Linear]
    /// The published per-layer thresholds 0.8 + 0.1 · exp(−4 i / layers), clipped to [0, 1].
    let confidenceThresholds: [Float]

    public var layerCount: Int { layers.count }

    /// - Throws: `FeaturesError.invalidInput` naming the file when a tensor is missing or misshapen,
    ///   or the weights are for keypoints with scale and orientation (SIFT's LightGlue).
    public init(weightsFile: any TensorArchive, heads: Int = 4) throws {
        let weights = try NetworkWeights(file: weightsFile, probe: "posenc.Wr.weight")
        guard let wr = weightsFile.shape(weights.prefix + "posenc.Wr.weight"), wr.count == 2 else {
            throw FeaturesError.invalidInput("\(weightsFile.path): posenc.Wr.weight is not a matrix")
        }
        guard wr[1] == 2 else {
            throw FeaturesError.invalidInput("\(weightsFile.path): LightGlue weights for keypoints with scale and orientation (\(wr[1]) inputs) are not supported; use ALIKED or DISK weights")
        }
        let headDimension = wr[0] * 2
        dimension = headDimension * heads
        self.heads = heads
        if let shape = weightsFile.shape(weights.prefix + "input_proj.weight") {
            guard shape.count == 2, shape[0] == dimension else {
                throw FeaturesError.invalidInput("\(weightsFile.path): input_proj.weight has shape \(shape), expected [\(dimension), D]")
            }
            inputDimension = shape[1]
            inputProjection = try Linear(weights, "input_proj", in: shape[1], out: dimension)
        } else {
            inputDimension = dimension
            inputProjection = nil
        }
        positionalWeights = try Linear(weights, "posenc.Wr", in: 2, out: headDimension / 2, bias: false)
        var layers: [TransformerLayer] = []
        var assignments: [MatchAssignment] = []
        var tokens: [Linear] = []
        func layerName(_ i: Int, _ block: String) -> String {
            weights.has("transformers.\(i).\(block).ffn.0.weight") ? "transformers.\(i).\(block)" : "\(block).\(i)"
        }
        var i = 0
        while weights.has("transformers.\(i).self_attn.ffn.0.weight") || weights.has("self_attn.\(i).ffn.0.weight") {
            layers.append(TransformerLayer(
                selfBlock: try SelfAttentionBlock(weights, layerName(i, "self_attn"), dimension: dimension, heads: heads),
                crossBlock: try CrossAttentionBlock(weights, layerName(i, "cross_attn"), dimension: dimension, heads: heads)))
            assignments.append(try MatchAssignment(weights, "log_assignment.\(i)", dimension: dimension))
            i += 1
        }
        guard !layers.isEmpty else { throw FeaturesError.invalidInput("\(weightsFile.path): no transformer layers: not LightGlue's weights") }
        for i in 0..<(layers.count - 1) { tokens.append(try Linear(weights, "token_confidence.\(i).token.0", in: dimension, out: 1)) }
        self.layers = layers
        self.assignments = assignments
        self.tokenConfidences = tokens
        confidenceThresholds = (0..<layers.count).map { i in
            Float(min(max(0.8 + 0.1 * Foundation.exp(-4.0 * Double(i) / Double(layers.count)), 0), 1))
        }
    }

    /// Loads LightGlue from a weights file (`WeightsFile.open`).
    public init(path: String) throws { try self.init(weightsFile: try WeightsFile.open(path)) }
}
