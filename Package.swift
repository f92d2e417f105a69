// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "qactl",
    // The client library's floor: Observation, and Synchronization's Atomic (macOS 15, iOS 18); Linux has both with Swift 6.
    platforms: [.macOS(.v15), .iOS(.v18)],
    products: [
        .executable(name: "qactl", targets: ["qactl"]),
        // The Swift sync client, for apps: `.product(name: "QACtlSync", package: "qactl")`, then `import QACtlSync`.
        .library(name: "QACtlSync", targets: ["QACtlSync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // `swift package generate-documentation --target QACtlSync`; built only when that runs.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // Signing keys (data dir, rotation) and the two kinds of JWT.
        .target(
            name: "Tokens",
            dependencies: [
                "ShapeWire",
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        // The shape protocol's wire format: offsets, messages, headers, schema, row keys.
        .target(name: "ShapeWire", swiftSettings: swiftSettings),
        // Shape `where` clauses: parser, evaluator, normalised identity, SQL prefilter.
        .target(name: "ShapeWhere", swiftSettings: swiftSettings),
        // What flows from a store to the sync service: committed transactions, snapshots and
        // their visibility, persisted shapes, the ShapeSource protocol. No database library.
        .target(name: "SyncModel", dependencies: ["ShapeWire", "ShapeWhere"], swiftSettings: swiftSettings),
        // The app's data model and its write rules (ownership, idempotency), decided once for every store.
        .target(name: "AppModel", dependencies: ["SyncModel", "ShapeWire"], swiftSettings: swiftSettings),
        // The embedded SQLite store (migrations, txids, change capture) and PostgreSQL's local replication log.
        .target(
            name: "SQLiteStore",
            dependencies: ["SyncModel", "AppModel", "ShapeWire", "ShapeWhere", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // What qactl's commands share on this machine: the data dir layout, settings from the
        // environment, a user's tokens from the local keys, exit statuses.
        .target(
            name: "LocalSetup",
            dependencies: ["Tokens", .product(name: "UnixSignals", package: "swift-service-lifecycle")],
            swiftSettings: swiftSettings),
        // pipe2 and posix_spawn's close-from and chdir, which Swift's Glibc module does not declare.
        .target(name: "CProcessShims"),
        // Child processes that inherit nothing but their standard streams, waited for by pid.
        .target(name: "ProcessSpawning", dependencies: ["CProcessShims"], swiftSettings: swiftSettings),
        // libpq, for the logical replication stream (postgres-nio cannot do CopyBoth).
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Committed transactions out of PostgreSQL: pgoutput decoder, assembler, libpq replication connection, set-up checks.
        .target(name: "ChangeFeed", dependencies: ["CLibPQ", "SyncModel"], swiftSettings: swiftSettings),
        // Throwaway PostgreSQL clusters for tests and CI (as the postgres user when running as root).
        .target(name: "PostgresHarness", dependencies: ["ProcessSpawning"], swiftSettings: swiftSettings),
        // The production store on PostgreSQL: postgres-nio pool, migrations, writes, snapshots, replication pump.
        .target(
            name: "PostgresStore",
            dependencies: [
                "SyncModel", "AppModel", "SQLiteStore", "ShapeWire", "ShapeWhere", "ChangeFeed",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Shapes: definitions, handles, snapshots, logs, long-polls, the /v1/shape responder.
        .target(
            name: "SyncService",
            dependencies: ["ShapeWire", "ShapeWhere", "SyncModel", "CZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),
        // Answerers: built-in passage ranking, OpenAI-compatible streaming, a command.
        .target(
            name: "Answering",
            dependencies: [
                "ProcessSpawning", "TransportFailures",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The HTTP server: routes, health, lifecycle.
        .target(
            name: "Server",
            dependencies: [
                "SyncService", "SyncModel", "AppModel", "SQLiteStore", "Tokens", "Answering", "PostgresStore", "ChangeFeed", "ShapeWire", "LocalSetup", "TransportFailures",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The console's files are embedded by scripts/generate-docs (Console/ConsoleAssets+Generated.swift).
            exclude: ["Console/Assets"],
            swiftSettings: swiftSettings
        ),
        // qactl's release version: one number for the tool and the client library.
        .target(name: "QACtlVersion", swiftSettings: swiftSettings),
        // How a failed HTTP exchange is worded, one way for every command and the server.
        .target(
            name: "TransportFailures",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The Swift sync client (the QACtlSync product): shape stream, shape tokens, collections with optimistic
        // transactions, live queries, observable results, local replica. Nothing server-side or Linux-only.
        .target(
            name: "QACtlSync",
            dependencies: [
                "ShapeWire", "QACtlVersion", "TransportFailures",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // `qactl tail-txid`: transactions as they arrive, from a shape or from PostgreSQL's WAL.
        .target(
            name: "TxidTail",
            dependencies: [
                "QACtlSync", "Tokens", "ChangeFeed", "CLibPQ", "ShapeWire", "SyncModel", "LocalSetup", "TransportFailures",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `qactl chat`: the terminal client on the sync client.
        .target(
            name: "ChatUI",
            dependencies: [
                "QACtlSync", "Tokens", "ShapeWire", "LocalSetup", "TransportFailures",
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // `qactl bench`: performance scenarios with baselines measured in the same run.
        .target(
            name: "Benchmarks",
            dependencies: [
                "Server", "SyncModel", "AppModel", "SQLiteStore", "SyncService", "ShapeWire", "Tokens", "PostgresStore", "PostgresHarness", "ProcessSpawning", "ChangeFeed", "QACtlSync", "LocalSetup", "Answering",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        // Man pages rendered from the command tree that `qactl --experimental-dump-help` prints.
        .target(name: "CLIDocs", dependencies: ["LocalSetup", "ProcessSpawning"], swiftSettings: swiftSettings),
        // Argument parsing only: every subcommand builds a configuration and calls a library.
        .executableTarget(
            name: "qactl",
            dependencies: [
                "Tokens",
                "LocalSetup",
                "QACtlVersion",
                "CLIDocs",
                "Server",
                "PostgresStore",
                "SQLiteStore",
                "Benchmarks",
                "TxidTail",
                "ChatUI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
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
            dependencies: ["qactl", "qactl-docs", "CLIDocs", "Tokens", "QACtlTestSupport", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AnsweringTests",
            dependencies: [
                "Answering",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Test support shared by the test targets that run `qactl` as a process.
        .target(
            name: "QACtlTestSupport",
            dependencies: [
                "Tokens", "PostgresHarness", "ProcessSpawning",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/QACtlTestSupport", swiftSettings: swiftSettings),
        // Every route of the server in process (HummingbirdTesting), over a real SQLite store.
        .testTarget(
            name: "ServerRouterTests",
            dependencies: [
                "Server", "SQLiteStore", "SyncService", "Tokens", "LocalSetup",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // Faults from outside: real processes, a throwaway PostgreSQL, each case asserting that
        // every acknowledged write arrives exactly once and nothing stays stuck.
        .testTarget(
            name: "FaultTests",
            dependencies: ["qactl", "PostgresHarness", "QACtlTestSupport", "QACtlSync"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SyncClientTests",
            // "qactl" so that `swift test` builds the server the tests start.
            dependencies: ["QACtlSync", "ShapeWire", "qactl", "QACtlTestSupport", "PostgresHarness"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TxidTailTests",
            // "qactl" so that `swift test` builds the binary the tests run (serve and tail-txid).
            dependencies: ["TxidTail", "qactl", "PostgresHarness", "ProcessSpawning", "QACtlSync", "ShapeWire", "Tokens", "SyncModel", "ChangeFeed"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ChatUITests",
            // "qactl" so that `swift test` builds the binary the tests run (serve and chat).
            dependencies: ["ChatUI", "QACtlSync", "ShapeWire", "qactl", "QACtlTestSupport", "PostgresHarness"],
            swiftSettings: swiftSettings
        ),
        // The release as a user meets it: one version everywhere, and Examples/QAClient built as a
        // package of its own and run against a real `qactl serve` ("qactl" so that `swift test` builds it).
        .testTarget(name: "ReleaseTests", dependencies: ["qactl", "QACtlVersion", "QACtlTestSupport"], swiftSettings: swiftSettings),
        // The web console in headless Chromium (Debian's chromium and chromium-driver) over WebDriver,
        // against a real `qactl serve` ("qactl" so that `swift test` builds it).
        .testTarget(
            name: "ConsoleBrowserTests",
            dependencies: ["qactl", "QACtlTestSupport", "PostgresHarness", .product(name: "NIOHTTP1", package: "swift-nio")],
            swiftSettings: swiftSettings),
        .testTarget(name: "ChangeFeedTests", dependencies: ["ChangeFeed", "PostgresHarness", "SyncModel"], swiftSettings: swiftSettings),
        .testTarget(name: "ShapeWhereTests", dependencies: ["ShapeWhere"], swiftSettings: swiftSettings),
        .testTarget(name: "ProcessSpawningTests", dependencies: ["ProcessSpawning"], swiftSettings: swiftSettings),
        .testTarget(name: "ShapeWireTests", dependencies: ["ShapeWire"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "qactl", "SyncModel", "AppModel", "SQLiteStore", "ShapeWire", "Tokens", "PostgresHarness", "QACtlTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
