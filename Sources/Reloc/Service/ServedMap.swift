import Features
import Formats
import Foundation
import Geometry

/// A finished `reloc pipeline` output folder, loaded once for localizing images one at a time
/// (`LocalizationService`): the triangulated map, the database images' local features (float16
/// descriptors, as the store keeps them), their VLAD descriptors with the vocabulary the run
/// stored beside them (learned again for stores made before it was kept), and LightGlue when the run matched with it. Immutable once loaded.
public final class ServedMap: Sendable {
    public let folder: String
    public let record: PipelineRecord
    let settings: ServedSettings
    let map: MapIndex
    /// Where `map` was read from (the run's triangulated COLMAP model).
    let mapFolder: String
    /// The retrieval database: the reference model's images that have features, in its order
    /// (as `reloc pairs` ranked them).
    let database: [String]
    /// Local features of every database and map image (`ServedFeatures`: read in place).
    let features: ServedFeatures
    /// VLAD of each `database` image, as unit rows (nil for exhaustive retrieval).
    let globalIndex: GlobalRetrieval.Database?
    let vocabulary: VLADVocabulary?
    /// The run's matcher (LightGlue loaded once, or nearest neighbours with the run's options).
    let matcher: any PairMatcher
    /// With `settings.matchToPoints`, each map image's keypoints with a 3D point (nil: every
    /// keypoint is matched).
    let pointKeypoints: [String: [Int]]?
    /// The database descriptors' dimension (nil: no database image has features).
    let descriptorDimension: Int?
    /// The runs this run's poses pool with (`--fuse-with`), each served as it is, in the
    /// record's order; empty: not fused.
    let fusedRuns: [ServedMap]
    /// With fused runs: the map fused from this run's and theirs (`MapFusion`), and for each run
    /// (this one first) where its keypoints start in each image of it.
    let fusion: (map: MapIndex, keypointOffsets: [[Int]])?
    /// Seconds the loading took.
    public let loadSeconds: Double

    /// Loads a pipeline output folder.
    /// - Parameters:
    ///   - weightsFolder: where the learned features' (and LightGlue's) weights are, when not
    ///     where the run had them.
    ///   - say: a line of narration per step.
    /// - Throws: `RelocError.file` naming what is missing or inconsistent: `pipeline.json`, the
    ///   map, the feature store, the global descriptors, weights.
    public init(folder: String, weightsFolder: String? = nil, say: (String) -> Void = { _ in }) throws {
        let start = Date()
        self.folder = folder
        record = try Self.readRecord(folder: folder)
        let recordPath = (folder as NSString).appendingPathComponent("pipeline.json")
        settings = try ServedSettings(record: record, recordPath: recordPath, weightsFolder: weightsFolder)

        let mapFolder = try Self.locate(record.files.map, in: folder, what: "the triangulated map")
        self.mapFolder = mapFolder
        // The database as `reloc pairs` read it: the reference model's images, else the map's (the
        // same names); recorded in the map file, so the model is parsed only when it is made.
        let model = record.files.model
        let served = try MapIndex.served(folder: folder, mapFolder: mapFolder,
                                         databaseList: FileManager.default.fileExists(atPath: model) ? model : nil, say: say)
        map = served.map
        let names = served.database
        let featuresPath = try Self.locate(record.files.features, in: folder, what: "the feature store")
        let store = try FeatureStore(path: featuresPath, mode: .read)
        database = names.filter { store.contains($0) }
        let featureNames = Set(database + map.images.map(\.name)).filter { store.contains($0) }.sorted()
        // With VLAD, the global descriptors are checked against the features when the feature file
        // is made; its source names them, so a changed global store makes the file (and the check) again.
        let globalPath = settings.retrieval == .vlad
            ? try Self.locate((folder as NSString).appendingPathComponent("global-vlad_\(record.features).h5"), in: folder, what: "the VLAD descriptors")
            : nil
        let features = try ServedFeatures.open(folder: folder, storePath: featuresPath, store: store, names: featureNames,
                                               checked: globalPath.map { [$0] } ?? [], say: say)
        self.features = features
        descriptorDimension = database.lazy.compactMap { features.read($0)?.descriptorDimension }.first
        say("map \(mapFolder): \(map.images.count) images, \(map.pointCount) points; features \(featuresPath): \(features.count) images")

        switch settings.retrieval {
        case .vlad:
            let (vocabulary, index) = try Self.servedVLAD(globalPath: globalPath!, database: database, features: features, store: store,
                                                          seed: settings.localization.seed, folder: folder, say: say)
            globalIndex = index
            self.vocabulary = vocabulary
            say("retrieval: VLAD of \(database.count) images (\(vocabulary.clusterCount) clusters), top \(settings.topK)"
                + (settings.rerank.map { ", re-ranked from \($0)" } ?? ""))
        default:
            globalIndex = nil
            vocabulary = nil
            say("retrieval: exhaustive over \(database.count) images")
        }

        if let settings = settings.lightGlue {
            guard FileManager.default.fileExists(atPath: settings.weights) else {
                throw RelocError.file(file: settings.weights, message: "missing: the run matched with LightGlue (reloc weights fetch, or --weights FOLDER)")
            }
            matcher = try LightGlueMatcher(settings)
        } else {
            matcher = NearestNeighbourMatcher(options: settings.matching, epipolarThreshold: nil)
        }
        pointKeypoints = settings.matchToPoints ? try Self.pointKeypoints(map, features: features, mapFolder: mapFolder) : nil
        // The extractor's weights are checked now, not at the first request.
        _ = try ImageExtractor(settings.extract)
        if settings.fusedWith.isEmpty {
            fusedRuns = []
            fusion = nil
        } else {
            let fusedRuns = try settings.fusedWith.map { other in
                say("fused with \(other):")
                // A fused run of a fused run is refused before it is loaded (a cycle would never end).
                do { _ = try LocalizeTask.FusedRun.unfusedRecord(folder: other) } catch {
                    throw RelocError.file(file: recordPath, message: "fused_with names \(other): \(error)")
                }
                return try ServedMap(folder: other, weightsFolder: weightsFolder, say: say)
            }
            let runs = [features] + fusedRuns.map(\.features)
            let models = try ([mapFolder] + fusedRuns.map(\.mapFolder)).map { (model: try ColmapModel.read(folder: $0), folder: $0) }
            let fused = try MapFusion.fuse(models)
            let index = try MapIndex(model: fused.model, folder: mapFolder)
            // Each run's matches land on its own keypoints of the fused image only when its map's
            // 2D points are its features' keypoints (checked from the features' index).
            for image in index.images {
                let range = fused.ranges[image.name]!
                for (r, features) in runs.enumerated() {
                    if let stored = features.keypointCount(image.name), stored != range.counts[r] {
                        throw RelocError.file(file: models[r].folder, message: "image '\(image.name)' has \(range.counts[r]) 2D points but \(stored) keypoints in the run's features: the map was not triangulated from them")
                    }
                }
            }
            fusion = (index, models.indices.map { k in index.images.map { fused.ranges[$0.name]!.offsets[k] } })
            self.fusedRuns = fusedRuns
            say("fused map: \(index.images.count) images, \(index.pointCount) points from \(models.count) runs")
        }
        loadSeconds = Date().timeIntervalSince(start)
    }

