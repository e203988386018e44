import Dispatch
import Features
import Formats
import Foundation

/// How `reloc pairs` chooses the images to match.
public enum RetrievalMethod: Equatable, Sendable, CustomStringConvertible {
    /// Every query with every database image.
    case exhaustive
    /// VLAD of the local features (vocabulary learned on the database), cosine top-k.
    case vlad
    /// Global descriptors from an hloc global-features HDF5 file, cosine top-k.
    case global(String)
    /// An existing pairs file (e.g. hloc's `pairs-query-netvlad50.txt`), kept as it is.
    case file(String)
    /// Database–database from the reference model: covisibility (shared 3D points).
    case covisibility
    /// Database–database from the reference poses: viewing-frustum overlap.
    case frustum
    /// Database–database: covisibility when the model has points, else frustum overlap.
    case poses

    /// Parses `exhaustive`, `vlad`, `global:FILE.h5`, `pairs:FILE`, `covisibility`, `frustum`, `poses`.
    public init(parsing text: String) throws {
        switch text {
        case "exhaustive": self = .exhaustive
        case "vlad": self = .vlad
        case "covisibility": self = .covisibility
        case "frustum": self = .frustum
        case "poses": self = .poses
        default:
            if text.hasPrefix("global:"), text.count > 7 { self = .global(String(text.dropFirst(7))); return }
            if text.hasPrefix("pairs:"), text.count > 6 { self = .file(String(text.dropFirst(6))); return }
            throw RelocError.invalidArgument("unknown retrieval '\(text)': use exhaustive, vlad, global:FILE.h5, pairs:FILE, covisibility, frustum or poses")
        }
    }

    /// The method in file names (`vlad`, `global-<file stem>`, `file-<file stem>`, ...).
    public var fileNameTag: String {
        func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }
        switch self {
        case .file(let path): return "file-" + stem(path)
        case .global(let path): return "global-" + stem(path)
        default: return description
        }
    }

    public var description: String {
        switch self {
        case .exhaustive: return "exhaustive"
        case .vlad: return "vlad"
        case .global(let path): return "global:\(path)"
        case .file(let path): return "pairs:\(path)"
        case .covisibility: return "covisibility"
        case .frustum: return "frustum"
        case .poses: return "poses"
        }
    }

    /// Whether the method pairs database images with each other (from a model) rather than queries
    /// with database images.
    public var isDatabaseOnly: Bool { self == .covisibility || self == .frustum || self == .poses }
}

/// `reloc pairs`: image pairs to match, written as a pairs file (`name0 name1` per line; for each
/// query its database images best first).
public struct PairsTask: Sendable {
    public var retrieval: RetrievalMethod
    /// Query lists (query lists with intrinsics, pairs files or plain lists); unused for
    /// database-only methods.
    public var queryLists: [String]
    /// The database: a COLMAP model folder or a list of names.
    public var database: String
    public var output: String
    public var topK: Int
    /// Local features (for `vlad`).
    public var featuresFile: String?
    /// Where VLAD descriptors are stored (hloc's global layout); default: next to `output`.
    public var globalOutput: String?
    public var vladClusters = 64
    /// Re-ranking: retrieve this many database images per query by the global descriptors, then
    /// keep the `topK` that share the most mutual nearest-neighbour matches (ratio 0.9) with the
    /// query (`featuresFile`'s local features). Nil: the global ranking as it is.
    public var rerankCandidates: Int?
    /// Local descriptors sampled from the database to learn the VLAD vocabulary.
    public var vladSamples = 100_000
    public var seed: UInt64 = 0

    public init(retrieval: RetrievalMethod, queryLists: [String], database: String, output: String, topK: Int = 20,
                featuresFile: String? = nil, globalOutput: String? = nil) {
        self.retrieval = retrieval; self.queryLists = queryLists; self.database = database; self.output = output
        self.topK = topK; self.featuresFile = featuresFile; self.globalOutput = globalOutput
    }

    public struct Summary: Sendable {
        public var pairs = 0
        public var queries = 0
        public var databaseImages = 0
        public var method = ""
        public var seconds = 0.0
    }

    /// - Parameter warn: receives a line for each image left out (no features for VLAD).
    /// - Throws: `RelocError.invalidOption` naming the setting that is out of range or missing.
    public func validate() throws {
        guard topK > 0 else { throw RelocError.invalidOption(option: "top-k", message: "must be positive") }
        if retrieval == .vlad && featuresFile == nil { throw RelocError.invalidOption(option: "retrieval", message: "vlad needs --features") }
        if !retrieval.isDatabaseOnly && queryLists.isEmpty {
            throw RelocError.invalidOption(option: "retrieval", message: "\(retrieval) needs --queries")
        }
        if let rerankCandidates {
            guard rerankCandidates >= topK else { throw RelocError.invalidOption(option: "rerank", message: "must be at least --top-k (\(topK))") }
            guard featuresFile != nil else { throw RelocError.invalidOption(option: "rerank", message: "needs --features (the local features)") }
        }
    }

