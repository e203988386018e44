// swift-tools-version:6.1
// reloc — camera relocalization toolkit.
//
// Module graph (one way, see CONTRIBUTING.md): CCeresShim <- Geometry <- Reloc -> Features.
// RelocServer puts Reloc's LocalizationService behind HTTP (Hummingbird); it is a module of its
// own so that the library and its tests do not build SwiftNIO. The `reloc` executable calls Reloc
// and RelocServer; RelocBench times Geometry and Features directly too.
import Foundation
import PackageDescription

/// Swift code is compiled for the building machine's vector unit when it has AVX2 and FMA: eight
/// float lanes per instruction in SIFT's blur, gathering and histograms and in RANSAC scoring
/// (OpenCV reaches the same instructions by run-time dispatch; the gain is in
/// docs/benchmarks.md). The output is bit-identical — Swift does not contract a·b + c into FMA — but the
/// binary then needs such a CPU (x86-64 from 2013 on). `RELOC_PORTABLE=1` builds for any x86-64;
/// other architectures get no flag. Only Swift: the C++ shim is compiled against Debian's Ceres
/// and must keep Eigen's default alignment.
let vectorUnit: [SwiftSetting] = {
    #if arch(x86_64)
    guard Context.environment["RELOC_PORTABLE"] == nil,
          let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
    let flags = Set(cpu.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }))
    return flags.contains("avx2") && flags.contains("fma") ? [.unsafeFlags(["-target-cpu", "haswell"])] : []
    #else
    return []
    #endif
}()

let releaseCxx: [CXXSetting] = [.define("NDEBUG", .when(configuration: .release))]
let releaseC: [CSetting] = [.define("NDEBUG", .when(configuration: .release))]

let package = Package(
    name: "reloc",
    products: [
        .executable(name: "reloc", targets: ["RelocCLI"]),
        .executable(name: "RelocBench", targets: ["RelocBench"]),
        .library(name: "Reloc", targets: ["Reloc"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // `reloc serve`. Hummingbird's default traits pull in swift-configuration, which reloc does not use.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
    ],
    targets: [
        // System libraries (Debian packages, installed by scripts/bootstrap).
        .systemLibrary(name: "CEigen", pkgConfig: "eigen3",
                       providers: [.apt(["libeigen3-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev", "liblapacke-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // The C library's allocator settings (mallopt); no package.
        .systemLibrary(name: "CMalloc"),
        // HDF5's native type constants are macros: wrapped in C for the feature store.
        .target(name: "CHDF5Shim", dependencies: ["CHDF5"], cSettings: releaseC),

        // The only C++: a plain C API over Ceres (and Eigen, which Ceres' headers need). Ceres 2.1
        // ships no pkg-config file, so ceres and glog are linked by name.
        .target(
            name: "CCeresShim",
            dependencies: ["CEigen"],
            cxxSettings: releaseCxx,
            linkerSettings: [.linkedLibrary("ceres"), .linkedLibrary("glog"), .linkedLibrary("stdc++")]
        ),
        // libjpeg-turbo behind a setjmp error manager (libjpeg's default handler calls exit()).
        .target(
            name: "CJPEG",
            cSettings: releaseC,
            linkerSettings: [.linkedLibrary("jpeg")]
        ),

        // libpng's simplified API (no longjmp into Swift).
        .target(
            name: "CPNG",
            cSettings: releaseC,
            linkerSettings: [.linkedLibrary("png16")]
        ),

        // Weights files and archives (zip, pickle, PyTorch checkpoints, safetensors, SHA-256) and the
        // one little-endian byte reader: the bottom of the graph, depending on nothing of reloc's.
        .target(name: "TensorFiles", dependencies: ["CZlib"], swiftSettings: vectorUnit),
        .target(name: "Geometry", dependencies: ["CCeresShim"], swiftSettings: vectorUnit),
        .target(name: "Features", dependencies: ["TensorFiles", "CJPEG", "CPNG", "COpenBLAS"], swiftSettings: vectorUnit),
        // The files people exchange: COLMAP models, hloc's stores and lists, submissions, ground truth.
        .target(name: "Formats", dependencies: ["Geometry", "TensorFiles", "CHDF5Shim"], swiftSettings: vectorUnit),
        .target(name: "Reloc", dependencies: ["Geometry", "Features", "Formats", "TensorFiles", "CHDF5Shim", "COpenBLAS", "CMalloc"],
                swiftSettings: vectorUnit),

        // HTTP in front of Reloc.LocalizationService (`reloc serve`).
        .target(
            name: "RelocServer",
            dependencies: [
                "Reloc",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),

        .executableTarget(
            name: "RelocCLI",
            dependencies: ["Reloc", "RelocServer", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/reloc",
            swiftSettings: vectorUnit
        ),
        // Times the solvers and extractors directly as well as the stages.
        .executableTarget(name: "RelocBench", dependencies: ["Reloc", "Geometry", "Features", "TensorFiles", "COpenBLAS"], swiftSettings: vectorUnit),
        // The parsers under libFuzzer (scripts/fuzz), or replaying inputs when built plainly.
        .executableTarget(name: "RelocFuzz", dependencies: ["Reloc"]),

        .target(name: "_TestSupport", dependencies: ["Geometry"], path: "Tests/_TestSupport"),
        .testTarget(name: "TensorFilesTests", dependencies: ["TensorFiles", "Geometry", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry", "_TestSupport"]),
        .testTarget(name: "FeaturesTests", dependencies: ["Features", "Geometry", "TensorFiles", "_TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "FormatsTests", dependencies: ["Formats", "Geometry", "_TestSupport"], exclude: ["Fixtures"]),
        // Fixtures are read by path (#filePath), not bundled.
        .testTarget(name: "RelocTests", dependencies: ["Reloc", "Formats", "Geometry", "Features", "TensorFiles", "_TestSupport"],
                    exclude: ["Fixtures"]),
        .testTarget(name: "RelocServerTests", dependencies: ["RelocServer", "Reloc", "Geometry", "_TestSupport",
                                                            .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "RelocCLITests", dependencies: ["Reloc", "Geometry", "Features", "_TestSupport"]),
    ],
    cxxLanguageStandard: .cxx17
)
