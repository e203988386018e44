/// The camera models reloc implements, with COLMAP's numeric ids, names and
/// parameter order (COLMAP `src/colmap/sensor/models.h`).
///
/// | model | params |
/// |---|---|
/// | SIMPLE_PINHOLE (0) | f, cx, cy |
/// | PINHOLE (1) | fx, fy, cx, cy |
/// | SIMPLE_RADIAL (2) | f, cx, cy, k |
/// | RADIAL (3) | f, cx, cy, k1, k2 |
/// | OPENCV (4) | fx, fy, cx, cy, k1, k2, p1, p2 |
public enum CameraModel: Int32, CaseIterable, Sendable {
    case simplePinhole = 0
    case pinhole = 1
    case simpleRadial = 2
    case radial = 3
    case opencv = 4

    /// COLMAP's name of the model, e.g. `SIMPLE_RADIAL`.
    public var name: String {
        switch self {
        case .simplePinhole: return "SIMPLE_PINHOLE"
        case .pinhole: return "PINHOLE"
        case .simpleRadial: return "SIMPLE_RADIAL"
        case .radial: return "RADIAL"
        case .opencv: return "OPENCV"
        }
    }

    /// The model with COLMAP name `name` (exact, upper case), or nil.
    public init?(name: String) {
        guard let model = CameraModel.allCases.first(where: { $0.name == name }) else { return nil }
        self = model
    }

    /// The model with COLMAP's numeric id, or nil.
    public init?(colmapID: Int32) { self.init(rawValue: colmapID) }

    public var colmapID: Int32 { rawValue }

    public var parameterNames: [String] {
        switch self {
        case .simplePinhole: return ["f", "cx", "cy"]
        case .pinhole: return ["fx", "fy", "cx", "cy"]
        case .simpleRadial: return ["f", "cx", "cy", "k"]
        case .radial: return ["f", "cx", "cy", "k1", "k2"]
        case .opencv: return ["fx", "fy", "cx", "cy", "k1", "k2", "p1", "p2"]
        }
    }

    public var parameterCount: Int { parameterNames.count }

    /// Indices of the focal length parameters (one or two).
    public var focalIndices: [Int] {
        switch self {
        case .simplePinhole, .simpleRadial, .radial: return [0]
        case .pinhole, .opencv: return [0, 1]
        }
    }

    /// Indices of cx, cy.
    var principalPointIndices: [Int] {
        switch self {
        case .simplePinhole, .simpleRadial, .radial: return [1, 2]
        case .pinhole, .opencv: return [2, 3]
        }
    }

    /// Index of the first radial coefficient k1 (SIMPLE_RADIAL's k), nil for the pinhole models.
    public var k1Index: Int? {
        switch self {
        case .simplePinhole, .pinhole: return nil
        case .simpleRadial, .radial: return 3
        case .opencv: return 4
        }
    }

    /// Whether the model has distortion parameters.
    public var hasDistortion: Bool {
        switch self {
        case .simplePinhole, .pinhole: return false
        default: return true
        }
    }
}
