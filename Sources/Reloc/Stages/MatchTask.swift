import Dispatch
import Features
import Formats
import Foundation
import Geometry

/// `reloc match`: matching of the pairs of a pairs file — nearest neighbours, or LightGlue when
/// `lightGlue` is set — features read from an HDF5 store, matches written to an HDF5 file in
/// hloc's layout (LightGlue's `matching_scores0` as published). Each unordered pair is
/// matched once (a reversed duplicate is skipped), pairs already in the output — in either
/// order — are skipped unless `overwrite`, so a killed run resumes. Pairs are matched in
/// parallel, a batch at a time, and written by one thread.
public struct MatchTask: Sendable {
    public var pairsFile: String
    public var featuresFile: String
    /// More feature files, read after `featuresFile` (e.g. a shard's query features).
    public var moreFeatureFiles: [String] = []
    /// Only the pairs whose first image is in this shard (`Shard.contains`).
    public var shard: Shard?
    public var output: String
    public var options: MatchingOptions
    public var overwrite: Bool
    /// Skip (with a warning) pairs whose image has no features, instead of failing: an image
    /// that could not be read during extraction then only loses its own pairs.
    public var skipMissingFeatures = false
    /// Guided matching: a COLMAP model (folder) whose poses and cameras are trusted. A pair of
    /// two of its images is matched only among keypoints within `epipolarThreshold` pixels of
    /// each other's epipolar line (`EpipolarGuide`); other pairs (queries) are matched as usual.
    public var epipolarModel: String?
    /// Pixels, in the second image of a pair.
    public var epipolarThreshold = 4.0
    /// Match with LightGlue (these weights and settings) instead of nearest neighbours.
    public var lightGlue: LightGlueSettings?
    /// A triangulated map (`reloc triangulate`'s output, built from these features): the second
    /// image of each pair that the map holds is matched only by its keypoints with a 3D point
    /// (`PointKeypoints`), as a query's matches count only there; other pairs as usual. The
    /// matches keep the features' numbering. Not with `epipolarModel`.
    public var pointsModel: String?

    public init(pairsFile: String, featuresFile: String, output: String, ratio: Float?, mutual: Bool, minCosine: Float? = nil, overwrite: Bool = false) {
        self.pairsFile = pairsFile; self.featuresFile = featuresFile; self.output = output
        self.options = MatchingOptions(mutual: mutual, ratio: ratio, minCosine: minCosine); self.overwrite = overwrite
    }

    /// Nearest neighbours' options as asked: mutual when asked, and always without a ratio (a
    /// matcher with neither test keeps every nearest neighbour, which nobody wants).
    public static func nearestNeighbourOptions(ratio: Float?, mutual: Bool) -> MatchingOptions {
        MatchingOptions(mutual: mutual || ratio == nil, ratio: ratio)
    }

    /// The matcher's name in hloc's style (`NN-mutual-ratio0.8`, `-epipolar4` when guided), for
    /// the names of match files.
    public var matcherName: String { lightGlue?.name ?? nearestNeighbours.name }

    /// What runs, in words: `lightglue (weights/aliked_lightglue.pth)` or `nearest neighbours (NN-mutual-ratio0.8)`.
    public var matcherDescription: String {
        lightGlue.map { "lightglue (\($0.weights))" } ?? nearestNeighbours.description
    }

    /// Nearest neighbours with this task's options (guided when `epipolarModel` is set).
    var nearestNeighbours: NearestNeighbourMatcher {
        NearestNeighbourMatcher(options: options, epipolarThreshold: epipolarModel == nil ? nil : epipolarThreshold)
    }

    /// The matcher that runs: LightGlue when `lightGlue` is set, else nearest neighbours.
    /// - Throws: `RelocError.invalidArgument` naming LightGlue's weights when they cannot be read.
    func makeMatcher() throws -> any PairMatcher {
        try lightGlue.map { try LightGlueMatcher($0) } ?? nearestNeighbours
    }

