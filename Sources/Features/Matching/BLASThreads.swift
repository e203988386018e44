import COpenBLAS

/// OpenBLAS's own thread pool. reloc parallelizes across pairs and images itself, so stages
/// that do set BLAS to one thread: otherwise every small `sgemm` wakes OpenBLAS's threads,
/// which then spin (sched_yield) against reloc's workers on the same cores.
public enum BLASThreads {
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
}
