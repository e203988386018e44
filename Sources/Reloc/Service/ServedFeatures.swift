import Formats
import Foundation

/// The database side's local features as `reloc serve` reads them: from a `ServeFeatureFile`
/// beside the run (memory-mapped: opening it reads its index, pages come in as requests touch
/// images and are shared between replicas on one node), made from the run's HDF5 store on the
/// first start and made again when it is stale (another store, size, modification time or
/// database) or damaged. When the run's folder cannot be written (a read-only volume without the
/// file), the features are read into memory as before, with a warning.
final class ServedFeatures: Sendable {
    enum Backing: Sendable {
        case file(ServeFeatureFile)
        case memory([String: StoredFeatures])
    }

    let backing: Backing
    /// The features were read from the HDF5 store at this start (the file made now, or memory):
    /// what depends on them has not been checked against them yet.
    let readNow: Bool

    var count: Int {
        switch backing {
        case .file(let file): return file.count
        case .memory(let features): return features.count
        }
    }

    func contains(_ name: String) -> Bool {
        switch backing {
        case .file(let file): return file.contains(name)
        case .memory(let features): return features[name] != nil
        }
    }

    /// One image's keypoint count without reading its features; nil when there are none.
    func keypointCount(_ name: String) -> Int? {
        switch backing {
        case .memory(let features): return features[name]?.keypoints.count
        case .file(let file): return file.keypointCount(name)
        }
    }

    /// One image's features, descriptors as stored (float16 values) in float32; nil when there are
    /// none, or (said on stderr) when the file's bytes for it are damaged.
    func read(_ name: String) -> ImageFeatures? {
        switch backing {
        case .memory(let features): return features[name]?.expanded()
        case .file(let file):
            do { return try file.read(name) } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                return nil
            }
        }
    }

    init(backing: Backing, readNow: Bool) { self.backing = backing; self.readNow = readNow }

    /// The file for the store at `storePath` in `folder`: `serve-<store name>.rlsf`.
    static func filePath(folder: String, storePath: String) -> String {
        let stem = ((storePath as NSString).lastPathComponent as NSString).deletingPathExtension
        return (folder as NSString).appendingPathComponent("serve-\(stem).rlsf")
    }

    /// A file's identity: resolved path, size, modification time.
    static func identity(_ path: String) -> String {
        let resolved = (path as NSString).resolvingSymlinksInPath
        let attributes = (try? FileManager.default.attributesOfItem(atPath: resolved)) ?? [:]
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? -1
        let mtime = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? -1
        return "\(resolved) size=\(size) mtime=\(mtime)"
    }

    /// What the file is made from: the store, the names, and the files checked against the
    /// features when it was made (`checked`: the global descriptors), so that a change to any of
    /// them makes it again — and the check is run again.
    static func source(storePath: String, names: [String], checked: [String] = []) -> String {
        let hash = Array(names.joined(separator: "\n").utf8).withUnsafeBytes { ServeFeatureFile.fnv1a($0) }
        return "store=\(identity(storePath)) names=\(names.count):\(String(hash, radix: 16))"
            + checked.map { " checked=\(identity($0))" }.joined()
    }

    /// Opens the run's file, making it first when it is missing, stale or damaged.
    static func open(folder: String, storePath: String, store: FeatureStore, names: [String], checked: [String] = [],
                     say: (String) -> Void) throws -> ServedFeatures {
        let path = filePath(folder: folder, storePath: storePath)
        let source = source(storePath: storePath, names: names, checked: checked)
        if FileManager.default.fileExists(atPath: path) {
            do {
                let file = try ServeFeatureFile(path: path)
                if file.source == source && file.count == names.count { return ServedFeatures(backing: .file(file), readNow: false) }
                say("\(path): made from another store or database (\(file.source)); making it again")
            } catch {
                say("\(error); making it again")
            }
        }
        do {
            let start = Date()
            try ServeFeatureFile.write(to: path, source: source, names: names, read: { try store.read($0) })
            say(String(format: "%@: %d images' features written for reading in place (%.1f s, once)", path, names.count, Date().timeIntervalSince(start)))
            return ServedFeatures(backing: .file(try ServeFeatureFile(path: path)), readNow: true)
        } catch {
            say("warning: \(error); reading the features into memory instead")
            var features: [String: StoredFeatures] = [:]
            for name in names { features[name] = StoredFeatures(try store.read(name)) }
            return ServedFeatures(backing: .memory(features), readNow: true)
        }
    }
}