    /// Each map image's keypoints with a 3D point, by name.
    /// - Throws: `RelocError.file` naming the map when an image's 2D points are not its features' keypoints.
    static func pointKeypoints(_ map: MapIndex, features: ServedFeatures, mapFolder: String) throws -> [String: [Int]] {
        var byImage: [String: [Int]] = [:]
        for (i, image) in map.images.enumerated() {
            let count = map.keypointCount(i)
            if let stored = features.keypointCount(image.name), stored != count {
                throw RelocError.file(file: mapFolder, message: "image '\(image.name)' has \(count) 2D points but \(stored) keypoints in the run's features: the map was not triangulated from them")
            }
            byImage[image.name] = (0..<count).filter { map.point(image: i, keypoint: $0) != nil }
        }
        return byImage
    }

    /// The run's `pipeline.json` in `folder`; `option` is what took the folder (named in errors).
    /// - Throws: `RelocError.file` for a missing folder, or a record that is missing, empty or unreadable.
    static func readRecord(folder: String, option: String = "--map") throws -> PipelineRecord {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RelocError.file(file: folder, message: "no such folder: \(option) takes a finished reloc pipeline output folder")
        }
        let recordPath = (folder as NSString).appendingPathComponent("pipeline.json")
        guard let data = FileManager.default.contents(atPath: recordPath) else {
            throw RelocError.file(file: recordPath, message: "missing: \(option) must name a finished reloc pipeline output folder (pipeline.json is written last)")
        }
        guard !data.isEmpty else {
            throw RelocError.file(file: recordPath, message: "empty file (a run killed while writing it?); run reloc pipeline on the dataset again (finished stages are reused)")
        }
        do { return try JSONDecoder().decode(PipelineRecord.self, from: data) } catch {
            throw RelocError.file(file: recordPath, message: "not a pipeline record reloc can read (\(error)); run reloc pipeline on the dataset again (finished stages are reused)")
        }
    }

    /// A file the record names, in `folder` (the run's outputs stay together, so a copied or
    /// moved folder serves its own files), else where the record says it was.
    static func locate(_ recorded: String, in folder: String, what: String) throws -> String {
        let inFolder = (folder as NSString).appendingPathComponent((recorded as NSString).lastPathComponent)
        if FileManager.default.fileExists(atPath: inFolder) { return inFolder }
        if FileManager.default.fileExists(atPath: recorded) { return recorded }
        throw RelocError.file(file: inFolder, message: "missing: \(what) of the run (pipeline.json names \(recorded))")
    }

    /// What `GET /v1/map` tells: sizes and the settings localization runs with.
    public var summary: MapSummary {
        MapSummary(folder: folder, reloc: record.reloc, dataset: record.dataset, images: map.images.count, points: map.pointCount,
                   featureImages: features.count, databaseImages: database.count, features: record.features,
                   retrieval: settings.retrieval.description, topK: settings.topK, rerank: settings.rerank,
                   matcher: matcher.name,
                   thresholdPixels: settings.localization.thresholdPixels, minInliers: settings.minInliers,
                   covisibilityClustering: settings.covisibilityClustering, seed: settings.localization.seed,
                   fusedWith: fusedRuns.isEmpty ? nil : fusedRuns.map { .init(folder: $0.folder, features: $0.record.features, points: $0.map.pointCount) })
    }
}

