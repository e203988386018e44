import Features

/// Process-wide settings the executables apply once at start: the allocator
/// (`AllocatorTuning`) and OpenBLAS's kernels (`BLASKernels.preferAVX512`).
public enum ProcessTuning {
    public static func apply() {
        AllocatorTuning.keepFreedImageBuffers()
        BLASKernels.preferAVX512()
    }

    /// The OpenBLAS kernels in use, for version and benchmark output.
    public static var blasCore: String? { BLASKernels.coreName }
}
