import Foundation

/// What a features store holds, written into the file itself: the root attribute
/// `reloc_features`, a JSON object with the kind (`"kind": "aliked-n16"`) and the settings it was
/// extracted with (`"max_keypoints"`, `"max_edge"`; for SIFT the contrast settings, for ALIKED the
/// detection threshold). A reader asks the store, not its file name, what it holds; hloc's stores
/// (and reloc's before it recorded them) have no record, and readers fall back to the name.
public struct FeatureStoreRecord: Codable, Equatable, Sendable {
    /// The feature kind's name (`FeatureKind.rawValue`).
    public var kind: String
    public var maxKeypoints: Int
    public var maxEdge: Int
    /// ALIKED's detection threshold (nil: the published one, or none for the kind).
    public var detectionThreshold: Float?
    /// SIFT: `off`, `on` or `adaptive` (nil for learned features).
    public var contrast: String?
    public var contrastThreshold: Double?
    public var lowestContrastThreshold: Double?
    public var minimumKeypoints: Int?
    public var upsample: Bool?
    public var upright: Bool?

    public init(kind: String, maxKeypoints: Int, maxEdge: Int) {
        self.kind = kind; self.maxKeypoints = maxKeypoints; self.maxEdge = maxEdge
    }

    /// The attribute's name on the file's root group.
    static package let attribute = "reloc_features"

    enum CodingKeys: String, CodingKey {
        case kind, contrast, upsample, upright
        case maxKeypoints = "max_keypoints", maxEdge = "max_edge", detectionThreshold = "detection_threshold"
        case contrastThreshold = "contrast_threshold", lowestContrastThreshold = "lowest_contrast_threshold"
        case minimumKeypoints = "minimum_keypoints"
    }
}

extension FeatureStore {
    /// The store's record of what it holds, nil for a store without one (hloc's).
    /// - Throws: `FormatError.file` naming the store when the record is there but unreadable.
    public func record() throws -> FeatureStoreRecord? {
        guard let text = try file.readStringAttribute("/", FeatureStoreRecord.attribute) else { return nil }
        do {
            return try JSONDecoder().decode(FeatureStoreRecord.self, from: Data(text.utf8))
        } catch {
            throw FormatError.file(file: path, message: "its \(FeatureStoreRecord.attribute) attribute is not a features record: \(text.prefix(200))")
        }
    }

    /// Writes (or replaces) the store's record of what it holds.
    public func writeRecord(_ record: FeatureStoreRecord) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try file.writeStringAttribute("/", FeatureStoreRecord.attribute, String(decoding: try encoder.encode(record), as: UTF8.self))
    }
}
