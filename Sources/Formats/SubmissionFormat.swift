/// How a benchmark's evaluation server names the queries in a submission (one line per query,
/// `NAME qw qx qy qz tx ty tz`, world-to-camera, quaternion w first — the same pose part for all):
///
/// - `aachen` (Aachen Day-Night v1.1, InLoc, Extended CMU's basename form): the basename,
///   `IMG_20161227_173116.jpg`.
/// - `robotcar` (RobotCar Seasons): the camera folder and the basename, `rear/1417176586711245.jpg`
///   (hloc's `prepend_camera_name`); the camera is one of `left`, `rear`, `right`.
/// - `cmu` (CMU Seasons): the basename, which itself names the camera,
///   `img_01234_c0_1287504079023409us.jpg` (`c0` or `c1`).
/// - `path` (Cambridge Landmarks, 7-Scenes, whose basenames repeat in every sequence): the name
///   relative to the image folder, `seq1/frame00001.png` (what hloc writes for them).
///
/// Results are matched to ground truth and to query lists through `submissionName`, so every
/// reader and writer of submissions agrees on one rule per format.
public enum SubmissionFormat: String, CaseIterable, Codable, Sendable {
    case aachen, robotcar, cmu, path

    /// RobotCar Seasons' camera folders.
    public static let robotCarCameras: Set<String> = ["left", "rear", "right"]

    /// The name this format gives the query `name` (a path relative to the image folder).
    public func submissionName(_ name: String) -> String {
        switch self {
        case .aachen, .cmu:
            return imageBasename(name)
        case .path:
            return name
        case .robotcar:
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count >= 2 ? "\(parts[parts.count - 2])/\(parts[parts.count - 1])" : name
        }
    }

    /// What is wrong with `name` as this format's submission name of a query, or nil.
    public func nameProblem(_ name: String) -> String? {
        switch self {
        case .aachen:
            return name.contains("/") ? "'\(name)' is a path; submissions name queries by basename ('\(imageBasename(name))')" : nil
        case .robotcar:
            let parts = name.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, Self.robotCarCameras.contains(String(parts[0])), !parts[1].isEmpty else {
                return "'\(name)' is not CAMERA/BASENAME with CAMERA one of left, rear, right (RobotCar Seasons)"
            }
            return nil
        case .path:
            return imageNameProblem(name)
        case .cmu:
            if name.contains("/") { return "'\(name)' is a path; CMU Seasons submissions name queries by basename ('\(imageBasename(name))')" }
            return Self.isCMUName(name) ? nil : "'\(name)' is not a CMU Seasons query name (img_NUMBER_c0_TIMESTAMPus.jpg or _c1_)"
        }
    }

    /// `img_<digits>_c<0|1>_<digits>us.jpg`.
    public static func isCMUName(_ name: String) -> Bool {
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "img", !parts[1].isEmpty, parts[1].allSatisfy(\.isNumber),
              parts[2] == "c0" || parts[2] == "c1", parts[3].hasSuffix("us.jpg") else { return false }
        let stamp = parts[3].dropLast("us.jpg".count)
        return !stamp.isEmpty && stamp.allSatisfy(\.isNumber)
    }

    /// The format whose rule every one of `queryNames` fits best: `cmu` when every basename is a CMU
    /// name, `robotcar` when every query sits in a `left`/`rear`/`right` folder, `path` when two
    /// queries share a basename (7-Scenes and Cambridge sequences), else `aachen`.
    public static func guess(queryNames: [String]) -> SubmissionFormat {
        guard !queryNames.isEmpty else { return .aachen }
        if queryNames.allSatisfy({ isCMUName(imageBasename($0)) }) { return .cmu }
        if queryNames.allSatisfy({ robotcar.nameProblem(robotcar.submissionName($0)) == nil }) { return .robotcar }
        if Set(queryNames.map(imageBasename)).count < queryNames.count { return .path }
        return .aachen
    }
}
