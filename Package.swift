// swift-tools-version: 6.2
import PackageDescription

// Parley: a thin `parley` executable over these libraries.
//   ParleyOutbound    – every outbound HTTP request: pool size, no redirects, HTTPS_PROXY/NO_PROXY;
//                       Retry-After parsing, the one deadline race and the Duration conversions.
//   ParleyIdentity    – Entra credentials and the token cache (no Hummingbird).
//   ParleyAzureOpenAI – the Azure OpenAI chat-completions client (no Hummingbird).
//   ParleyChat        – sessions, bounded memory, prompt assembly, the offline responder.
//   ParleyServer      – the HTTP layer (Hummingbird), configuration, metrics and the composition root.
//   ParleyDoctor      – `parley doctor`: the checks and their report (only the executable uses it).
//   ParleySessionStorePostgres – the shared session store for many replicas (PostgreSQL).
//   ParleyDocuments   – the team's documents: scanning, passages, the SQLite FTS5 index, retrieval.
// ParleyTestSupport holds the loopback fakes (Azure OpenAI, Entra, IMDS) used by the tests,
// the benchmark and the browser suite; it never ships in the image.
let package = Package(
    name: "parley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "parley", targets: ["parley"]),
        .executable(name: "parley-fakes", targets: ["parley-fakes"]),
    ],
    dependencies: [
        // Only ConfigurationSupport: SwiftPM 6.3.1 flips the order of the two default traits on
        // re-plans and recompiles Hummingbird each time (measured, see README "Design").
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: ["ConfigurationSupport"]),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        // Shared session store and /metrics (issue 6): postgres-nio adds ~2 min to a clean build.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // Certificate credentials (RS256 client assertions). Already built for postgres-nio, so a
        // direct dependency costs no build time; the range admits the 4.x that postgres-nio resolves.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        // The backends file (issue 15) may be YAML, as ConfigMaps usually are; libyaml, ~1 min of build.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        // The document index (issue 14): SQLite with FTS5 and BM25, bundled (no system libsqlite3).
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        // Sign-in (issue 13): id and access tokens verified by a maintained JOSE library, not
        // hand-written RSA. Its swift-crypto, swift-asn1 and swift-certificates are already built.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
    ],
    targets: [
        .target(
            name: "ParleyOutbound",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                // Timers whose cancellation frees them (TimerSleep); already built for AsyncHTTPClient.
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ParleyIdentity",
            dependencies: [
                "ParleyOutbound",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ]
        ),
        .target(
            name: "ParleyAzureOpenAI",
            dependencies: [
                "ParleyOutbound",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "ParleyChat",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ParleyDocuments",
            dependencies: [
                "ParleyChat",
                .product(name: "SQLiteNIO", package: "sqlite-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .target(
            name: "ParleySessionStorePostgres",
            dependencies: [
                "ParleyChat", "ParleyOutbound", "ParleyDocuments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "ParleyServer",
            dependencies: [
                "ParleyOutbound", "ParleyIdentity", "ParleyAzureOpenAI", "ParleyChat", "ParleySessionStorePostgres",
                "ParleyDocuments",
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "ParleyDoctor",
            dependencies: [
                "ParleyServer", "ParleyOutbound", "ParleyIdentity", "ParleyAzureOpenAI", "ParleySessionStorePostgres",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "parley",
            dependencies: [
                "ParleyServer", "ParleyDoctor",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // `make eval` / `make bench-docs` (issue 14): a developer tool, never in the image.
        .executableTarget(
            name: "parley-eval",
            dependencies: [
                "ParleyDocuments", "ParleyChat", "ParleyTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .target(
            name: "ParleyTestSupport",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // The fake Entra verifies certificate-signed client assertions (RS256).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "parley-fakes",
            dependencies: [
                "ParleyTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "ParleyIdentityTests",
            dependencies: ["ParleyIdentity", "ParleyOutbound", "ParleyTestSupport"],
            // Read through #filePath by the tests (fixtures and the fake az/azd executables).
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ParleyOutboundTests",
            dependencies: [
                "ParleyOutbound", "ParleyAzureOpenAI", "ParleyIdentity", "ParleyTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ParleyAzureOpenAITests",
            dependencies: ["ParleyAzureOpenAI", "ParleyOutbound", "ParleyTestSupport"]
        ),
        .testTarget(
            name: "ParleyDocumentsTests",
            dependencies: ["ParleyDocuments", "ParleyChat", "ParleyTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "ParleyChatTests",
            dependencies: ["ParleyChat", "ParleyTestSupport"]
        ),
        .testTarget(
            name: "ParleyServerTests",
            dependencies: [
                "ParleyServer", "ParleyDoctor", "ParleyIdentity", "ParleyOutbound", "ParleyTestSupport", "ParleyDocuments",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ParleySessionStoreTests",
            dependencies: [
                "ParleyChat", "ParleySessionStorePostgres", "ParleyServer", "ParleyDoctor", "ParleyIdentity", "ParleyOutbound", "ParleyTestSupport",
                "ParleyDocuments",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ParleyScaleOutTests",
            dependencies: [
                "ParleyServer", "ParleyChat", "ParleyOutbound", "ParleyTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
