import Features
import Foundation
import TensorFiles

/// Timing of the learned networks for `RelocBench hndesc`.
enum NeuralTiming {
    struct Result: Sendable {
        var superPointSeconds: Double
        var hndescSeconds: Double
        var peakRSSMiB: Double
    }

    /// Best-of-`repeats` seconds of SuperPoint (gray W×H) and HNDesc (RGB W×H), with weights from
    /// `SyntheticWeights` (time does not depend on the values), and the process's peak RSS.
    static func run(width: Int, height: Int, repeats: Int, manifest: String) throws -> Result {
        let folder = NSTemporaryDirectory() + "relocbench-weights-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try SyntheticWeights.write(manifest: manifest, network: "superpoint", to: folder + "/sp.safetensors")
        try SyntheticWeights.write(manifest: manifest, network: "hndesc", to: folder + "/hn.safetensors")
        let superPoint = try SuperPointNet(weights: try SafeTensors(path: folder + "/sp.safetensors"))
        let hndesc = try HNDescNet(weights: try SafeTensors(path: folder + "/hn.safetensors"))
        var rng = SystemRandomNumberGenerator()
        let gray = Tensor(channels: 1, height: height, width: width, data: (0..<(width * height)).map { _ in Float.random(in: 0...1, using: &rng) })
        let rgb = Tensor(channels: 3, height: height, width: width, data: (0..<(3 * width * height)).map { _ in Float.random(in: -2...2, using: &rng) })
        var sink: Float = 0
        func best(_ body: () -> Float) -> Double {
            var best = Double.infinity
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                sink += body()
                best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
            return best
        }
        let sp = best { superPoint(gray).scores.data[0] }
        let hn = best { hndesc(rgb).data[0] }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        if sink.isNaN { print("") }  // keeps the work observable
        return Result(superPointSeconds: sp, hndescSeconds: hn, peakRSSMiB: Double(usage.ru_maxrss) / 1024)
    }
}
