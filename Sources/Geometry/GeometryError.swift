/// Errors raised by the Geometry module. "No pose found" is never an error:
/// estimators return nil for that.
public enum GeometryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// A camera model name COLMAP does not define, or one reloc does not implement.
    case unknownCameraModel(String)
    /// The parameter count does not match the camera model.
    case wrongParameterCount(model: String, expected: Int, got: Int)
    /// Parameters or sizes outside their valid range (non-finite, non-positive focal, ...).
    case invalidCamera(String)
    /// An argument that makes the computation meaningless (mismatched counts, NaN, ...).
    case invalidInput(String)

    public var description: String {
        switch self {
        case .unknownCameraModel(let name):
            return "unknown camera model '\(name)' (supported: \(CameraModel.allCases.map(\.name).joined(separator: ", ")))"
        case .wrongParameterCount(let model, let expected, let got):
            return "camera model \(model) takes \(expected) parameters (\(CameraModel(name: model)?.parameterNames.joined(separator: ", ") ?? "?")), got \(got)"
        case .invalidCamera(let message):
            return "invalid camera: \(message)"
        case .invalidInput(let message):
            return "invalid input: \(message)"
        }
    }
}
