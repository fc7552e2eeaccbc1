// swift-tools-version:6.2
// A package outside Jot's own: it depends on JWTVerifier and HummingbirdJWT by path, as a user's service would, and
// protects a route with the README's lines. scripts/run-tests builds and tests it (`swift test --package-path …`).
import PackageDescription

let package = Package(
    name: "ProtectedService",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "jot", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
    ],
    targets: [
        .target(
            name: "ProtectedService",
            dependencies: [
                .product(name: "JWTVerifier", package: "jot"),
                .product(name: "HummingbirdJWT", package: "jot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
            ]
        ),
        .testTarget(
            name: "ProtectedServiceTests",
            dependencies: [
                "ProtectedService",
                .product(name: "JOSE", package: "jot"),
                .product(name: "JWTVerifier", package: "jot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
