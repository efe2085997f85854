// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "mlv",
  products: [
    .executable(name: "mlv", targets: ["mlv"]),
    .library(name: "MLVCore", targets: ["MLVCore"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    // YAML for stage definitions, params and metrics files (and contracts next).
    .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    // HTTP for `mlv serve`, and its Prometheus metrics: only the MLVServer target links them.
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.0.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
    // S3-compatible remotes: HTTP/1.1 with TLS, pooled connections (only MLVRemote links it).
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
  ],
  targets: [
    // C libraries: a modulemap and a one-line shim each; exactly one Swift module imports each.
    .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

    .target(name: "MLVStore", dependencies: ["CZlib", "COpenSSL"]),
    .target(name: "MLVGit", dependencies: ["CLibGit2", "MLVStore"]),
    // Tabular readers, contracts (and drift next): pure Swift over byte sources, no I/O policy.
    .target(name: "MLVData", dependencies: ["MLVStore", .product(name: "Yams", package: "Yams")]),
    // Remotes: a directory or an S3-compatible bucket holding a store in the same format.
    .target(
      name: "MLVRemote",
      dependencies: [
        "MLVStore", .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
      ]
    ),
    .target(
      name: "MLVCore", dependencies: ["MLVStore", "MLVGit", "MLVData", "MLVRemote", .product(name: "Yams", package: "Yams")]),
    // HTTP only: predict routes, health, metrics over the model runtime in MLVCore.
    .target(
      name: "MLVServer",
      dependencies: [
        "MLVCore", "MLVData", "MLVStore", .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Metrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Logging", package: "swift-log"), .product(name: "NIOCore", package: "swift-nio"),
      ],
      // The Python worker shim, compiled into the binary (its source of truth is templates/serve).
      resources: [.embedInCode("mlv_worker.py")]
    ),
    .executableTarget(
      name: "mlv",
      dependencies: [
        "MLVCore", "MLVStore", "MLVGit", "MLVData", "MLVRemote", "MLVServer",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .target(name: "MLVTestSupport", path: "Sources/MLVTestSupport"),

    .testTarget(name: "MLVStoreTests", dependencies: ["MLVStore", "MLVTestSupport"]),
    .testTarget(name: "MLVGitTests", dependencies: ["MLVGit", "MLVTestSupport"]),
    // Fixtures/drift holds SciPy's values (and the script that computes them), read by path.
    .testTarget(name: "MLVDataTests", dependencies: ["MLVData", "MLVStore", "MLVTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "MLVCoreTests", dependencies: ["MLVCore", "MLVTestSupport"]),
    .testTarget(name: "MLVRemoteTests", dependencies: ["MLVRemote", "MLVStore", "MLVTestSupport"]),
    // Fixtures/serve_compat.py checks the server with MLflow's and Triton's own client code.
    .testTarget(name: "EndToEndTests", dependencies: ["MLVTestSupport", "MLVStore"], exclude: ["Fixtures"]),
  ],
  swiftLanguageModes: [.v6]
)
