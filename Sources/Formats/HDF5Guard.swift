import CHDF5Shim
import Foundation

/// Debian 12's libhdf5 (1.10.8) can crash — use after free, unchecked allocations — on some
/// damaged headers, below every check reloc makes itself (found by fuzzing; see
/// Tests/FuzzKnownCrashes). Before a store is opened, a child process walks the file's structure
/// the way the readers will (`chdf5_check_structure`); if libhdf5 crashes there, the file is
/// refused with a clear error instead of taking reloc down. Each file is checked once per process
/// (per size and modification time). Executables opt in by setting `checker` (reloc and RelocFuzz
/// do; library users and the tests read files directly).
public enum HDF5Guard {
    /// The first argument that makes an executable run `runCheck` on the next argument and exit.
    public static let checkArgument = "__check-hdf5"

    /// The program to run as `program checkArgument PATH`; nil: no check.
    nonisolated(unsafe) public static var checker: String?

    nonisolated(unsafe) private static var checked = Set<String>()
    /// Stores this process opened for writing: it knows what it wrote, so later opens (the next
    /// stage of a pipeline) need no second walk although the file changed.
    nonisolated(unsafe) private static var ownWrites = Set<String>()
    private static let lock = NSLock()

    /// A store this process is about to write (after its check, when it existed).
    static func trustOwnWrites(_ path: String) {
        lock.lock()
        ownWrites.insert(URL(fileURLWithPath: path).standardizedFileURL.path)
        lock.unlock()
    }

    /// - Throws: `FormatError.file` when libhdf5 crashed walking the file.
    static func check(_ path: String) throws {
        guard let checker else { return }
        lock.lock()
        let own = ownWrites.contains(URL(fileURLWithPath: path).standardizedFileURL.path)
        lock.unlock()
        if own { return }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return }
        let key = "\(path)\u{0}\((attributes[.size] as? NSNumber)?.int64Value ?? -1)\u{0}\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        lock.lock()
        let known = checked.contains(key)
        lock.unlock()
        if known { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: checker)
        process.arguments = [checkArgument, path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return  // Cannot check (no such program): read as before.
        }
        process.waitUntilExit()
        if process.terminationReason == .uncaughtSignal {
            throw FormatError.file(file: path, message: "damaged HDF5 file: libhdf5 crashed (signal \(process.terminationStatus)) reading its structure; not read")
        }
        lock.lock()
        checked.insert(key)
        lock.unlock()
    }

    /// Runs in the child: walks the file; a crash here is what `check` detects.
    /// - Returns: the exit status (0: walked; 1: HDF5 reported an error, which the readers will
    ///   report in their own words).
    public static func runCheck(_ path: String) -> Int32 {
        Int32(chdf5_check_structure(path))
    }
}
