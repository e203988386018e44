import Foundation

/// Opens an HDF5 store for update; a file that HDF5 cannot open (cut short by a kill before its
/// first flush, or not HDF5 at all) is moved aside to `PATH.corrupt` with a warning and a new,
/// empty store is created in its place, so a resumed run rebuilds it instead of failing.
func openForUpdateOrRebuild<Store>(_ path: String, warn: (String) -> Void, open: (StoreMode) throws -> Store) throws -> Store {
    do {
        return try open(.update)
    } catch let error as RelocError {
        guard FileManager.default.fileExists(atPath: path) else { throw error }
        let aside = path + ".corrupt"
        try? FileManager.default.removeItem(atPath: aside)
        guard rename(path, aside) == 0 else { throw error }
        warn("warning: \(path): unreadable (a run killed while writing it?); moved to \(aside), rebuilding")
        return try open(.create)
    }
}
