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
    .target(name: "MLVCore", dependencies: ["MLVStore", "MLVGit", "MLVData", .product(name: "Yams", package: "Yams")]),
    .executableTarget(
      name: "mlv",
      dependencies: ["MLVCore", "MLVStore", "MLVGit", "MLVData", .product(name: "ArgumentParser", package: "swift-argument-parser")]
    ),
    .target(name: "MLVTestSupport", path: "Sources/MLVTestSupport"),

    .testTarget(name: "MLVStoreTests", dependencies: ["MLVStore", "MLVTestSupport"]),
    .testTarget(name: "MLVGitTests", dependencies: ["MLVGit", "MLVTestSupport"]),
    // Fixtures/drift holds SciPy's values (and the script that computes them), read by path.
    .testTarget(name: "MLVDataTests", dependencies: ["MLVData", "MLVStore", "MLVTestSupport"], exclude: ["Fixtures"]),
    .testTarget(name: "MLVCoreTests", dependencies: ["MLVCore", "MLVTestSupport"]),
    .testTarget(name: "EndToEndTests", dependencies: ["MLVTestSupport", "MLVStore"]),
  ],
  swiftLanguageModes: [.v6]
)