    /// The name of nearest-neighbour matching with `options` (`NN-mutual-cos0.82` with a cosine
    /// floor), guided by an epipolar threshold or not.
    public static func matcherName(_ options: MatchingOptions, epipolarThreshold: Double?) -> String {
        "NN" + (options.mutual ? "-mutual" : "") + (options.ratio.map { "-ratio\($0)" } ?? "")
            + (options.minCosine.map { "-cos\($0)" } ?? "")
            + (epipolarThreshold.map { "-epipolar" + ($0 == $0.rounded() ? "\(Int($0))" : "\($0)") } ?? "")
    }

    /// - Throws: `FeaturesError` for matching options out of range (`MatchingOptions.validate`),
    ///   `RelocError.invalidOption` for an epipolar threshold that is not positive.
    public func validate() throws {
        try options.validate()
        try lightGlue?.validate()
        if lightGlue != nil && epipolarModel != nil {
            throw RelocError.invalidOption(option: "epipolar-model", message: "guides nearest-neighbour matching only, not lightglue")
        }
        if pointsModel != nil && epipolarModel != nil {
            throw RelocError.invalidOption(option: "points-model", message: "cannot be combined with --epipolar-model (guided matching is for database pairs, points for queries)")
        }
        guard epipolarThreshold > 0, epipolarThreshold.isFinite else {
            throw RelocError.invalidOption(option: "epipolar-threshold", message: "must be positive")
        }
    }

    /// The pairs file's pairs, each unordered pair once (in the order first listed, without a
    /// pair of an image with itself), this shard's only.
    func readPairs() throws -> [ImagePair] {
        var seen = Set<String>()
        var pairs: [ImagePair] = []
        for pair in try PairsFile.read(path: pairsFile) {
            let key = [pair.first, pair.second].sorted().joined(separator: "\u{0}")
            if pair.first != pair.second && seen.insert(key).inserted { pairs.append(pair) }
        }
        if let shard { pairs = pairs.filter { shard.contains($0.first) } }
        return pairs
    }

    /// The cameras and poses of `epipolarModel`'s images by name (empty when unguided).
    /// - Throws: `RelocError.file` for an unreadable model or an image without its camera.
    func epipolarPoses() throws -> [String: (camera: Camera, camFromWorld: Rigid3)] {
        guard let epipolarModel else { return [:] }
        var posed: [String: (camera: Camera, camFromWorld: Rigid3)] = [:]
        let model = try ColmapModel.read(folder: epipolarModel, content: .camerasAndPoses)
        for image in model.images.values {
            guard let camera = model.cameras[image.cameraID] else {
                throw RelocError.file(file: epipolarModel, message: "image '\(image.name)' has no camera \(image.cameraID)")
            }
            posed[image.name] = (camera, image.camFromWorld)
        }
        return posed
    }

    /// One batch's pairs matched in parallel, guided by the epipolar geometry where both images
    /// are posed and the matcher is nearest neighbours; the results in the batch's order.
    func matchBatch(_ slice: [ImagePair], features: [String: ImageFeatures], matcher: any PairMatcher,
                    posed: [String: (camera: Camera, camFromWorld: Rigid3)], only: [[Int]?]? = nil) -> [(matches0: [Int32], scores0: [Float])] {
        let results = ResultSlots<(matches0: [Int32], scores0: [Float])>(count: slice.count)
        let threshold = epipolarThreshold
        let guided = lightGlue == nil
        DispatchQueue.concurrentPerform(iterations: slice.count) { k in
            let a = features[slice[k].first]!, b = features[slice[k].second]!
            if let subset = only?[k] { return results.set(k, matcher.match(a, b, only: subset)) }
            var guide: EpipolarGuide?
            if guided, let first = posed[slice[k].first], let second = posed[slice[k].second] {
                guide = EpipolarCheck(cam0FromWorld: first.camFromWorld, camera0: first.camera,
                                      cam1FromWorld: second.camFromWorld, camera1: second.camera)
                    .guide(keypoints0: a.keypoints(inPixelsOf: first.camera), camera0: first.camera,
                           keypoints1: b.keypoints(inPixelsOf: second.camera), camera1: second.camera, thresholdPixels: threshold)
            }
            results.set(k, matcher.match(a, b, guide: guide))
        }
        return (0..<slice.count).map { results.get($0) }
    }

    public struct Summary: Sendable {
        public var matched = 0
        public var skipped = 0
        public var matches = 0
        public var seconds = 0.0
    }

