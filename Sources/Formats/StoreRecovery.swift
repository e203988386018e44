import CHDF5Shim
import Foundation

/// The journal of an HDF5 store being written (`STORE.journal`): it exists from the moment a stage
/// opens the store for update until the stage's final flush, and lists the entries (HDF5 paths)
/// that a flush has put on disk. HDF5 keeps metadata in memory between flushes, so a file whose
/// writer was killed can open cleanly and still hold entries that point at nothing; the journal is
/// how a resumed run tells that the file was left unfinished, and which entries to keep.
final package class StoreJournal {
    static package let header = "reloc store journal 1"
    package let path: String
    private var pending: [String] = []

    /// Starts a journal (the store's previous entries count as confirmed: they were on disk).
    package init(storePath: String) throws {
        path = storePath + ".journal"
        do {
            try Data((Self.header + "\n").utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw FormatError.file(file: path, message: "cannot write the store's journal: \(error.localizedDescription)")
        }
    }

    /// An entry written to the store, on disk once the store is next flushed.
    package func wrote(_ key: String) { pending.append(key) }

    /// Call right after flushing the store: the entries written since the last flush are confirmed.
    package func flushed() throws {
        guard !pending.isEmpty else { return }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw FormatError.file(file: path, message: "cannot append to the store's journal")
        }
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data(pending.map { $0 + "\n" }.joined().utf8))
        pending.removeAll()
    }

    private var finished = false

    /// Ends a stage's writing: flushes the store, confirms the last entries and removes the
    /// journal — the store is complete and consistent. - Throws: when the flush fails (the
    /// journal then stays, and the next run rebuilds the store from the confirmed entries).
    package func complete(flushing flush: () throws -> Void) throws {
        guard !finished else { return }
        try flush()
        try flushed()
        unlink(path)
        finished = true
    }

    /// `complete` for a stage that ends by an error (in a `defer`): the entries written so far are
    /// kept if the flush works. Only a killed process leaves its journal behind.
    package func close(flushing flush: () throws -> Void) {
        do {
            try complete(flushing: flush)
        } catch {
            // The journal stays: the next run rebuilds the store from the confirmed entries.
        }
    }

    /// The confirmed entries of a journal left by a killed writer (`readable` false when the
    /// file is not a journal reloc wrote: nothing is then confirmed), or nil when there is none.
    static package func leftBehind(storePath: String) -> (confirmed: [String], readable: Bool)? {
        guard let data = FileManager.default.contents(atPath: storePath + ".journal") else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == header else { return ([], false) }
        // A line cut short by the kill names no entry HDF5 knows, so its copy fails and it is redone.
        return (lines.dropFirst().map(String.init), true)
    }
}

/// Opens an HDF5 store for update and starts its journal.
///
/// - A store left unfinished by a killed run (its journal is still there) is not trusted: its
///   confirmed entries are copied into a new file, which replaces it, and everything else is
///   redone by the stage (a warning says how many were kept).
/// - A file that HDF5 cannot open at all (not HDF5, or cut before its first flush) is moved aside
///   to `PATH.corrupt` with a warning and an empty store is created in its place.
package func openForUpdateOrRebuild<Store>(_ path: String, warn: (String) -> Void,
                                   open: (StoreMode) throws -> Store) throws -> (store: Store, journal: StoreJournal) {
    if let (confirmed, readable) = StoreJournal.leftBehind(storePath: path) {
        let kept = try rebuildStore(path, keeping: confirmed)
        warn(readable ? "warning: \(path): left unfinished by a killed run; rebuilt with its \(kept) confirmed entries, the rest is redone"
                      : "warning: \(path): its journal \(path).journal is not one reloc wrote, so no entry is confirmed; rebuilt empty, everything is redone")
    }
    let store: Store
    do {
        store = try open(.update)
    } catch let error as FormatError {
        guard FileManager.default.fileExists(atPath: path) else { throw error }
        let aside = path + ".corrupt"
        try? FileManager.default.removeItem(atPath: aside)
        guard rename(path, aside) == 0 else { throw error }
        warn("warning: \(path): unreadable (not HDF5, or a run killed while writing it); moved to \(aside), rebuilding")
        store = try open(.create)
    }
    return (store, try StoreJournal(storePath: path))
}

/// Copies the entries named in `keeping` from the store at `path` (if HDF5 can open it) into a new
/// file that then replaces it. - Returns: how many entries were copied.
package func rebuildStore(_ path: String, keeping keys: [String]) throws -> Int {
    let rebuilt = path + ".rebuild"
    let destination = try HDF5File(creatingScratch: rebuilt)
    var kept = 0
    let readable = FileManager.default.fileExists(atPath: path) && (try? HDF5Guard.check(path)) != nil
    if readable, let source = HDF5File(salvaging: path) {
        var seen = Set<String>()
        for key in keys where seen.insert(key).inserted && source.contains(key) {
            if source.copy(key, to: destination) { kept += 1 } else { try? destination.remove(key) }
        }
        source.close()
    }
    guard destination.close() else { throw FormatError.file(file: rebuilt, message: "cannot write") }
    guard rename(rebuilt, path) == 0 else {
        throw FormatError.file(file: path, message: "cannot replace with the rebuilt store: \(String(cString: strerror(errno)))")
    }
    unlink(path + ".journal")
    return kept
}
