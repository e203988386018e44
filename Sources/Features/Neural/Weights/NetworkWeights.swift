import TensorFiles

/// Layers built from a weights file (a PyTorch checkpoint or safetensors), by PyTorch key names. A common
/// wrapper prefix (`module.`, `net.`, `model.`) on every key is found and skipped.
public struct NetworkWeights: Sendable {
    public let file: any TensorArchive
    let prefix: String

    /// - Parameter probe: a key the network must have (e.g. `conv1a.weight`), to find the prefix.
    public init(file: any TensorArchive, probe: String) throws {
        self.file = file
        if file.shape(probe) != nil {
            prefix = ""
        } else if let key = file.tensorNames.first(where: { $0.hasSuffix("." + probe) }) {
            prefix = String(key.dropLast(probe.count))
        } else {
            throw FeaturesError.invalidInput("\(file.path): no tensor '\(probe)': not the expected network's weights")
        }
    }

    public func floats(_ name: String, shape: [Int]) throws -> [Float] { try file.floats(prefix + name, shape: shape) }

    public func has(_ name: String) -> Bool { file.shape(prefix + name) != nil }

    /// A `Conv2d` named `name` (its `.weight`, and `.bias` when `bias`), with the eval-mode batch
    /// norm `batchNorm` (its weight, bias, running_mean, running_var) folded in when given.
    public func conv(_ name: String, in inChannels: Int, out outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                     bias: Bool = true, batchNorm: String? = nil) throws -> Conv2D {
        var conv = Conv2D(weight: try floats(name + ".weight", shape: [outChannels, inChannels, kernel, kernel]),
                          bias: bias ? try floats(name + ".bias", shape: [outChannels]) : nil,
                          outChannels: outChannels, inChannels: inChannels, kernel: (kernel, kernel), stride: stride, padding: padding)
        if let bn = batchNorm {
            conv.foldBatchNorm(gamma: try floats(bn + ".weight", shape: [outChannels]), beta: try floats(bn + ".bias", shape: [outChannels]),
                               mean: try floats(bn + ".running_mean", shape: [outChannels]),
                               variance: try floats(bn + ".running_var", shape: [outChannels]))
        }
        return conv
    }
}
