import Features
import Formats
import Foundation

extension ServedMap {
    /// The vocabulary and the retrieval database: the database's unit rows read in place from
    /// `serve-global-<store>.rlss` beside the run when it was made from this global store and
    /// database, and the features were not read now (their check against the descriptors ran when
    /// the feature file was made); else from the store (`loadVLAD`, checked), the file made again.
    static func servedVLAD(globalPath: String, database: [String], features: ServedFeatures, store: FeatureStore,
                           seed: UInt64, folder: String, say: (String) -> Void) throws -> (VLADVocabulary, GlobalRetrieval.Database) {
        let stem = ((globalPath as NSString).lastPathComponent as NSString).deletingPathExtension
        let path = (folder as NSString).appendingPathComponent("serve-\(stem).rlss")
        let source = ServedFeatures.source(storePath: globalPath, names: database)
        if !features.readNow, FileManager.default.fileExists(atPath: path), let vocabulary = try GlobalDescriptorStore(path: globalPath, mode: .read).readVocabulary() {
            do {
                let file = try ServeSectionFile(path: path, kind: GlobalRetrieval.Database.fileKind)
                let index = try GlobalRetrieval.Database(file: file)
                if file.source == source && index.count == database.count && index.dimension == vocabulary.clusterCount * vocabulary.dimension {
                    return (vocabulary, index)
                }
                say("\(path): made from another global store or database (\(file.source)); making it again")
            } catch {
                say("\(error); making it again")
            }
        }
        let (vocabulary, descriptors) = try loadVLAD(globalPath: globalPath, database: database, features: features, store: store,
                                                     seed: seed, folder: folder)
        let index = try GlobalRetrieval.Database(descriptors)
        do {
            try index.write(to: path, source: source)
            return (vocabulary, try GlobalRetrieval.Database(file: ServeSectionFile(path: path, kind: GlobalRetrieval.Database.fileKind)))
        } catch {
            say("warning: \(error); keeping the retrieval index in memory instead")
            return (vocabulary, index)
        }
    }

    /// The run's VLAD vocabulary and the database's descriptors from its global store, checked
    /// against the features. A store made before reloc kept its vocabulary gets it learned again,
    /// as `reloc pairs` did, and must then give the run's descriptors to within 1e-6. With the run's
    /// vocabulary the check runs when the features were read from the store at this start (the
    /// feature file made now): a reused file was checked with these very descriptors when made.
    /// - Throws: `RelocError.file` naming the store when a descriptor does not come from its features.
    static func loadVLAD(globalPath: String, database: [String], features: ServedFeatures, store: FeatureStore,
                         seed: UInt64, folder: String) throws -> (VLADVocabulary, [[Float]]) {
        let globalStore = try GlobalDescriptorStore(path: globalPath, mode: .read)
        let stored = try globalStore.readVocabulary()
        let vocabulary: VLADVocabulary
        if let stored {
            vocabulary = stored
        } else {
            var task = PairsTask(retrieval: .vlad, queryLists: [], database: "", output: "")
            task.seed = seed
            vocabulary = try PairsTask.vladVocabulary(database: database, features: store, clusters: task.vladClusters,
                                                      samples: task.vladSamples, seed: task.seed)
        }
        var descriptors: [[Float]] = []
        for name in database {
            let descriptor = try globalStore.read(name)
            if stored != nil && !features.readNow { descriptors.append(descriptor); continue }
            let again = vocabulary.encode(try features.read(name).map(\.descriptors) ?? store.read(name).descriptors)
            guard again.count == descriptor.count else {
                throw RelocError.file(file: globalPath, message: "the VLAD descriptor of '\(name)' has \(descriptor.count) values, the vocabulary gives \(again.count)")
            }
            if stored != nil {
                // The run's vocabulary: the descriptors it gives are the run's, but for near ties
                // of a keypoint between two words where this machine's BLAS kernels round otherwise.
                let cosine = zip(again, descriptor).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                guard cosine >= 0.99 else {
                    throw RelocError.file(file: globalPath, message: "the VLAD descriptor of '\(name)' does not come from its features (cosine \(cosine)): the feature store changed after the run; run reloc pipeline again")
                }
            } else {
                let difference = zip(again, descriptor).map { abs($0 - $1) }.max() ?? 0
                guard difference <= 1e-6 else {
                    throw RelocError.file(file: globalPath, message: "the store keeps no VLAD vocabulary (made by an older reloc), and the one learned again here gives '\(name)' a descriptor up to \(difference) away from the run's (another reloc or other BLAS kernels): remove this file and \((folder as NSString).appendingPathComponent("results.txt_logs.jsonl")) and run reloc pipeline again (retrieval and localization are redone, features, map and matches reused)")
                }
            }
            descriptors.append(descriptor)
        }
        return (vocabulary, descriptors)
    }
}
