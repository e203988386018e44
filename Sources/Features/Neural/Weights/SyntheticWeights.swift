import Foundation
import TensorFiles

/// Deterministic pseudo-random network weights, for tests and benchmarks (no checkpoint needed):
/// the formula of `tools/make_neural_goldens.py`, applied to the keys, shapes and kinds of its
/// manifest (`Tests/FeaturesTests/Fixtures/neural_manifest.json`).
///
///     u(name, i) = fmix32(fnv1a32(name) ^ (i · 0x9E3779B9 mod 2³²)) / 2³² · 2 − 1
///     conv weight u·√(6 / fan_in); conv bias 0.05u; batch norm weight 1 + 0.2u, bias 0.1u,
///     running mean 0.1u, running variance 1 + 0.5u
public enum SyntheticWeights {
    public static func uniform(_ name: String, _ count: Int) -> [Float] {
        var seed: UInt32 = 0x811C_9DC5
        for byte in name.utf8 { seed = (seed ^ UInt32(byte)) &* 0x0100_0193 }
        return (0..<count).map { i in
            var h = seed ^ (UInt32(truncatingIfNeeded: i) &* 0x9E37_79B9)
            h ^= h >> 16; h = h &* 0x85EB_CA6B
            h ^= h >> 13; h = h &* 0xC2B2_AE35
            h ^= h >> 16
            return Float(Double(h) / 4_294_967_296 * 2 - 1)
        }
    }

    /// Writes the weights of `network` ("superpoint" or "hndesc") of the manifest as safetensors.
    /// - Parameter prefix: prepended to every key (to exercise prefix detection).
    public static func write(manifest: String, network: String, to path: String, prefix: String = "") throws {
        guard let data = FileManager.default.contents(atPath: manifest),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let entries = object[network] as? [[String: Any]] else {
            throw FeaturesError.invalidInput("\(manifest): no '\(network)' entries")
        }
        var tensors: [(name: String, shape: [Int], values: [Float])] = []
        for entry in entries {
            guard let name = entry["name"] as? String, let shape = (entry["shape"] as? [NSNumber])?.map(\.intValue),
                  let kind = entry["kind"] as? String else { throw FeaturesError.invalidInput("\(manifest): malformed entry") }
            let u = uniform(name, shape.reduce(1, *))
            let values: [Float]
            switch kind {
            case "conv_weight":
                let scale = Float((6.0 / Double(shape.dropFirst().reduce(1, *))).squareRoot())
                values = u.map { $0 * scale }
            case "conv_bias": values = u.map { $0 * Float(0.05) }
            case "bn_weight": values = u.map { 1 + $0 * Float(0.2) }
            case "bn_bias", "bn_running_mean": values = u.map { $0 * Float(0.1) }
            default: values = u.map { 1 + $0 * Float(0.5) }
            }
            tensors.append((prefix + name, shape, values))
        }
        try SafeTensors.write(tensors, to: path)
    }
}
