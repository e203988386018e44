import Foundation

/// The kernels OpenBLAS runs. A DYNAMIC_ARCH OpenBLAS picks them by CPU model when it loads;
/// OpenBLAS 0.3.21 (Debian 12's) does not know AMD Zen 4 and gives it AVX2 (Haswell) kernels
/// although the CPU has AVX-512, which the SkylakeX kernels use: LightGlue's matrix products
/// then take about 1.8× as long. `preferAVX512` re-runs OpenBLAS's own kernel selection with
/// SkylakeX asked for (its documented `OPENBLAS_CORETYPE`) when the CPU and the kernel support
/// AVX-512 F/DQ/BW/VL and the selection chose an AVX2 core.
public enum BLASKernels {
    private typealias NameFunction = @convention(c) () -> UnsafeMutablePointer<CChar>?
    private typealias VoidFunction = @convention(c) () -> Void

    /// The kernel family OpenBLAS uses (e.g. `Haswell`, `SkylakeX`), when it says.
    public static var coreName: String? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_get_corename"),
              let name = unsafeBitCast(symbol, to: NameFunction.self)() else { return nil }
        return String(cString: name)
    }

    /// Call once at process start, before any BLAS call, from one thread. Does nothing when
    /// `RELOC_BLAS_KERNELS=as-detected` is set, the library is not a DYNAMIC_ARCH OpenBLAS, or
    /// the CPU lacks AVX-512. (OpenBLAS writes the core it chose into `OPENBLAS_CORETYPE`
    /// itself, so that variable cannot tell a user's choice apart; hence reloc's own switch.)
    /// Returns the core name in use afterwards.
    @discardableResult
    public static func preferAVX512() -> String? {
        guard ProcessInfo.processInfo.environment["RELOC_BLAS_KERNELS"] != "as-detected",
              let current = coreName, ["haswell", "zen"].contains(current.lowercased()),
              cpuHasAVX512(),
              let quit = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_quit"),
              let initialize = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gotoblas_dynamic_init") else { return coreName }
        setenv("OPENBLAS_CORETYPE", "SKYLAKEX", 1)
        unsafeBitCast(quit, to: VoidFunction.self)()
        unsafeBitCast(initialize, to: VoidFunction.self)()
        unsetenv("OPENBLAS_CORETYPE")
        return coreName
    }

    /// The kernel lists the AVX-512 foundation, DQ, BW and VL extensions for every CPU (Linux
    /// lists them only when it saves the AVX-512 register state).
    static func cpuHasAVX512() -> Bool {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return false }
        let flagLines = info.split(separator: "\n").filter { $0.hasPrefix("flags") }
        guard !flagLines.isEmpty else { return false }
        return flagLines.allSatisfy { line in
            let flags = Set(line.split(separator: " ").map(String.init))
            return ["avx512f", "avx512dq", "avx512bw", "avx512vl"].allSatisfy(flags.contains)
        }
    }
}
