// swift-tools-version:6.2
import PackageDescription

// A package of its own so that jwt-kit (the peer we compare against) stays out of Jot's product build.
// Run it with `Benchmarks/run.sh` (release build, one measurement at a time).
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "JotBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "jot", path: ".."),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "4.5.2"),
        .package(url: "https://github.com/vapor/jwt-kit.git", exact: "5.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        // The timing harness, keep-alive sink and success-counting loop both executables share.
        .target(name: "BenchmarkSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "JotBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "JOSE", package: "jot"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // Token signing inside the issuer (TokenMinter) vs the raw primitive; a separate product so that
        // JotBenchmarks does not build Hummingbird. Run: Benchmarks/issuer-bench.sh (or --product IssuerBenchmarks).
        .executableTarget(
            name: "IssuerBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "JOSE", package: "jot"),
                .product(name: "TokenIssuer", package: "jot"),
                .product(name: "KeyStore", package: "jot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The protected route in process (router, middleware, verifier; no sockets): Benchmarks/verifier-bench.sh --routes.
        .executableTarget(
            name: "RouteBenchmarks",
            dependencies: [
                "BenchmarkSupport",
                .product(name: "JOSE", package: "jot"),
                .product(name: "JWTVerifier", package: "jot"),
                .product(name: "HummingbirdJWT", package: "jot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
