import Dispatch
import Features
import Formats
import Foundation
import Geometry

/// Localizes one image at a time against a `ServedMap`, with the run's own settings and code
/// path: the features are extracted as `reloc extract` does and rounded as the store keeps
/// them, retrieved as `reloc pairs` does, matched as `reloc match` does and localized by
/// `LocalizeTask`'s estimator, so an image gives the pose `reloc localize` gives it after those
/// stages. Safe to call from several threads at once.
public final class LocalizationService: Sendable {
    public let map: ServedMap
    /// This run's extractors, then each fused run's (`ServedMap.fusedRuns`).
    private let extractors: [ExtractorPool]
    /// OpenBLAS threads while a request's features are extracted (the networks' convolutions are
    /// sgemm); 1 outside it.
    public let extractionThreads: Int

    /// Sets OpenBLAS to one thread per call: pairs are matched in parallel, one sgemm per
    /// thread, as `reloc match` does. `extractionThreads`: OpenBLAS's threads during extraction,
    /// for a server that localizes one request at a time (its setting is process-wide, so more
    /// than 1 only then); the features do not depend on it beyond sgemm's summation order.
    public init(map: ServedMap, extractionThreads: Int = 1) {
        BLASThreads.set(1)
        self.map = map
        self.extractionThreads = max(1, extractionThreads)
        extractors = ([map] + map.fusedRuns).map { ExtractorPool(settings: $0.settings.extract) }
    }

    /// Parses a camera in the query lists' syntax without the name: `MODEL WIDTH HEIGHT PARAMS...`.
    /// - Throws: `RelocError.invalidArgument` saying what is wrong, prefixed `camera: `.
    public static func camera(parsing text: String) throws -> Camera {
        do { return try parseCameraArgument(text, option: "camera") } catch FormatError.invalidArgument(let message) {
            throw RelocError.invalidArgument(message)
        }
    }

    /// - Throws: `RelocError.invalidArgument` for what the request got wrong: an image that
    ///   cannot be decoded, a name that is not a plain image name. Other errors are the server's.
    public func localize(_ request: LocalizationRequest) throws -> LocalizationAnswer {
        let start = DispatchTime.now()
        var timing = LocalizationAnswer.Timing()
        var mark = start
        func lap() -> Double {
            let now = DispatchTime.now()
            defer { mark = now }
            return Double(now.uptimeNanoseconds - mark.uptimeNanoseconds) / 1e6
        }
        if let problem = imageNameProblem(request.name) { throw RelocError.invalidArgument("name: \(problem)") }
        // Each run's features (a fused map's runs extract their own kinds from the same image).
        var queries: [ImageFeatures] = []
        for pool in extractors {
            let extractor = try pool.take()
            defer { pool.give(extractor) }
            let image: Image8
            do { image = try ImageFile.decode(request.image, channels: extractor.channels, name: "the body") } catch let error as FeaturesError {
                throw RelocError.invalidArgument("\(error)")
            }
            timing.decode += lap()
            if extractionThreads > 1 { BLASThreads.set(extractionThreads) }
            queries.append(extractor.extract(image).features.roundedAsStored(halfDescriptors: true))
            if extractionThreads > 1 { BLASThreads.set(1) }
            timing.extract += lap()
        }

        return try localize(queries, camera: request.camera, name: request.name, timing: timing, start: start)
    }

    /// Localizes features extracted elsewhere (`POST /v1/localize/features`): the map's kind and
    /// settings, keypoints in pixels of the image the features were extracted from (`imageSize`),
    /// descriptors rounded as the store keeps them before matching.
    /// - Throws: `RelocError.invalidArgument` for a bad name, or descriptors of another dimension than the map's.
    public func localize(features: ImageFeatures, camera: Camera, name: String) throws -> LocalizationAnswer {
        let start = DispatchTime.now()
        if let problem = imageNameProblem(name) { throw RelocError.invalidArgument("name: \(problem)") }
        guard map.fusedRuns.isEmpty else {
            throw RelocError.invalidArgument("features: the map pools \(map.fusedRuns.count + 1) runs' features (--fuse-with), one set of features cannot be localized against it; post the image")
        }
        if let dimension = map.descriptorDimension, features.descriptorDimension != dimension, features.count > 0 {
            throw RelocError.invalidArgument("features: descriptors of dimension \(features.descriptorDimension), the map's (\(map.record.features)) have \(dimension)")
        }
        return try localize([features.roundedAsStored(halfDescriptors: true)], camera: camera, name: name, timing: .init(), start: start)
    }