    /// - Throws: `RelocError` for a malformed pairs file, a missing image in the features, or an
    ///   unwritable output.
    public func run(warn: (String) -> Void = { _ in }, progress: ((Int, Int) -> Void)? = nil) throws -> Summary {
        let start = Date()
        try validate()
        // Pairs run in parallel; each sgemm stays on its worker's thread.
        BLASThreads.set(1)
        var pairs = try readPairs()
        let posed = try epipolarPoses()
        let matcher = try makeMatcher()
        let features = try FeatureSources(paths: [featuresFile] + moreFeatureFiles)
        let absent = Set(pairs.flatMap { [$0.first, $0.second] }.filter { !features.contains($0) })
        if let name = absent.sorted().first, !skipMissingFeatures {
            throw RelocError.file(file: features.description, message: "no features for '\(name)', named in \(pairsFile)")
        }
        for name in absent.sorted() { warn("warning: \(features.description): no features for '\(name)'; its pairs are not matched") }
        pairs = pairs.filter { !absent.contains($0.first) && !absent.contains($0.second) }
        // The map is read and checked against the features before the output is opened.
        let points = try pointsModel.map { try PointKeypoints(modelFolder: $0) }
        if let points {
            for name in Set(pairs.map(\.second)).sorted() where points.byImage[name] != nil {
                let count = try features.store(for: name)!.readKeypoints(name).count
                _ = try points.keypoints(of: name, keypointCount: count, featuresFile: features.description)
            }
        }
        let (store, journal) = try openForUpdateOrRebuild(output, warn: warn) { try MatchStore(path: output, mode: $0) }
        defer { journal.close(flushing: store.flush) }
        var summary = Summary()
        var todo: [ImagePair] = []
        for pair in pairs {
            if !overwrite && store.contains(pair.first, pair.second) { summary.skipped += 1 } else { todo.append(pair) }
        }
        if let points {
            let outside = todo.filter { points.byImage[$0.second] == nil }.count
            if outside > 0 {
                warn("warning: \(points.folder): \(outside) of \(todo.count) pairs end in an image the map does not hold; they are matched with every keypoint")
            }
        }
        if let epipolarModel {
            let unguided = todo.filter { posed[$0.first] == nil || posed[$0.second] == nil }.count
            if unguided > 0 {
                warn("warning: \(epipolarModel): \(unguided) of \(todo.count) pairs name an image the model does not hold; they are matched unguided")
            }
        }
        // Batches: read features on this thread (HDF5 is not thread-safe), match in parallel, write.
        let batch = 64
        var done = summary.skipped
        for batchStart in stride(from: 0, to: todo.count, by: batch) {
            let slice = Array(todo[batchStart..<min(todo.count, batchStart + batch)])
            var cache: [String: ImageFeatures] = [:]
            for name in Set(slice.flatMap { [$0.first, $0.second] }) { cache[name] = try features.read(name) }
            let loaded = cache
            // Checked against the features' keypoint counts before the output was opened.
            let only = points.map { points in slice.map { points.byImage[$0.second] } }
            let results = matchBatch(slice, features: loaded, matcher: matcher, posed: posed, only: only)
            for (k, pair) in slice.enumerated() {
                let (a, b) = (loaded[pair.first]!, loaded[pair.second]!)
                guard a.descriptorDimension == b.descriptorDimension else {
                    throw RelocError.file(file: features.description, message: "'\(pair.first)' and '\(pair.second)' have descriptors of different dimensions")
                }
                if let dimension = matcher.inputDimension, a.descriptorDimension != dimension {
                    throw RelocError.file(file: features.description, message: "'\(pair.first)' has \(a.descriptorDimension)-dimensional descriptors; the \(matcher.description) takes \(dimension)")
                }
                let result = results[k]
                try store.write(pair.first, pair.second, matches0: result.matches0, scores0: result.scores0)
                journal.wrote(MatchStore.pairKey(pair.first, pair.second))
                FailPoint.reached(.match)
                summary.matched += 1
                summary.matches += result.matches0.filter { $0 >= 0 }.count
                done += 1
                progress?(done, pairs.count)
            }
            try store.flush()
            try journal.flushed()
        }
        try journal.complete(flushing: store.flush)
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }
}
