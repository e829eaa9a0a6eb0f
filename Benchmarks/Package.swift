// swift-tools-version:6.2
import PackageDescription

// Benchmarks for FastAuth: a nested package so the library itself never
// depends on the benchmark harness. Run from this folder:
//   swift package --disable-sandbox benchmark
// See README.md and ../docs/PERFORMANCE.md.
let package = Package(
    name: "FastAuthBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "fastauth", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
    ],
    targets: [
        // Fixtures shared by the benchmarks and the profiling executable: one configuration
        // per algorithm, the same claims through FastAuth, jwt-kit and the raw primitives;
        // for the resource-server verifier, a pool of distinct tokens and a fixed JWKS.
        .target(
            name: "BenchSupport",
            dependencies: [
                .product(name: "FastAuth", package: "fastauth"),
                .product(name: "FastAuthTesting", package: "fastauth"),
                .product(name: "FastAuthVerifier", package: "fastauth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            path: "Sources/BenchSupport"
        ),
        // `swift package benchmark` (ordo-one/benchmark plugin layout: Benchmarks/<Name>/).
        .executableTarget(
            name: "TokenBenchmarks",
            dependencies: [
                "BenchSupport",
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/TokenBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // A plain loop over one operation, for `perf record` / `valgrind --tool=callgrind`.
        .executableTarget(
            name: "fastauth-profile",
            dependencies: ["BenchSupport"],
            path: "Sources/fastauth-profile"
        ),
    ]
)
