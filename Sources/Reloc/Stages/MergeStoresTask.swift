import Formats
import Foundation

/// `reloc merge stores --output OUT.h5 A.h5 B.h5 ...`: joins HDF5 stores written by shards (`reloc
/// extract --shard`, `reloc match --shard`) into one, as if one process had written it: every
/// entry (an image's features, a pair's matches, an image's global descriptor) is copied with its
/// types and attributes, and a features store's record of what it holds. All inputs must hold the same kind of entries; an entry in two inputs is
/// an error (overlapping shards). The output is written to a temporary file and renamed.
public struct MergeStoresTask: Sendable {
    public var inputs: [String]
    public var output: String

    public init(inputs: [String], output: String) { self.inputs = inputs; self.output = output }

    public struct Summary: Sendable {
        public var entries = 0
        public var kind = ""
        /// Inputs that hold no entry (an empty shard — or not a store of reloc's kinds).
        public var emptyInputs: [String] = []
    }

    /// The dataset that marks an entry of each kind of store.
    static let kinds: [(leaf: String, name: String)] = [("keypoints", "features"), ("matches0", "matches"),
                                                         ("global_descriptor", "global descriptors")]

    public func run() throws -> Summary {
        guard !inputs.isEmpty else { throw RelocError.invalidArgument("no stores to merge") }
        if let same = inputs.first(where: { URL(fileURLWithPath: $0).standardized == URL(fileURLWithPath: output).standardized }) {
            throw RelocError.file(file: same, message: "is also the output")
        }
        var sources: [(path: String, file: HDF5File, entries: [String])] = []
        var kind: (leaf: String, name: String)?
        for path in inputs {
            let file = try HDF5File(path: path, mode: .read, what: "store")
            var found: (leaf: String, name: String, entries: [String])?
            for candidate in Self.kinds {
                let entries = try file.parents(holding: candidate.leaf)
                if !entries.isEmpty { found = (candidate.leaf, candidate.name, entries); break }
            }
            sources.append((path, file, found?.entries ?? []))
            guard let found else { continue }  // An empty shard (no image fell in it).
            if let kind, kind.leaf != found.leaf {
                throw RelocError.file(file: path, message: "holds \(found.name), \(inputs[0]) \(kind.name): not the same kind of store")
            }
            kind = (found.leaf, found.name)
        }
        // A features store's record of what it holds (`FeatureStoreRecord`): the same in every
        // input that has entries and a record, and kept in the output.
        var record: (path: String, text: String)?
        for source in sources where !source.entries.isEmpty {
            guard let text = try source.file.readStringAttribute("/", FeatureStoreRecord.attribute) else { continue }
            if let record, record.text != text {
                throw RelocError.file(file: source.path, message: "records other features than \(record.path) (\(text) against \(record.text))")
            }
            record = (source.path, text)
        }
        var owner: [String: String] = [:]
        for source in sources {
            for entry in source.entries {
                if let earlier = owner[entry] {
                    throw RelocError.file(file: source.path, message: "'\(entry)' is also in \(earlier): overlapping shards")
                }
                owner[entry] = source.path
            }
        }
        let folder = (output as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((output as NSString).lastPathComponent).\(getpid()).tmp"
        let destination: HDF5File
        do { destination = try HDF5File(creatingScratch: temporary) } catch {
            throw RelocError.file(file: output, message: "cannot create (temporary file \(temporary))")
        }
        var summary = Summary(kind: kind?.name ?? "nothing", emptyInputs: sources.filter { $0.entries.isEmpty }.map(\.path))
        do {
            if let record { try destination.writeStringAttribute("/", FeatureStoreRecord.attribute, record.text) }
            for source in sources {
                for entry in source.entries {
                    guard source.file.copy(entry, to: destination) else {
                        throw RelocError.file(file: source.path, message: "cannot copy '\(entry)'")
                    }
                    summary.entries += 1
                }
            }
        } catch {
            destination.close()
            unlink(temporary)
            throw error
        }
        guard destination.close(), rename(temporary, output) == 0 else {
            unlink(temporary)
            throw RelocError.file(file: output, message: "cannot write")
        }
        return summary
    }
}
