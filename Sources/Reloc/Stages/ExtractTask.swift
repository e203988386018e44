import Features
import Formats
import Foundation

/// `reloc extract`: local features of images into an HDF5 store in hloc's layout.
/// Resumable: images already complete in the store are skipped unless `overwrite`.
/// An unreadable image is reported by name and skipped.
public struct ExtractTask: Sendable {
    /// The kinds of local features: one table, `FeatureKind+Table.swift`.
    public typealias Kind = FeatureKind
    public typealias Contrast = ExtractionSettings.Contrast

    public var imageFolder: String
    public var lists: [String]
    public var output: String
    /// The kind and every setting that changes the features.
    public var settings: ExtractionSettings
    public var overwrite = false
    /// Only the images of this shard (`Shard.contains`).
    public var shard: Shard?

    public init(imageFolder: String, lists: [String], output: String, settings: ExtractionSettings) {
        self.imageFolder = imageFolder; self.lists = lists; self.output = output; self.settings = settings
    }

    /// - Throws: `RelocError.invalidOption` for a setting out of its range, or learned features
    ///   without their weights.
    public func validate() throws { try settings.validate() }

    /// Refuses a store that records another kind of features; warns when it records other
    /// settings of the same kind (its earlier images keep them); then records this extraction.
    func checkRecord(of store: FeatureStore, warn: (String) -> Void) throws {
        let wanted = settings.record
        let held = try store.record()
        guard held != wanted else { return }
        if let held {
            guard held.kind == wanted.kind else {
                throw RelocError.file(file: output, message: "holds \(held.kind) features, not \(wanted.kind): give another --output")
            }
            warn("warning: \(output): its images so far were extracted with other settings than this run's; the store now records this run's")
        }
        try store.writeRecord(wanted)
    }

    public struct Summary: Sendable {
        public var extracted = 0
        public var skipped = 0
        public var failed: [String] = []
        public var keypoints = 0
        /// Images extracted again with contrast stretching (adaptive contrast).
        public var contrastNormalized = 0
        public var seconds = 0.0
    }

    /// - Parameters:
    ///   - warn: receives one line per unreadable image.
    ///   - progress: (done, total) after each image.
    /// - Throws: `RelocError` for a bad list, folder or store (not for a bad image).
    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        try validate()
        var names: [String] = []
        if lists.isEmpty {
            names = try ImageList.scan(folder: imageFolder)
        } else {
            var seen = Set<String>()
            for list in lists {
                for name in try ImageList.read(list: list) {
                    if seen.insert(name).inserted { names.append(name) }
                }
            }
        }
        if let shard { names = names.filter { shard.contains($0) } }
        let extractor = try ImageExtractor(settings)
        let (store, journal) = try openForUpdateOrRebuild(output, warn: warn) { try FeatureStore(path: output, mode: $0) }
        defer { journal.close(flushing: store.flush) }
        try checkRecord(of: store, warn: warn)
        var summary = Summary()
        for (index, name) in names.enumerated() {
            defer { progress?(index + 1, names.count) }
            if !overwrite && store.contains(name, complete: true) { summary.skipped += 1; continue }
            let path = (imageFolder as NSString).appendingPathComponent(name)
            let image: Image8
            do {
                image = try ImageFile.read(path: path, channels: extractor.channels)
            } catch {
                warn("warning: \(error); skipped")
                summary.failed.append(name)
                continue
            }
            let (features, stretched) = extractor.extract(image)
            try store.write(name, features, halfDescriptors: true)
            journal.wrote(name)
            summary.extracted += 1
            summary.keypoints += features.count
            if stretched { summary.contrastNormalized += 1 }
            // A network's image takes long: each one is flushed; SIFT's every 20.
            if extractor.isLearned || summary.extracted % 20 == 0 {
                try store.flush()
                try journal.flushed()
            }
            FailPoint.reached(.extract)
        }
        try journal.complete(flushing: store.flush)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}
