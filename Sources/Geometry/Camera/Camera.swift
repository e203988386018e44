#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A camera's intrinsics in COLMAP's conventions.
///
/// Pixel convention (COLMAP, Aachen, hloc's COLMAP files): the centre of the
/// top-left pixel is at (0.5, 0.5), so the image covers [0, width] × [0, height]
/// in continuous coordinates and a principal point at (width/2, height/2) is the
/// image centre. Parameter order is COLMAP's, see `CameraModel`.
public struct Camera: Equatable, Sendable {
    public let model: CameraModel
    public let width: Int
    public let height: Int
    /// Parameters in COLMAP's order for `model`.
    public let params: [Double]
    /// The square of `monotonicRadius`, kept so that every projection checks it without a root.
    let monotonicRadiusSquared: Double

    /// Creates a camera, checking the parameter count and ranges.
    /// - Throws: `GeometryError.wrongParameterCount` or `.invalidCamera`.
    public init(model: CameraModel, width: Int, height: Int, params: [Double]) throws {
        guard params.count == model.parameterCount else {
            throw GeometryError.wrongParameterCount(model: model.name, expected: model.parameterCount, got: params.count)
        }
        guard width > 0, height > 0 else {
            throw GeometryError.invalidCamera("image size \(width)x\(height) must be positive")
        }
        if let bad = params.firstIndex(where: { !$0.isFinite }) {
            throw GeometryError.invalidCamera("parameter \(model.parameterNames[bad]) is not finite")
        }
        for index in model.focalIndices where !(params[index] > 0) {
            throw GeometryError.invalidCamera("focal length \(model.parameterNames[index]) = \(params[index]) must be positive")
        }
        self.model = model
        self.width = width
        self.height = height
        self.params = params
        self.monotonicRadiusSquared = Camera.monotonicRadiusSquared(model: model, params: params)
    }

    /// Creates a camera from COLMAP's model name, e.g. `"PINHOLE"`.
    /// - Throws: `GeometryError.unknownCameraModel` and the errors of `init(model:width:height:params:)`.
    public init(modelName: String, width: Int, height: Int, params: [Double]) throws {
        guard let model = CameraModel(name: modelName) else { throw GeometryError.unknownCameraModel(modelName) }
        try self.init(model: model, width: width, height: height, params: params)
    }

    public var focalX: Double { params[model.focalIndices[0]] }
    public var focalY: Double { params[model.focalIndices.last!] }
    public var principalPoint: Vector2 {
        Vector2(params[model.principalPointIndices[0]], params[model.principalPointIndices[1]])
    }
    /// The mean focal length in pixels (used to turn pixel thresholds into angles).
    public var meanFocal: Double { (focalX + focalY) / 2 }

    /// The camera as a query-list / cameras.txt field string: `MODEL W H p1 p2 ...`.
    public var colmapDescription: String {
        ([model.name, String(width), String(height)] + params.map { formatDouble($0) }).joined(separator: " ")
    }

    /// The same camera for an image resized to `newWidth` × `newHeight` (COLMAP's
    /// `Camera::Rescale`): focal lengths and principal point scale with the image;
    /// a single focal length scales by the mean of the two factors; distortion is unchanged.
    public func scaled(toWidth newWidth: Int, height newHeight: Int) throws -> Camera {
        let sx = Double(newWidth) / Double(width)
        let sy = Double(newHeight) / Double(height)
        var p = params
        let focal = model.focalIndices
        if focal.count == 1 {
            p[focal[0]] *= (sx + sy) / 2
        } else {
            p[focal[0]] *= sx
            p[focal[1]] *= sy
        }
        p[model.principalPointIndices[0]] *= sx
        p[model.principalPointIndices[1]] *= sy
        return try Camera(model: model, width: newWidth, height: newHeight, params: p)
    }
}
