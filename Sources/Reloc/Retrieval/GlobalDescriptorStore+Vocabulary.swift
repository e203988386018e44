import Formats
import Foundation

extension GlobalDescriptorStore {
    /// The group that keeps reloc's VLAD vocabulary beside the descriptors it made: `centroids`,
    /// K×D float32. Not an image (it holds no `global_descriptor`), so `names()` leaves it out;
    /// hloc and other readers of the layout ignore it.
    public static let vocabularyGroup = ".reloc-vlad-vocabulary"

    /// The stored VLAD vocabulary, or nil when the store has none (made by another tool, or by
    /// reloc before it kept it).
    /// - Throws: `RelocError.file` naming the file when the vocabulary is there but malformed.
    public func readVocabulary() throws -> VLADVocabulary? {
        let dataset = Self.vocabularyGroup + "/centroids"
        guard file.isDataset(dataset) else { return nil }
        let shape = try file.shape(dataset)
        guard shape.count == 2, shape[0] > 0, shape[1] > 0 else {
            throw RelocError.file(file: path, message: "\(dataset) has shape \(shape), expected K×D")
        }
        let values = try file.readFloats(dataset, count: shape[0] * shape[1])
        guard values.allSatisfy(\.isFinite) else { throw RelocError.file(file: path, message: "\(dataset) has non-finite values") }
        return VLADVocabulary(centroids: values, clusterCount: shape[0], dimension: shape[1])
    }

    /// Writes (or replaces) the VLAD vocabulary.
    public func writeVocabulary(_ vocabulary: VLADVocabulary) throws {
        try file.remove(Self.vocabularyGroup)
        try file.write(Self.vocabularyGroup + "/centroids", floats: vocabulary.centroids,
                       dims: [vocabulary.clusterCount, vocabulary.dimension])
    }
}