/// A map's sizes and settings (`GET /v1/map`).
public struct MapSummary: Codable, Equatable, Sendable {
    public var folder: String
    public var reloc: String
    public var dataset: String
    public var images: Int
    public var points: Int
    public var featureImages: Int
    public var databaseImages: Int
    public var features: String
    public var retrieval: String
    public var topK: Int
    public var rerank: Int?
    public var matcher: String
    public var thresholdPixels: Double
    public var minInliers: Int
    public var covisibilityClustering: Bool
    public var seed: UInt64
    /// The runs the poses pool with (`--fuse-with`), each with its features; nil (absent): none.
    public var fusedWith: [FusedRunSummary]?

    public struct FusedRunSummary: Codable, Equatable, Sendable {
        public var folder: String
        public var features: String
        public var points: Int
    }

    enum CodingKeys: String, CodingKey {
        case folder, reloc, dataset, images, points, features, retrieval, rerank, matcher, seed
        case fusedWith = "fused_with"
        case featureImages = "feature_images", databaseImages = "database_images", topK = "top_k"
        case thresholdPixels = "threshold_px", minInliers = "min_inliers", covisibilityClustering = "covisibility_clustering"
    }

    /// Every key, `rerank` null when off.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(folder, forKey: .folder)
        try c.encode(reloc, forKey: .reloc)
        try c.encode(dataset, forKey: .dataset)
        try c.encode(images, forKey: .images)
        try c.encode(points, forKey: .points)
        try c.encode(featureImages, forKey: .featureImages)
        try c.encode(databaseImages, forKey: .databaseImages)
        try c.encode(features, forKey: .features)
        try c.encode(retrieval, forKey: .retrieval)
        try c.encode(topK, forKey: .topK)
        try c.encode(rerank, forKey: .rerank)
        try c.encode(matcher, forKey: .matcher)
        try c.encode(thresholdPixels, forKey: .thresholdPixels)
        try c.encode(minInliers, forKey: .minInliers)
        try c.encode(covisibilityClustering, forKey: .covisibilityClustering)
        try c.encode(seed, forKey: .seed)
        try c.encodeIfPresent(fusedWith, forKey: .fusedWith)
    }
}

/// One image's features as a store keeps them: descriptors that are float16 values (reloc
/// writes them so, as hloc does) kept as float16 — half the memory of a map's features — and
/// expanded to float32 when matched; others kept as they are.
struct StoredFeatures: Sendable {
    var keypoints: [SIMD2<Float>]
    var halfDescriptors: [Float16]
    var fullDescriptors: [Float]
    var descriptorDimension: Int
    var scores: [Float]
    var imageSize: SIMD2<Int>
    var uncertainty: Double?

    init(_ features: ImageFeatures) {
        keypoints = features.keypoints
        let half = features.descriptors.map { Float16($0) }
        if zip(half, features.descriptors).allSatisfy({ Float($0) == $1 }) {
            halfDescriptors = half
            fullDescriptors = []
        } else {
            halfDescriptors = []
            fullDescriptors = features.descriptors
        }
        descriptorDimension = features.descriptorDimension
        scores = features.scores
        imageSize = features.imageSize
        uncertainty = features.uncertainty
    }

    var count: Int { keypoints.count }

    func expanded() -> ImageFeatures {
        ImageFeatures(keypoints: keypoints, descriptors: halfDescriptors.isEmpty ? fullDescriptors : halfDescriptors.map { Float($0) },
                      descriptorDimension: descriptorDimension, scores: scores, imageSize: imageSize, uncertainty: uncertainty)
    }
}
