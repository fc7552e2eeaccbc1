// swift-tools-version:6.2
import PackageDescription

let settings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "jot",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "JOSE", targets: ["JOSE"]),
        .library(name: "KeyStore", targets: ["KeyStore"]),
        .library(name: "TokenIssuer", targets: ["TokenIssuer"]),
        .library(name: "PostgresStore", targets: ["PostgresStore"]),
        .library(name: "JWTVerifier", targets: ["JWTVerifier"]),
        .library(name: "HummingbirdJWT", targets: ["HummingbirdJWT"]),
        .executable(name: "jot", targets: ["jot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        // DocC catalogs (Sources/*/Documentation.docc) and `swift package generate-documentation`; plugin only, nothing links it.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
    ],
    targets: [
        .target(
            name: "JOSE",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "KeyStore",
            dependencies: ["JOSE", .product(name: "Crypto", package: "swift-crypto"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: settings
        ),
        .target(
            name: "ServerSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "TokenIssuer",
            dependencies: [
                "JOSE", "KeyStore", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: [
                .embedInCode("OpenAPI/openapi.json"),
                .embedInCode("Templates/page-head.mustache"),
                .embedInCode("Templates/page-foot.mustache"),
                .embedInCode("Templates/login.mustache"),
                .embedInCode("Templates/consent.mustache"),
                .embedInCode("Templates/error.mustache"),
                .embedInCode("Users/common-passwords.txt"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "PostgresStore",
            dependencies: [
                "JOSE", "KeyStore", "TokenIssuer",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "JWTVerifier",
            dependencies: [
                "JOSE",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "HummingbirdJWT",
            dependencies: [
                "JOSE", "JWTVerifier",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: settings
        ),
        .target(
            name: "JotCLI",
            dependencies: [
                "JOSE", "KeyStore", "TokenIssuer", "JWTVerifier", "ServerSupport", "PostgresStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Configuration", package: "swift-configuration"),
            ],
            swiftSettings: settings
        ),
        .executableTarget(
            name: "jot",
            dependencies: ["JotCLI", "ServerSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: settings
        ),
        .target(
            name: "ExampleSupport",
            dependencies: [
                "JOSE", "JWTVerifier", "HummingbirdJWT", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/ExampleSupport",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "serverless-auth",
            dependencies: [
                "ExampleSupport", "JOSE", "JWTVerifier", "ServerSupport", "TokenIssuer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Examples/serverless-auth",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "photo-album",
            dependencies: [
                "ExampleSupport", "JOSE", "JWTVerifier", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Examples/photo-album",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "pangolin-service",
            dependencies: [
                "ExampleSupport", "HummingbirdJWT", "JOSE", "JWTVerifier", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Examples/pangolin-service",
            swiftSettings: settings
        ),
        .executableTarget(
            name: "photo-service",
            dependencies: [
                "ExampleSupport", "HummingbirdJWT", "JOSE", "JWTVerifier", "ServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Examples/photo-service",
            swiftSettings: settings
        ),
        .target(
            name: "TestPKI",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Tests/TestPKI",
            swiftSettings: settings
        ),
        .testTarget(
            name: "JotCLITests",
            dependencies: [
                "JotCLI", "JOSE", "KeyStore", "ServerSupport", "TokenIssuer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "KeyStoreTests",
            dependencies: [
                "KeyStore", "JOSE", "PostgresStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "JOSETests",
            dependencies: [
                "JOSE",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Vectors")],
            swiftSettings: settings
        ),
        .testTarget(
            name: "JWTVerifierTests",
            dependencies: [
                "JWTVerifier", "JOSE", "TestPKI",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "TokenIssuerTests",
            dependencies: [
                "TokenIssuer", "KeyStore", "JOSE", "ServerSupport", "PostgresStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "HummingbirdJWTTests",
            dependencies: [
                "HummingbirdJWT", "JWTVerifier", "JOSE",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: settings
        ),
        .testTarget(
            name: "ServerSupportTests",
            dependencies: [
                "ServerSupport", "TestPKI",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: settings
        ),
        // The documented authorizer lives in the serverless-auth example (built on Verifier); tested through @testable.
        .testTarget(name: "AuthorizerTests", dependencies: ["serverless-auth", "JWTVerifier", "JOSE"], swiftSettings: settings),
    ]
)

// Fuzz targets (Fuzz/README.md). Declared only when JOT_FUZZ is set: `scripts/fuzz` builds them with
// `-sanitize=fuzzer,address` in its own scratch path (.build-fuzz), so `swift build` and `swift test` never see them.
if Context.environment["JOT_FUZZ"] != nil {
    package.targets += [
        .target(
            name: "FuzzSupport",
            dependencies: ["JOSE", .product(name: "Crypto", package: "swift-crypto")],
            path: "Fuzz/FuzzSupport",
            swiftSettings: settings
        ),
        .executableTarget(name: "FuzzJSONReader", dependencies: ["JOSE", "FuzzSupport"], path: "Fuzz/FuzzJSONReader", swiftSettings: settings),
        .executableTarget(name: "FuzzCompactJWS", dependencies: ["JOSE", "FuzzSupport"], path: "Fuzz/FuzzCompactJWS", swiftSettings: settings),
        .executableTarget(name: "FuzzJWK", dependencies: ["JOSE", "FuzzSupport"], path: "Fuzz/FuzzJWK", swiftSettings: settings),
    ]
}
