// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "qactl",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "qactl", targets: ["qactl"])
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // Signing keys (data dir, rotation) and the two kinds of JWT.
        .target(
            name: "Tokens",
            dependencies: [
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // Man pages rendered from the command tree that `qactl --experimental-dump-help` prints.
        .target(name: "CLIDocs", swiftSettings: swiftSettings),
        // Argument parsing only: every subcommand builds a configuration and calls a library.
        .executableTarget(
            name: "qactl",
            dependencies: [
                "Tokens",
                "CLIDocs",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // Writes man/ and completions/ from the built qactl (scripts/generate-docs).
        .executableTarget(name: "qactl-docs", dependencies: ["CLIDocs"], swiftSettings: swiftSettings),
        .testTarget(
            name: "TokensTests",
            dependencies: ["Tokens", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["qactl", "qactl-docs", "CLIDocs", "Tokens", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
    ]
)
