// swift-tools-version: 6.1
import Foundation
import PackageDescription

/// Hot code is compiled for the build machine's CPU: every supported machine has AVX2+FMA
/// (`haswell`); machines with AVX-512 get `skylake-avx512`. Without a CPU target, SIMD
/// fused multiply-add becomes a libm call. `RAGTUNE_TARGET_CPU` overrides the detection.
let targetCPU: String = {
    if let forced = ProcessInfo.processInfo.environment["RAGTUNE_TARGET_CPU"], !forced.isEmpty {
        return forced
    }
    let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
    let flags = Set(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?
        .split(separator: " ").map(String.init) ?? [])
    if ["avx512f", "avx512bw", "avx512vl", "avx512dq"].allSatisfy(flags.contains) {
        return "skylake-avx512"
    }
    return "haswell"
}()

/// Kernels stay optimized even in debug builds, so `swift test` runs at a usable speed.
let hotCode: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", targetCPU]),
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
let cpuOnly: [SwiftSetting] = [.unsafeFlags(["-target-cpu", targetCPU])]

let package = Package(
    name: "RagTune",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ragtune", targets: ["ragtune"]),
        .library(name: "RagTuneModels", targets: ["RagTuneModels"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        // The HTTP server; only RagTuneServer, ragtune-server and their tests depend on it.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // The PostgreSQL store; only RagTunePostgres, the executables and its tests depend on it.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        // The int8 decode kernels (AVX2 / AVX-512 VNNI intrinsics, chosen at run time): every
        // supported machine has AVX2, FMA and F16C, so the file-wide flags are safe; the VNNI code
        // carries its own target attribute. Optimized in debug builds too.
        .target(name: "CKernels", path: "Sources/CKernels",
                cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c"])]),
        .target(name: "RagTuneTensor", dependencies: ["CBLAS", "CKernels"], path: "Sources/Tensor",
                swiftSettings: hotCode),
        .target(name: "RagTuneModelFiles", dependencies: ["RagTuneTensor"], path: "Sources/ModelFiles",
                swiftSettings: hotCode),
        .target(name: "RagTuneTokenizers", dependencies: ["RagTuneModelFiles"], path: "Sources/Tokenizers",
                swiftSettings: hotCode),
        .target(name: "RagTuneModels",
                dependencies: ["RagTuneTensor", "RagTuneModelFiles", "RagTuneTokenizers"],
                path: "Sources/Models", swiftSettings: hotCode),
        .target(name: "RagTuneRetrieval", dependencies: ["RagTuneTensor", .product(name: "Yams", package: "Yams")],
                path: "Sources/Retrieval", swiftSettings: hotCode),
        .target(name: "RagTuneCharts", path: "Sources/Charts"),
        .target(name: "RagTuneStorage",
                dependencies: ["RagTuneRetrieval", "RagTuneTensor", .product(name: "GRDB", package: "GRDB.swift")],
                path: "Sources/Storage", swiftSettings: cpuOnly),
        // The PostgreSQL + pgvector document store (`--store postgres://…`), on postgres-nio.
        .target(name: "RagTunePostgres",
                dependencies: ["RagTuneStorage", "RagTuneRetrieval", "RagTuneTensor",
                               .product(name: "PostgresNIO", package: "postgres-nio"),
                               .product(name: "NIOPosix", package: "swift-nio"),
                               .product(name: "NIOSSL", package: "swift-nio-ssl"),
                               .product(name: "Logging", package: "swift-log")],
                path: "Sources/Postgres", swiftSettings: cpuOnly),
        .target(name: "RagTuneEvaluation",
                dependencies: ["RagTuneTensor", "RagTuneRetrieval", "RagTuneStorage", "RagTuneModels", "RagTuneRAG", "RagTuneCharts",
                               "RagTuneTraining", "RagTunePostgres"],
                path: "Sources/Evaluation",
                swiftSettings: cpuOnly),
        .target(name: "RagTuneRAG", dependencies: ["RagTuneTensor", "RagTuneStorage", "RagTunePostgres", "RagTuneModels", "RagTuneRetrieval",
                                                   "RagTuneTokenizers"],
                path: "Sources/RAG", swiftSettings: cpuOnly),
        .target(name: "RagTuneTraining",
                dependencies: ["RagTuneTensor", "RagTuneModelFiles", "RagTuneTokenizers", "RagTuneModels", "RagTuneCharts",
                               .product(name: "Yams", package: "Yams")],
                path: "Sources/Training", swiftSettings: hotCode),
        // Benchmarks, machine probes, the fuzz harness and the kill -9 trials; `ragtune bench` is a thin
        // layer over it. Hot code: the bandwidth probe and the timed loops must not run unoptimized.
        .target(name: "RagTuneBench",
                dependencies: ["RagTuneTensor", "RagTuneModelFiles", "RagTuneTokenizers", "RagTuneModels",
                               "RagTuneRetrieval", "RagTuneEvaluation", "RagTuneStorage", "RagTunePostgres", "RagTuneTraining"],
                path: "Sources/Bench", swiftSettings: hotCode),
        .executableTarget(
            name: "ragtune",
            dependencies: [
                "RagTuneTensor", "RagTuneModelFiles", "RagTuneTokenizers", "RagTuneModels",
                "RagTuneRetrieval", "RagTuneEvaluation", "RagTuneStorage", "RagTuneRAG", "RagTunePostgres",
                "RagTuneTraining", "RagTuneBench",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/ragtune", swiftSettings: cpuOnly),
        // The OpenAI-compatible HTTP server (`ragtune serve`): its own library and executable, so the
        // CLI and the other libraries do not pay Hummingbird's build time. `ragtune serve` runs the
        // `ragtune-server` executable built beside it.
        .target(name: "RagTuneServer",
                dependencies: ["RagTuneModels", "RagTuneTokenizers", "RagTuneTraining", "RagTuneStorage", "RagTuneRAG",
                               "RagTuneRetrieval", "RagTunePostgres",
                               .product(name: "Hummingbird", package: "hummingbird"),
                               .product(name: "Logging", package: "swift-log"),
                               .product(name: "Prometheus", package: "swift-prometheus"),
                               .product(name: "Yams", package: "Yams")],
                path: "Sources/Server", swiftSettings: cpuOnly),
        .executableTarget(name: "ragtune-server",
                          dependencies: ["RagTuneServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")],
                          path: "Sources/ragtune-server", swiftSettings: cpuOnly),
        // Traits and helpers shared by the test targets (model availability); only tests depend on it.
        .target(name: "RagTuneTestSupport",
                dependencies: ["RagTuneModels", "RagTuneRAG", "RagTuneRetrieval", "RagTuneStorage", "RagTuneTokenizers",
                               "RagTunePostgres"],
                path: "Tests/TestSupport",
                swiftSettings: cpuOnly),
        // Test-only C: the test executable's own malloc family, counting a thread's allocations
        // (the decode step's "no allocation per token"); every call still goes to glibc.
        .target(name: "AllocationCounting", path: "Tests/AllocationCounting", linkerSettings: [.linkedLibrary("dl")]),
        .testTarget(name: "ChartsTests", dependencies: ["RagTuneCharts"], path: "Tests/ChartsTests"),
        .testTarget(name: "TensorTests", dependencies: ["RagTuneTensor"], path: "Tests/TensorTests",
                    swiftSettings: cpuOnly),
        .testTarget(name: "ModelFilesTests", dependencies: ["RagTuneModelFiles", "RagTuneTensor"],
                    path: "Tests/ModelFilesTests", swiftSettings: cpuOnly),
        .testTarget(name: "TokenizersTests", dependencies: ["RagTuneTokenizers", "RagTuneModelFiles", "RagTuneTensor", "RagTuneTestSupport"],
                    path: "Tests/TokenizersTests",
                    swiftSettings: cpuOnly),
        .testTarget(name: "RetrievalTests", dependencies: ["RagTuneRetrieval", "RagTuneTensor"],
                    path: "Tests/RetrievalTests", exclude: ["Fixtures"], swiftSettings: cpuOnly),
        .testTarget(name: "StorageTests", dependencies: ["RagTuneStorage", "RagTuneRetrieval", "RagTuneTensor"],
                    path: "Tests/StorageTests", swiftSettings: cpuOnly),
        // The shared store suite, run against SQLite and a real PostgreSQL (scripts/postgres.sh).
        .testTarget(name: "PostgresTests", dependencies: ["RagTunePostgres", "RagTuneStorage", "RagTuneRetrieval", "RagTuneTestSupport",
                                                          "RagTuneTensor", "RagTuneRAG"],
                    path: "Tests/PostgresTests", swiftSettings: cpuOnly),
        .testTarget(name: "EvaluationTests",
                    dependencies: ["RagTuneEvaluation", "RagTuneTestSupport", "RagTuneRAG", "RagTuneRetrieval", "RagTuneStorage"],
                    path: "Tests/EvaluationTests",
                    exclude: ["Fixtures"], swiftSettings: cpuOnly),
        .testTarget(name: "BenchTests",
                    dependencies: ["RagTuneBench", "RagTuneTestSupport", "RagTuneModels", "RagTuneRetrieval", "RagTuneTensor",
                                   "RagTuneTraining"],
                    path: "Tests/BenchTests", swiftSettings: cpuOnly),
        .testTarget(name: "RagTuneCLITests",
                    dependencies: ["ragtune", "RagTuneBench", "RagTuneTestSupport", "RagTuneModelFiles", "RagTuneModels", "RagTuneRAG", "RagTuneRetrieval",
                                   "RagTuneStorage", "RagTuneTensor", "RagTuneTokenizers", "RagTuneTraining", "RagTunePostgres"],
                    path: "Tests/RagTuneCLITests", swiftSettings: cpuOnly),
        .testTarget(name: "RAGTests",
                    dependencies: ["RagTuneRAG", "RagTuneTestSupport", "RagTuneModelFiles", "RagTuneModels", "RagTuneRetrieval", "RagTuneStorage",
                                   "RagTuneTensor", "RagTuneTokenizers"],
                    path: "Tests/RAGTests", swiftSettings: cpuOnly),
        .testTarget(name: "TrainingTests",
                    dependencies: ["RagTuneTraining", "RagTuneTestSupport", "RagTuneModelFiles", "RagTuneModels", "RagTuneTensor", "RagTuneTokenizers"],
                    path: "Tests/TrainingTests", swiftSettings: cpuOnly),
        .testTarget(name: "ServerTests",
                    dependencies: ["RagTuneServer", "RagTuneTestSupport", "RagTuneModels", "RagTuneStorage", "RagTuneTraining", "RagTuneRAG",
                                   "RagTuneTensor", .product(name: "HummingbirdTesting", package: "hummingbird")],
                    path: "Tests/ServerTests", exclude: ["openai_client_check.py", "load_check.py"], swiftSettings: cpuOnly),
        .testTarget(name: "ModelsTests",
                    dependencies: ["RagTuneModels", "RagTuneTestSupport", "RagTuneModelFiles", "RagTuneTensor", "RagTuneTokenizers",
                                   "AllocationCounting"],
                    path: "Tests/ModelsTests", swiftSettings: cpuOnly),
    ]
)
