import Formats
import Foundation

extension SyntheticDataset {
    /// The synthetic dataset in kapture form (`KaptureWriter.write(dataset:)`): `folder/mapping/`
    /// and `folder/query/` with the ground truth as the queries' trajectories, so the kapture path
    /// has a test set of known truth. Rendered in reloc's layout first (in a hidden folder inside
    /// `folder`, removed afterwards), so both forms hold the same images and poses.
    public static func generateKapture(folder: String, preset: SyntheticPreset, seed: UInt64,
                                       progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let staging = (folder as NSString).appendingPathComponent(".reloc-layout")
        try? FileManager.default.removeItem(atPath: staging)
        let summary = try generate(folder: staging, preset: preset, seed: seed, progress: progress)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try KaptureWriter.write(dataset: try DatasetLayout.detect(root: staging), to: folder, transfer: .move)
        return summary
    }
}