    public func run(warn: (String) -> Void = { _ in }) throws -> Summary {
        let start = Date()
        try validate()
        var summary = Summary()
        let pairs: [ImagePair]
        if retrieval.isDatabaseOnly {
            let model = try ColmapModel.read(folder: database)
            summary.databaseImages = model.images.count
            let useCovisibility = retrieval == .covisibility || (retrieval == .poses && !model.points3D.isEmpty)
            if retrieval == .covisibility && model.points3D.isEmpty {
                throw RelocError.file(file: database, message: "the model has no 3D points, so no covisibility: use --retrieval frustum or poses")
            }
            pairs = useCovisibility ? DatabasePairs.covisibility(model: model, topK: topK)
                                    : DatabasePairs.frustumOverlap(model: model, topK: topK)
            summary.method = useCovisibility ? "covisibility" : "frustum overlap"
        } else {
            guard !queryLists.isEmpty else { throw RelocError.invalidArgument("--queries is needed for retrieval \(retrieval)") }
            let queries = try names(lists: queryLists)
            let databaseNames = try ImageList.read(list: database)
            summary.queries = queries.count
            summary.databaseImages = databaseNames.count
            summary.method = retrieval.description
            switch retrieval {
            case .exhaustive:
                pairs = queries.flatMap { q in databaseNames.filter { $0 != q }.map { ImagePair(q, $0) } }
            case .file(let path):
                let wanted = Set(queries), known = Set(databaseNames)
                let fromFile = try PairsFile.read(path: path)
                for pair in fromFile where wanted.contains(pair.first) && !known.contains(pair.second) {
                    throw RelocError.file(file: path, message: "pair '\(pair.first) \(pair.second)' names '\(pair.second)', which is not in the database \(database)")
                }
                pairs = fromFile.filter { wanted.contains($0.first) }
                guard !pairs.isEmpty else {
                    throw RelocError.file(file: path, message: "no pairs for any of the \(queries.count) queries (\(fromFile.count) pairs in the file)")
                }
            case .global(let path):
                let store = try GlobalDescriptorStore(path: path, mode: .read)
                pairs = try rerank(try retrieve(queries: queries, database: databaseNames, store: store), warn: warn)
            case .vlad:
                guard let featuresFile else { throw RelocError.invalidArgument("retrieval vlad needs --features") }
                let globalPath = globalOutput ?? ((output as NSString).deletingPathExtension + "-vlad.h5")
                let (store, journal) = try openForUpdateOrRebuild(globalPath, warn: warn) { try GlobalDescriptorStore(path: globalPath, mode: $0) }
                defer { journal.close(flushing: store.flush) }
                let features = try FeatureStore(path: featuresFile, mode: .read)
                // An image that failed extraction is left out (its query falls back later).
                let absent = Set((databaseNames + queries).filter { !features.contains($0) })
                for name in absent.sorted() { warn("warning: \(featuresFile): no features for '\(name)'; left out of retrieval") }
                let usableDatabase = databaseNames.filter { !absent.contains($0) }
                let usableQueries = queries.filter { !absent.contains($0) }
                try encodeVLAD(names: usableDatabase + usableQueries, database: usableDatabase, features: features, store: store,
                               journal: journal)
                try journal.complete(flushing: store.flush)
                pairs = try rerank(try retrieve(queries: usableQueries, database: usableDatabase, store: store), warn: warn)
            default:
                fatalError("database-only methods handled above")
            }
        }
        try PairsFile.write(pairs, to: output)
        summary.pairs = pairs.count
        summary.seconds = Date().timeIntervalSince(start)
        return summary
    }

    func names(lists: [String]) throws -> [String] {
        var seen = Set<String>()
        var names: [String] = []
        for list in lists {
            for name in try ImageList.read(list: list) {
                if seen.insert(name).inserted { names.append(name) }
            }
        }
        return names
    }

    func retrieve(queries: [String], database: [String], store: GlobalDescriptorStore) throws -> [ImagePair] {
        let queryDescriptors = try queries.map { try store.read($0) }
        let databaseDescriptors = try database.map { try store.read($0) }
        let hits = try GlobalRetrieval.topK(queries: queryDescriptors, database: databaseDescriptors, k: max(topK, rerankCandidates ?? 0)) {
            queries[$0] == database[$1]
        }
        return zip(queries, hits).flatMap { query, hits in hits.map { ImagePair(query, database[$0.index]) } }
    }

