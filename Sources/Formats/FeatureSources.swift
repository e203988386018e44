/// Features read from one or more stores, the first that holds an image winning: the database's
/// features and a shard's query features (`reloc extract --shard`) without merging the files.
public struct FeatureSources {
    public let stores: [FeatureStore]

    /// - Throws: `FormatError.file` naming the first store that cannot be opened.
    public init(paths: [String]) throws {
        guard !paths.isEmpty else { throw FormatError.invalidArgument("no feature file given") }
        stores = try paths.map { try FeatureStore(path: $0, mode: .read) }
    }

    /// The files, for messages.
    public var description: String { stores.map(\.path).joined(separator: ", ") }

    public func store(for name: String) -> FeatureStore? { stores.first { $0.contains(name) } }

    public func contains(_ name: String) -> Bool { store(for: name) != nil }

    /// - Throws: `FormatError.file` naming the files when no store holds the image.
    public func read(_ name: String) throws -> ImageFeatures {
        guard let store = store(for: name) else {
            throw FormatError.file(file: description, message: "no features for '\(name)'")
        }
        return try store.read(name)
    }
}
