// swift-tools-version:6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "fastauth",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FastAuth", targets: ["FastAuth"]),
        .library(name: "FastAuthHTTP", targets: ["FastAuthHTTP"]),
        .library(name: "FastAuthVapor", targets: ["FastAuthVapor"]),
        .library(name: "FastAuthHummingbird", targets: ["FastAuthHummingbird"]),
        .library(name: "FastAuthTesting", targets: ["FastAuthTesting"]),
        .library(name: "FastAuthSQL", targets: ["FastAuthSQL"]),
        .library(name: "FastAuthDatabase", targets: ["FastAuthDatabase"]),
        .library(name: "FastAuthVerifier", targets: ["FastAuthVerifier"]),
        .library(name: "FastAuthEmail", targets: ["FastAuthEmail"]),
        .library(name: "FastAuthOAuth", targets: ["FastAuthOAuth"]),
        .executable(name: "fastauth", targets: ["fastauth"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        // No default traits: FastAuth needs neither swift-configuration nor full Foundation here.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .target(name: "CFastAuthMemory"),
        // RSA signing through the system's OpenSSL 3, opened with dlopen at run time (no
        // OpenSSL headers or link-time dependency; BoringSSL signs when it is absent).
        .target(
            name: "CFastAuthOpenSSL",
            linkerSettings: [.linkedLibrary("dl", .when(platforms: [.linux]))]
        ),
        // The wire engine: JSON, base64url, compact JWS, the claim table and the signature
        // primitives. Attacker-facing bytes are read through `Span`; memory-safety checking is on
        // and every remaining `unsafe` (C and swift-crypto pointer APIs) says why it is sound.
        .target(
            name: "FastAuthJWS",
            dependencies: [
                "CFastAuthOpenSSL",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings + [
                .strictMemorySafety(),
                .enableExperimentalFeature("Lifetimes"),
                .treatWarning("StrictMemorySafety", as: .error),
            ]
        ),
        .target(
            name: "FastAuth",
            dependencies: [
                "FastAuthJWS",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP API declared once (routes, handlers into the core, OpenAPI); no framework here.
        .target(
            name: "FastAuthHTTP",
            dependencies: ["FastAuth", "FastAuthOAuth"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthVapor",
            dependencies: [
                "FastAuth",
                "FastAuthHTTP",
                "FastAuthVerifier",
                "FastAuthOAuth",
                .product(name: "Vapor", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthHummingbird",
            dependencies: [
                "FastAuth",
                "FastAuthHTTP",
                "FastAuthOAuth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthTesting",
            dependencies: ["FastAuth"],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "fastauth",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Vapor", package: "vapor"),
                "FastAuth",
                "FastAuthVapor",
                "FastAuthHummingbird",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "FastAuthSQL",
                "FastAuthDatabase",
                "FastAuthEmail",
                "FastAuthOAuth",
                "CFastAuthMemory",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthDatabase",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SQLKit", package: "sql-kit"),
                "FastAuthSQL",
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "jwt-auth-service",
            dependencies: [
                "FastAuth", "FastAuthSQL", "FastAuthDatabase", "FastAuthVapor",
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Examples/JWTMicroservice/Sources/AuthService",
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "jwt-resource-service",
            dependencies: [
                "FastAuth", "FastAuthVerifier", "FastAuthVapor",
                .product(name: "Vapor", package: "vapor"),
            ],
            path: "Examples/JWTMicroservice/Sources/ResourceService",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthTests",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Vapor", package: "vapor"),
                "FastAuth", "FastAuthTesting", "FastAuthVapor", "FastAuthSQL", "FastAuthDatabase", "FastAuthOAuth",
                "FastAuthHTTP", "FastAuthHummingbird", "fastauth",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "VaporTesting", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthConformanceTests",
            dependencies: ["FastAuth", "FastAuthJWS", "FastAuthTesting"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthSQL",
            dependencies: [
                "FastAuth",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthVerifier",
            dependencies: [
                "FastAuth",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthVerifierTests",
            dependencies: [
                "FastAuth",
                .product(name: "Vapor", package: "vapor"),
                "FastAuthVerifier", "FastAuthTesting", "FastAuthVapor",
                .product(name: "VaporTesting", package: "vapor"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthEmail",
            dependencies: [
                "FastAuth",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthEmailTests",
            dependencies: [
                "FastAuth",
                "FastAuthEmail", "FastAuthTesting",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "FastAuthOAuth",
            dependencies: [
                "FastAuth",
                "FastAuthVerifier",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthOAuthTests",
            dependencies: [
                "FastAuth",
                "FastAuthOAuth", "FastAuthVerifier", "FastAuthTesting",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "FastAuthSQLTests",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "FastAuth",
                .product(name: "SQLKit", package: "sql-kit"),
                "FastAuthSQL", "FastAuthTesting", "FastAuthDatabase", "fastauth",
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)

// Fuzz targets (Fuzz/, libFuzzer): declared only when FASTAUTH_FUZZ is set while this manifest
// is evaluated, so `swift build` and `swift test` never see, plan or compile them. `Fuzz/run.sh`
// sets it and builds them with `-sanitize=fuzzer,address` into a scratch path of their own
// (`.build-fuzz`). They are here rather than in a nested package because they call `package`
// entry points (the JSON scanner, the compact-JWS parser, the Cache-Control reader), which only
// targets of this package can see.
if Context.environment["FASTAUTH_FUZZ"] != nil {
    package.targets.append(.target(name: "CFuzzDriver", path: "Fuzz/Sources/CFuzzDriver"))
    package.targets.append(
        .target(
            name: "FuzzSupport", dependencies: ["CFuzzDriver"], path: "Fuzz/Sources/FuzzSupport",
            swiftSettings: swiftSettings))
    let fuzzTargets: [(name: String, dependencies: [Target.Dependency])] = [
        ("FuzzJWS", ["FastAuth", "FastAuthJWS"]),
        ("FuzzJSON", ["FastAuthJWS"]),
        ("FuzzBase64URL", ["FastAuthJWS"]),
        ("FuzzJWKS", ["FastAuth"]),
        ("FuzzRequestBody", ["FastAuth"]),
        ("FuzzHeaders", ["FastAuth"]),
        ("FuzzForwarded", ["FastAuth"]),
        ("FuzzSMTPReply", ["FastAuth", "FastAuthEmail"]),
        ("FuzzOAuth", ["FastAuth", "FastAuthOAuth"]),
        ("FuzzHTTPFields", ["FastAuthHTTP"]),
    ]
    for target in fuzzTargets {
        package.targets.append(
            .executableTarget(
                name: target.name, dependencies: target.dependencies + ["FuzzSupport"],
                path: "Fuzz/Sources/\(target.name)", swiftSettings: swiftSettings))
    }
}
