import Foundation

/// An HDF5 file of global (whole-image) descriptors in hloc's layout: one group per image name
/// holding `global_descriptor`, a vector of D values (hloc writes shape (D,); (1, D) is read too).
/// Any float type is read; reloc writes float32.
public final class GlobalDescriptorStore {
    public var path: String { file.path }
    package let file: HDF5File

    /// - Throws: `FormatError.file` naming the path when it cannot be opened.
    public init(path: String, mode: StoreMode) throws {
        file = try HDF5File(path: path, mode: mode, what: "global-descriptor file")
    }

    public func flush() throws { try file.flush() }

    /// Image names that have a global descriptor, sorted.
    public func names() throws -> [String] { try file.parents(holding: "global_descriptor") }

    public func contains(_ name: String) -> Bool { file.isDataset("\(name)/global_descriptor") }

    /// One image's descriptor.
    /// - Throws: `FormatError.file` naming the file and image when it is missing or not a vector.
    public func read(_ name: String) throws -> [Float] {
        let dataset = "\(name)/global_descriptor"
        guard contains(name) else { throw FormatError.file(file: path, message: "no global descriptor for '\(name)'") }
        let shape = try file.shape(dataset)
        guard shape.count == 1 || (shape.count == 2 && shape[0] == 1), let d = shape.last, d > 0 else {
            throw FormatError.file(file: path, message: "\(dataset) has shape \(shape), expected (D,) or (1, D)")
        }
        let values = try file.readFloats(dataset, count: d)
        guard values.allSatisfy(\.isFinite) else { throw FormatError.file(file: path, message: "\(dataset) has non-finite values") }
        return values
    }

    /// Writes (or replaces) one image's descriptor as float32, shape (D,).
    public func write(_ name: String, _ descriptor: [Float]) throws {
        try file.remove(name)
        try file.write("\(name)/global_descriptor", floats: descriptor, dims: [descriptor.count])
    }
}