    /// The global ranking's candidates of each query, re-ranked by their number of mutual
    /// nearest-neighbour matches with it (ratio 0.9; ties keep the global order), the best
    /// `topK` kept. A query or candidate without local features keeps its global place.
    func rerank(_ candidates: [ImagePair], warn: (String) -> Void) throws -> [ImagePair] {
        guard rerankCandidates != nil else { return candidates }
        guard let featuresFile else { throw RelocError.invalidArgument("re-ranking needs --features (the local features)") }
        let features = try FeatureStore(path: featuresFile, mode: .read)
        var byQuery: [(String, [String])] = []
        for pair in candidates {
            if byQuery.last?.0 == pair.first { byQuery[byQuery.count - 1].1.append(pair.second) } else { byQuery.append((pair.first, [pair.second])) }
        }
        // Each database image is read once (HDF5 on this thread); queries are matched in parallel.
        var cache: [String: ImageFeatures] = [:]
        for name in Set(candidates.map(\.second)) where features.contains(name) { cache[name] = try features.read(name) }
        let database = cache
        let queryFeatures = try byQuery.map { features.contains($0.0) ? try features.read($0.0) : nil }
        let counts = ResultSlots<[Int]>(count: byQuery.count)
        let queries = byQuery, k = topK
        BLASThreads.set(1)
        DispatchQueue.concurrentPerform(iterations: queries.count) { q in
            counts.set(q, queries[q].1.map { Reranking.score(queryFeatures[q], database[$0]) })
        }
        return queries.indices.flatMap { q -> [ImagePair] in
            Reranking.order(counts.get(q)).prefix(k).map { ImagePair(queries[q].0, queries[q].1[$0]) }
        }
    }

    /// VLAD descriptors for the names missing from `store` (all of them share one vocabulary,
    /// learned deterministically from the database's features).
    func encodeVLAD(names: [String], database: [String], features: FeatureStore, store: GlobalDescriptorStore,
                    journal: StoreJournal) throws {
        var seen = Set<String>()
        let missing = names.filter { seen.insert($0).inserted && !store.contains($0) }
        guard !missing.isEmpty else { return }
        // The store's own vocabulary when it has one: descriptors added later (new queries, a
        // resumed run) share it, even where learning it again would give other bits (other BLAS kernels).
        let vocabulary: VLADVocabulary
        if let stored = try store.readVocabulary() {
            vocabulary = stored
        } else {
            vocabulary = try Self.vladVocabulary(database: database, features: features, clusters: vladClusters,
                                                 samples: vladSamples, seed: seed)
            try store.writeVocabulary(vocabulary)
            journal.wrote(GlobalDescriptorStore.vocabularyGroup)
        }
        let featuresFile = features.path
        let dimension = vocabulary.dimension
        for name in missing {
            let f = try features.read(name)
            guard f.count == 0 || f.descriptorDimension == dimension else {
                throw RelocError.file(file: featuresFile, message: "'\(name)' has \(f.descriptorDimension)-D descriptors, the database \(dimension)-D")
            }
            try store.write(name, vocabulary.encode(f.descriptors))
            journal.wrote(name)
        }
    }

    /// The VLAD vocabulary of a database: k-means of an even sample of its images' descriptors
    /// (the same share of each image's, in the database's order), deterministic for a seed.
    /// `encodeVLAD` keeps it in the global store (`writeVocabulary`), where `reloc serve` reads it.
    static func vladVocabulary(database: [String], features: FeatureStore, clusters: Int, samples wanted: Int,
                               seed: UInt64) throws -> VLADVocabulary {
        let featuresFile = features.path
        var counts: [Int] = []
        var dimension = 0
        for name in database {
            let f = try features.read(name)
            counts.append(f.count)
            if f.count > 0 { dimension = f.descriptorDimension }
        }
        let total = counts.reduce(0, +)
        guard total > 0 else { throw RelocError.file(file: featuresFile, message: "the database images have no features") }
        let stride = max(1, (total + wanted - 1) / wanted)
        var samples: [Float] = []
        for name in database {
            let f = try features.read(name)
            guard f.descriptorDimension == dimension else {
                throw RelocError.file(file: featuresFile, message: "'\(name)' has \(f.descriptorDimension)-D descriptors, others \(dimension)-D")
            }
            for i in Swift.stride(from: 0, to: f.count, by: stride) { samples += f.descriptors[(i * dimension)..<((i + 1) * dimension)] }
        }
        return try VLADVocabulary.train(samples: samples, dimension: dimension, clusterCount: min(clusters, samples.count / dimension), seed: seed)
    }
}
