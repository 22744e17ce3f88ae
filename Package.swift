// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Likeness",
    // No `platforms:`: the minimums it sets are Apple deployment targets, and Likeness is built and
    // tested on Debian only (apt providers below, Glibc in LikenessData/Files).
    products: [
        .executable(name: "likeness", targets: ["likeness"]),
        .executable(name: "likeness-bench", targets: ["likeness-bench"]),
        .library(name: "Likeness", targets: ["Likeness"]),
        .library(name: "LikenessCore", targets: ["LikenessCore"]),
        .library(name: "LikenessData", targets: ["LikenessData"]),
        .library(name: "LikenessFiles", targets: ["LikenessFiles"]),
        .library(name: "LikenessHDF5", targets: ["LikenessHDF5"]),
        .library(name: "LikenessSearch", targets: ["LikenessSearch"]),
        .library(name: "LikenessTraining", targets: ["LikenessTraining"]),
        .library(name: "LikenessRecognition", targets: ["LikenessRecognition"]),
        .library(name: "LikenessStorage", targets: ["LikenessStorage"]),
        .library(name: "LikenessMetrics", targets: ["LikenessMetrics"]),
        .library(name: "LikenessReports", targets: ["LikenessReports"]),
        .library(name: "LikenessInterop", targets: ["LikenessInterop"]),
        .library(name: "LikenessFAISS", targets: ["LikenessFAISS"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries from Debian's -dev packages.
        .systemLibrary(
            name: "CDNNL", path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CSPNG", path: "Sources/CSPNG", pkgConfig: "spng",
            providers: [.apt(["libspng-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", path: "Sources/CTurboJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        // FAISS: Debian's static libfaiss.a has no C API symbols, so LikenessFAISSBridge (C++, below)
        // calls its C++ API; this target names the apt package (headers under /usr/include/faiss).
        .systemLibrary(
            name: "CFAISS", path: "Sources/CFAISS",
            providers: [.apt(["libfaiss-dev"])]),
        // libFuzzer's driver, declared only: swiftc links it under -sanitize=fuzzer (Scripts/fuzz.sh).
        .systemLibrary(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        // glibc calls Swift's Glibc module leaves out (renameat2), declared only.
        .systemLibrary(name: "CLinux", path: "Sources/CLinux"),

        // Libraries.
        .target(name: "LikenessCore", dependencies: ["CDNNL"]),
        .target(name: "LikenessSearch", dependencies: ["LikenessCore"]),
        .target(name: "LikenessData", dependencies: ["LikenessCore", "LikenessSearch", "LikenessFiles", "LikenessHDF5", "CSPNG", "CTurboJPEG"]),
        // Whole-file writes, locks, reads of plain or gzip files, SHA-256: below HDF5 and the data layer.
        .target(name: "LikenessFiles", dependencies: ["CZlib", "COpenSSL", "CLinux"]),
        .target(name: "LikenessHDF5", dependencies: ["LikenessFiles", "CHDF5"]),
        // Training: the one trainer, its steps and recipes, epoch reports, checkpoints (in memory).
        .target(name: "LikenessTraining", dependencies: ["LikenessCore", "LikenessData", "LikenessFiles", "LikenessSearch", "LikenessMetrics"]),
        // Recognition: prototypes, the gallery, nearest-prototype classification, thresholds, one-shot evaluation.
        .target(name: "LikenessRecognition", dependencies: ["LikenessCore", "LikenessSearch", "LikenessFiles"]),
        // Storage: model archives, embedding stores, gallery and checkpoint files in HDF5.
        .target(
            name: "LikenessStorage",
            dependencies: ["LikenessCore", "LikenessData", "LikenessFiles", "LikenessHDF5", "LikenessTraining", "LikenessRecognition"]),
        // Metrics checked against scikit-learn (retrieval: pytorch-metric-learning); reports: the comparison as Markdown, JSON and HTML.
        .target(name: "LikenessMetrics", dependencies: ["LikenessCore", "LikenessSearch"]),
        .target(name: "LikenessReports", dependencies: ["LikenessCore", "LikenessFiles", "LikenessSearch", "LikenessMetrics", "LikenessRecognition"]),
        // Interoperation: models as ONNX, stores as NumPy .npy files, for the engines users already run.
        .target(name: "LikenessInterop", dependencies: ["LikenessCore", "LikenessFiles", "LikenessStorage"]),
        // Approximate search through FAISS: a few extern "C" functions over its C++ API (exceptions caught
        // there), linked with the static libfaiss.a and what it needs (OpenMP, BLAS, LAPACK; C++'s library
        // comes with a C++ target), and the Swift index that owns one. The bridge is the project's one piece
        // of code that is not Swift, so it lives in Bindings/, not Sources/ (which holds Swift only).
        .target(
            name: "LikenessFAISSBridge", dependencies: ["CFAISS"], path: "Bindings/LikenessFAISSBridge",
            linkerSettings: [.linkedLibrary("faiss"), .linkedLibrary("gomp"), .linkedLibrary("lapack"), .linkedLibrary("blas")]),
        .target(name: "LikenessFAISS", dependencies: ["LikenessCore", "LikenessSearch", "LikenessFiles", "LikenessFAISSBridge"]),
        // The umbrella: re-exports only.
        .target(
            name: "Likeness",
            dependencies: ["LikenessCore", "LikenessSearch", "LikenessData", "LikenessFiles", "LikenessHDF5", "LikenessTraining",
                           "LikenessRecognition", "LikenessStorage", "LikenessMetrics", "LikenessReports", "LikenessInterop"]),

        // The command-line tool's commands and option groups, a library so that tests run them in process.
        .target(
            name: "LikenessCommands",
            dependencies: ["Likeness", "LikenessFAISS", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // Executables.
        .executableTarget(name: "likeness", dependencies: ["LikenessCommands"]),
        .executableTarget(
            name: "likeness-bench",
            dependencies: ["Likeness", "LikenessCommands", "LikenessFAISS", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // Fuzz targets for the loaders of untrusted files (docs/FUZZING.md).
        .executableTarget(name: "likeness-fuzz", dependencies: ["Likeness", "LikenessHDF5", "CLibFuzzer"]),

        // Tests, and the helpers they share (no product depends on it).
        .target(name: "_LikenessTestSupport"),
        .testTarget(name: "LikenessCoreTests", dependencies: ["LikenessCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LikenessDataTests", dependencies: ["LikenessData", "LikenessFiles", "_LikenessTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LikenessFilesTests", dependencies: ["LikenessFiles", "_LikenessTestSupport"]),
        .testTarget(name: "LikenessSearchTests", dependencies: ["LikenessSearch"]),
        .testTarget(name: "LikenessHDF5Tests", dependencies: ["LikenessHDF5", "_LikenessTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LikenessTests", dependencies: ["Likeness", "_LikenessTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LikenessFAISSTests", dependencies: ["LikenessFAISS", "LikenessSearch", "_LikenessTestSupport"]),
        // The commands in process, and the likeness and likeness-bench executables end to end.
        .testTarget(name: "LikenessCommandsTests", dependencies: ["LikenessCommands", "Likeness", "LikenessFAISS", "_LikenessTestSupport"]),
    ]
)
