// swift-tools-version:6.0
import PackageDescription

// Linux only: oneDNN, zlib, libpng and libjpeg-turbo come from the system (Debian 12's packages;
// scripts/setup.sh installs them), and the kernels need x86-64 with AVX2 + FMA for full speed.
// One unsafe flag stays: -O3 for Glean's own C kernels, which at SwiftPM's release -O2 ran
// ResNet-18 training on the AVX2 path 8% slower (2026-12-05, docs/benchmarks.md). It keeps other
// packages from depending on Glean by version; a local or branch dependency works.
let package = Package(
    name: "Glean",
    products: [
        .library(name: "Glean", targets: ["Glean"]),
        .library(name: "GleanExperiments", targets: ["GleanExperiments"]),
        .library(name: "GleanExport", targets: ["GleanExport"]),
        .library(name: "GleanLabel", targets: ["GleanLabel"]),
        .executable(name: "glean", targets: ["glean"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // The labeling page's HTTP server (glean label).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `swift package generate-documentation` for the DocC catalog (scripts/docs.sh); a plugin, not linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CDNNL", path: "Sources/CDNNL"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        // Glean's own kernels where oneDNN 2.6 is slow (AVX2 Winograd F(4x4, 3x3), first-layer weight
        // gradients, bf16 Winograd F(2x2, 3x3)) and the arithmetic throughput probes.
        .target(name: "COwnKernels", cSettings: [.unsafeFlags(["-O3"])]),
        // Parallel loops on oneDNN's OpenMP team (libgomp), so that one pool of threads serves both.
        .target(name: "CThreadTeam", linkerSettings: [.linkedLibrary("gomp")]),
        .target(name: "GleanTensor", dependencies: ["CDNNL", "COwnKernels", "CThreadTeam"]),
        .target(name: "GleanNN", dependencies: ["GleanTensor"]),
        .target(name: "GleanData", dependencies: ["GleanTensor", "CZlib", "CPNG", "CTurboJPEG"]),
        .target(name: "GleanVision", dependencies: ["GleanNN"]),
        .target(name: "GleanTrain", dependencies: ["GleanNN", "GleanData"]),
        .target(name: "GleanMethods", dependencies: ["GleanTrain", "GleanVision"]),
        .target(name: "Glean", dependencies: ["GleanTensor", "GleanNN", "GleanData", "GleanVision", "GleanTrain", "GleanMethods"]),
        .target(name: "GleanBench", dependencies: ["Glean"]),
        // What a run was configured with, read safely: settings files (YAML, screened, then parsed
        // into option names and values) and checkpoint metadata.
        .target(name: "GleanConfig", dependencies: ["Glean", .product(name: "Yams", package: "Yams")]),
        // Models out of Glean: ONNX (opset 17) by tracing a forward pass; a small protobuf writer of
        // its own (the ONNX messages need a handful of field kinds; see docs/design-notes.md).
        .target(name: "GleanExport", dependencies: ["Glean"]),
        // What each command runs, as a library: data preparation and splits, run directories, the
        // standard callbacks and resume, optimizer and schedule construction, and one `…Run` type per
        // command (`TrainRun`, `SemiRun`, `SimCLRRun`, …) over its settings.
        // MPI is loaded at run time, only under an MPI launcher: nothing to link or include here.
        .target(name: "GleanDistributed", dependencies: ["GleanTrain"]),
        .target(name: "GleanExperiments", dependencies: ["Glean", "GleanBench", "GleanConfig", "GleanDistributed"]),
        // `glean label`: a labeling session kept on disk as answers come, and its page's server.
        .target(name: "GleanLabel", dependencies: ["Glean", .product(name: "Hummingbird", package: "hummingbird"),
                                                   .product(name: "Logging", package: "swift-log")]),
        .executableTarget(name: "glean", dependencies: [
            "Glean", "GleanBench", "GleanConfig", "GleanExperiments", "GleanExport", "GleanLabel",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // The worked example of the library (built in CI): FixMatch on 10 labels per class.
        .executableTarget(name: "fixmatch-example", dependencies: ["Glean"], path: "Examples/FixMatch"),
        // Fuzz targets for every reader of user-supplied bytes (scripts/fuzz.sh builds glean-fuzz with libFuzzer).
        .target(name: "GleanFuzz", dependencies: ["Glean", "GleanConfig"]),
        .executableTarget(name: "glean-fuzz", dependencies: ["GleanFuzz"]),
        // Scratch folders shared by the test targets (removed when the test process exits).
        .target(name: "GleanTestSupport", dependencies: ["Glean"], path: "Tests/Support"),
        // One test target per library target, named after it.
        .testTarget(name: "GleanTensorTests", dependencies: ["GleanTensor"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "GleanNNTests", dependencies: ["Glean", "GleanTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GleanDataTests", dependencies: ["Glean", "GleanFuzz", "GleanTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GleanVisionTests", dependencies: ["Glean"]),
        .testTarget(name: "GleanTrainTests", dependencies: ["Glean", "GleanTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GleanMethodsTests", dependencies: ["Glean"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GleanConfigTests", dependencies: ["GleanConfig"]),
        .testTarget(name: "GleanLabelTests", dependencies: ["GleanLabel", "Glean", "GleanTestSupport"]),
        .testTarget(name: "GleanExportTests", dependencies: ["GleanExport", "Glean", "GleanTestSupport"]),
        .testTarget(name: "GleanExperimentsTests", dependencies: ["GleanExperiments", "Glean", "GleanConfig", "GleanTestSupport"]),
        .testTarget(name: "GleanCLITests", dependencies: ["glean", "Glean", "GleanConfig", "GleanExperiments", "GleanFuzz", "GleanTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