    /// Retrieval, matching and the pose for a query's features (rounded as stored), one set per
    /// run: this run's, then each fused run's.
    private func localize(_ queries: [ImageFeatures], camera: Camera, name: String, timing: LocalizationAnswer.Timing,
                          start: DispatchTime) throws -> LocalizationAnswer {
        let settings = map.settings
        var timing = timing
        var mark = DispatchTime.now()
        func lap() -> Double {
            let now = DispatchTime.now()
            defer { mark = now }
            return Double(now.uptimeNanoseconds - mark.uptimeNanoseconds) / 1e6
        }
        let runs = [map] + map.fusedRuns
        var found: [(candidates: [String], matches: [[(Int, Int)]])] = []
        for (run, query) in zip(runs, queries) {
            // Each candidate's features expanded to float32 once, for re-ranking and matching.
            let expanded = ExpandedFeatures(run)
            let candidates = try retrieve(query, name: name, run: run, expanded: expanded)
            timing.retrieval += lap()
            let matcher = run.matcher
            let matches = ResultSlots<[(Int, Int)]>(count: candidates.count)
            DispatchQueue.concurrentPerform(iterations: candidates.count) { k in
                guard let other = expanded[candidates[k]] else { return matches.set(k, []) }
                let only = run.pointKeypoints?[candidates[k]]
                let matches0 = (only.map { matcher.match(query, other, only: $0) } ?? matcher.match(query, other, guide: nil)).matches0
                var list: [(Int, Int)] = []
                for (i, j) in matches0.enumerated() where j >= 0 { list.append((i, Int(j))) }
                matches.set(k, list)
            }
            found.append((candidates, candidates.indices.map { matches.get($0) }))
            timing.matching += lap()
        }
        // As `LocalizeTask.readInput`: retrieved images in the map, each once, this run's first,
        // then a fused run's new ones; each run's keypoints and matches after the previous runs'.
        let localizationMap = map.fusion?.map ?? map.map
        var input = LocalizeTask.QueryInput(entry: QueryEntry(name: name, camera: camera), keypoints: [], retrieved: [], matches: [])
        var position: [Int: Int] = [:]
        for (candidates, _) in found {
            for name in candidates {
                guard let i = localizationMap.index[name], position[i] == nil else { continue }
                position[i] = input.retrieved.count
                input.retrieved.append(i)
                input.matches.append([])
            }
        }
        for (r, (candidates, matches)) in found.enumerated() {
            let queryOffset = input.keypoints!.count
            input.keypoints! += queries[r].keypoints(inPixelsOf: camera)
            var read = Set<Int>()
            for (k, name) in candidates.enumerated() {
                guard let i = localizationMap.index[name], read.insert(i).inserted else { continue }
                let offset = map.fusion?.keypointOffsets[r][i] ?? 0
                input.matches[position[i]!] += matches[k].map { ($0.0 + queryOffset, $0.1 + offset) }
            }
        }
        timing.matching += lap()
        let entry = LocalizeTask.localize(input, map: localizationMap,
                                          settings: .init(options: settings.localization, clustering: settings.covisibilityClustering,
                                                          minInliers: settings.minInliers, estimateFocal: settings.estimateFocal, refineK1: settings.refineK1))
        timing.pose = lap()
        timing.total = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
        return LocalizationAnswer(name: name, localized: entry.localized, camFromWorld: formatPose(LocalizeTask.pose(entry.pose)),
                                  inliers: entry.inliers, correspondences: entry.correspondences, matches: entry.matches,
                                  keypoints: queries.reduce(0) { $0 + $1.count }, ransacIterations: entry.ransacIterations,
                                  retrieved: input.retrieved.map { localizationMap.images[$0].name }, fallback: entry.fallback, timingMs: timing)
    }

    /// The database images to match, best first, as `reloc pairs` ranks them for the run's retrieval.
    func retrieve(_ query: ImageFeatures, name: String, run: ServedMap, expanded: ExpandedFeatures) throws -> [String] {
        let settings = run.settings
        guard let vocabulary = run.vocabulary, let index = run.globalIndex else { return run.database.filter { $0 != name } }
        let database = run.database
        let k = max(settings.topK, settings.rerank ?? 0)
        let hits = try GlobalRetrieval.topK(queries: [vocabulary.encode(query.descriptors)], database: index, k: k) { _, j in
            database[j] == name
        }[0]
        let candidates = hits.map { database[$0.index] }
        guard settings.rerank != nil else { return candidates }
        let scores = ResultSlots<Int>(count: candidates.count)
        DispatchQueue.concurrentPerform(iterations: candidates.count) { c in
            scores.set(c, Reranking.score(query, expanded[candidates[c]]))
        }
        return Reranking.order(candidates.indices.map { scores.get($0) }).prefix(settings.topK).map { candidates[$0] }
    }
}

/// One request's float32 copies of database features (the map keeps float16), each made once,
/// by whichever thread first needs it.
final class ExpandedFeatures: @unchecked Sendable {
    private let map: ServedMap
    private var copies: [String: ImageFeatures] = [:]
    private let lock = NSLock()

    init(_ map: ServedMap) { self.map = map }

    subscript(_ name: String) -> ImageFeatures? {
        lock.lock()
        if let copy = copies[name] { lock.unlock(); return copy }
        lock.unlock()
        guard let copy = map.features.read(name) else { return nil }
        lock.lock()
        copies[name] = copy
        lock.unlock()
        return copy
    }
}

/// Extractors for concurrent requests: a learned network keeps work buffers, so each request
/// takes one of its own and gives it back; as many exist as requests ever ran at once.
private final class ExtractorPool: @unchecked Sendable {
    private let settings: ExtractionSettings
    private var idle: [ImageExtractor] = []
    private let lock = NSLock()

    init(settings: ExtractionSettings) { self.settings = settings }

    func take() throws -> ImageExtractor {
        lock.lock()
        if let extractor = idle.popLast() { lock.unlock(); return extractor }
        lock.unlock()
        return try ImageExtractor(settings)
    }

    func give(_ extractor: ImageExtractor) {
        lock.lock()
        idle.append(extractor)
        lock.unlock()
    }
}
