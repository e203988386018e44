import Geometry

/// reloc's version and the native libraries it was built with.
public enum RelocVersion {
    public static let number = "0.1.0"

    public static var description: String { "reloc \(number) (\(NativeLibraryVersions.current))" }
}
