import Foundation
import Reloc

// Built two ways (scripts/fuzz):
// - plainly: `RelocFuzz TARGET FILE...` runs each file through the target (replaying a corpus or a
//   crashing input under a debugger);
// - with -sanitize=fuzzer,address and -DRELOC_LIBFUZZER: the entry point hands over to libFuzzer's
//   driver (`LLVMFuzzerRunDriver`, so that SwiftPM's own entry-point symbol still exists), which
//   calls `LLVMFuzzerTestOneInput` with the target named by the RELOC_FUZZ_TARGET variable.

private func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// The HDF5 targets go through the same child-process check as reloc (HDF5Guard): run it when
/// this process is that child, else make this executable the checker.
private func runHDF5CheckIfAsked() -> Int32? {
    let arguments = CommandLine.arguments
    if arguments.count == 3, arguments[1] == HDF5Guard.checkArgument { return HDF5Guard.runCheck(arguments[2]) }
    HDF5Guard.checker = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    return nil
}

#if RELOC_LIBFUZZER
nonisolated(unsafe) private var selectedTarget: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    if selectedTarget == nil {
        let name = ProcessInfo.processInfo.environment["RELOC_FUZZ_TARGET"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            warn("RELOC_FUZZ_TARGET must be one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        selectedTarget = target
    }
    selectedTarget!.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

typealias FuzzCallback = @convention(c) (UnsafePointer<UInt8>, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: FuzzCallback) -> CInt

/// SwiftPM links an executable's entry point as `<module>_main` on Linux.
@_cdecl("RelocFuzz_main")
public func relocFuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    if let status = runHDF5CheckIfAsked() { return status }
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector, fuzzOne)
}
#else
@main
struct RelocFuzz {
    static func main() {
        if let status = runHDF5CheckIfAsked() { exit(status) }
        let arguments = CommandLine.arguments.dropFirst()
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            warn("usage: RelocFuzz TARGET FILE...\ntargets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                warn("\(path): cannot read")
                exit(1)
            }
            print("\(path): \(target.run([UInt8](data)) ? "read" : "rejected")")
        }
    }
}
#endif
