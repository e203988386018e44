#if canImport(Glibc)
import CMalloc
#endif

/// Process-wide setting of the C allocator for image work, called once by the executables.
///
/// glibc serves blocks above a dynamic threshold (128 KiB at first) with their own `mmap` and
/// gives them back on `free`, and trims the heap's top above another threshold. A SIFT pyramid
/// is a dozen float images of up to ~25 MB each (an upsampled octave 0), allocated and freed
/// for every image: with the defaults every one of them is mapped afresh, so each page is
/// faulted in and zeroed by the kernel again, a large share of the extraction time (`RelocBench
/// sift`, docs/benchmarks.md). Serving blocks up to 32 MiB (glibc's
/// largest allowed threshold) from the heap and trimming only above 1 GiB keeps freed buffers
/// in the process for the next image: resident memory stays at its high-water mark instead of
/// going back to the OS between images, as with jemalloc or tcmalloc.
public enum AllocatorTuning {
    /// Applies the setting (a no-op where the C library is not glibc).
    public static func keepFreedImageBuffers() {
        #if canImport(Glibc)
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 30)
        #endif
    }

    /// At most `count` malloc arenas (glibc's default: 8 per core). A long-running process whose
    /// requests run on whichever of Dispatch's threads is free (`reloc serve`) otherwise spreads
    /// its buffers over many arenas, each kept at its own high-water mark, so its resident memory
    /// creeps up for hundreds of requests before it levels off; with one arena per core it levels
    /// off within the warm-up, at no cost in latency (docs/benchmarks.md).
    public static func limitArenas(to count: Int) {
        #if canImport(Glibc)
        _ = mallopt(M_ARENA_MAX, Int32(max(1, count)))
        #endif
    }
}
