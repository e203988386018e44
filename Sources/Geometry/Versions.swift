import CCeresShim

/// Versions of the native libraries compiled into Geometry's shim.
public struct NativeLibraryVersions: Sendable, CustomStringConvertible {
    public let eigen: String
    public let ceres: String

    /// Reads the versions from CCeresShim.
    public static var current: NativeLibraryVersions {
        var v = cceres_versions()
        cceres_get_versions(&v)
        return NativeLibraryVersions(eigen: "\(v.eigen_major).\(v.eigen_minor).\(v.eigen_patch)",
                                     ceres: "\(v.ceres_major).\(v.ceres_minor).\(v.ceres_patch)")
    }

    public var description: String { "Eigen \(eigen), Ceres \(ceres)" }
}
