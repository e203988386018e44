import CHDF5Shim
import Foundation

/// `reloc merge --output OUT.h5 A.h5 B.h5 ...`: joins HDF5 stores written by shards (`reloc
/// extract --shard`, `reloc match --shard`) into one, as if one process had written it: every
/// entry (an image's features, a pair's matches, an image's global descriptor) is copied with its
/// types and attributes. All inputs must hold the same kind of entries; an entry in two inputs is
/// an error (overlapping shards). The output is written to a temporary file and renamed.
public struct StoreMergeTask: Sendable {
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
        var sources: [(path: String, file: Int64, entries: [String])] = []
        defer { for source in sources { _ = chdf5_close(source.file) } }
        var kind: (leaf: String, name: String)?
        for path in inputs {
            let file = try HDF5.open(path: path, mode: .read, what: "store")
            var found: (leaf: String, name: String, entries: [String])?
            for candidate in Self.kinds {
                let entries = try HDF5.parents(file: file, path: path, leaf: candidate.leaf)
                if !entries.isEmpty { found = (candidate.leaf, candidate.name, entries); break }
            }
            sources.append((path, file, found?.entries ?? []))
            guard let found else { continue }  // An empty shard (no image fell in it).
            if let kind, kind.leaf != found.leaf {
                throw RelocError.file(file: path, message: "holds \(found.name), \(inputs[0]) \(kind.name): not the same kind of store")
            }
            kind = (found.leaf, found.name)
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
        let destination = chdf5_open(temporary, 2)
        guard destination >= 0 else { throw RelocError.file(file: output, message: "cannot create (temporary file \(temporary))") }
        var summary = Summary(kind: kind?.name ?? "nothing", emptyInputs: sources.filter { $0.entries.isEmpty }.map(\.path))
        do {
            for source in sources {
                for entry in source.entries {
                    guard chdf5_copy(source.file, destination, entry) == 0 else {
                        throw RelocError.file(file: source.path, message: "cannot copy '\(entry)'")
                    }
                    summary.entries += 1
                }
            }
        } catch {
            _ = chdf5_close(destination)
            unlink(temporary)
            throw error
        }
        guard chdf5_close(destination) >= 0, rename(temporary, output) == 0 else {
            unlink(temporary)
            throw RelocError.file(file: output, message: "cannot write")
        }
        return summary
    }
}
