// swift-tools-version:6.1
import PackageDescription

// Every dependency comes from the machine's local package mirror (see README "Dependencies").
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

// How the daemon's executable is linked on Linux (docs/benchmarks.md, "Idle RSS"; ≤ 30 MB idle is a target):
// - the Swift runtime and FoundationEssentials are linked statically (`-static-stdlib`; their static
//   archives need `_FoundationCollections` and `_FoundationCShims` named, which the dynamic libraries
//   pull in by themselves), and the executable exports no symbols (`--no-export-dynamic`: nothing
//   loads plug-ins into acpd): no dynamic symbol binding of the runtime at start-up and 3.5 MB less
//   symbol table;
// - lld with packed relative relocations (DT_RELR, glibc >= 2.36): ~55,000 RELATIVE relocations are
//   a 15 KB bitmap instead of 1.7 MB of tables that every start-up reads.
let leanLinking: [LinkerSetting] = [
    .unsafeFlags([
        "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
        "-static-stdlib", "-l_FoundationCollections", "-l_FoundationCShims", "-Xlinker", "--no-export-dynamic",
    ], .when(platforms: [.linux])),
]

let package = Package(
    name: "acpd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "acpd", targets: ["acpd"]),
        .executable(name: "acpd-demo-agent", targets: ["acpd-demo-agent"]),
        .executable(name: "acpd-bench", targets: ["acpd-bench"]),
        .library(name: "ACPControlPlane", targets: ["ACPControlPlane"]),
        .library(name: "RuntimeBackends", targets: ["RuntimeBackends"]),
        .library(name: "Bindings", targets: ["Bindings"]),
        .library(name: "ChatCore", targets: ["ChatCore"]),
        .library(name: "ChatHTTP", targets: ["ChatHTTP"]),
        .library(name: "JSONKit", targets: ["JSONKit"]),
        .library(name: "ChatTelegram", targets: ["ChatTelegram"]),
        .library(name: "ChatDiscord", targets: ["ChatDiscord"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/swift-websocket", from: "1.6.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    ],
    targets: [
        // The one JSON stack: the JSON value, its parser and writers, the string-literal writer. A leaf.
        .target(name: "JSONKit", swiftSettings: strict),
        // Domain words, runtime contract, session manager, store. No chat, YAML or subprocess code.
        .target(
            name: "ACPControlPlane",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                "CSQLite", "CSQLiteWAL", "JSONKit",
            ],
            swiftSettings: strict
        ),
        // A VFS over SQLite's default one that writes a WAL frame's header and page in one call.
        .target(name: "CSQLiteWAL", linkerSettings: [.linkedLibrary("sqlite3")]),
        // The system SQLite library (libsqlite3), wrapped by ACPControlPlane's Store/SQLite layer.
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]
        ),
        // The stdio ACP client and the acpx driver, with process supervision.
        .target(
            name: "RuntimeBackends",
            dependencies: [
                "ACPControlPlane", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                "CExecutorHook",
            ],
            swiftSettings: strict
        ),
        // Sets the Swift concurrency runtime's global enqueue hook (see RuntimeBackends' GlobalExecutor).
        .target(name: "CExecutorHook"),
        // libyaml's event parser, for the config loader's YAML composer (Debian: libyaml-dev).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // Config (+YAML), conversation ids, the binding model, resolver and reconciler.
        .target(
            name: "Bindings",
            dependencies: [
                "ACPControlPlane", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                "CYAML",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // Platform-neutral chat: the channel protocol, the inbound router, commands, access, delivery
        // (projector, one send queue per conversation). Never imports a platform target or RuntimeBackends.
        .target(
            name: "ChatCore",
            dependencies: [
                "ACPControlPlane", "Bindings", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The http channel: POST /v1/messages, the message log in the store, SSE (a RouteCollection).
        .target(
            name: "ChatHTTP",
            dependencies: [
                "ACPControlPlane", "Bindings", "ChatCore", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strict
        ),
        // The Telegram channel: Bot API client (AsyncHTTPClient), long polling, update normaliser, send/edit.
        .target(
            name: "ChatTelegram",
            dependencies: [
                "ACPControlPlane", "Bindings", "ChatCore", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The Discord channel: the gateway (a state machine driven over WSClient), REST within rate-limit
        // buckets (AsyncHTTPClient), the inbound normaliser, send/edit, threads, DMs.
        .target(
            name: "ChatDiscord",
            dependencies: [
                "ACPControlPlane", "Bindings", "ChatCore", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "WSClient", package: "swift-websocket"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "acpd",
            dependencies: [
                "ACPControlPlane", "RuntimeBackends", "Bindings", "ChatCore", "ChatHTTP", "ChatTelegram", "ChatDiscord", "JSONKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict,
            linkerSettings: leanLinking
        ),
        // A small deterministic ACP agent (Foundation only) for the demo and the tests.
        .executableTarget(name: "acpd-demo-agent", swiftSettings: strict),
        // Store states written below the session manager, for acpd-bench and the tests (never linked into acpd).
        .target(name: "StoreSeeding", dependencies: ["ACPControlPlane"], swiftSettings: strict),
        // Benchmark harness: `swift run -c release acpd-bench` (see docs/benchmarks.md).
        .executableTarget(
            name: "acpd-bench",
            dependencies: [
                "ACPControlPlane", "RuntimeBackends", "Bindings", "ChatCore", "StoreSeeding", "TelegramFake", "DiscordFake", "JSONKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Crash-test host: drives the session manager against the demo agent so tests can SIGKILL it (not shipped).
        .executableTarget(
            name: "acpd-crash-host",
            dependencies: ["ACPControlPlane", "RuntimeBackends"],
            path: "Tests/CrashHost",
            swiftSettings: strict
        ),
        // Paths and helpers shared by the test targets (not shipped).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: strict),
        // The channel conformance kit: cases every `ChatChannel` runs against its platform fake,
        // through the real send queue; returns results, the test targets assert (not shipped).
        .target(
            name: "ChatChannelConformance",
            dependencies: ["ChatCore", "Bindings", "ACPControlPlane"],
            path: "Tests/ChannelConformance",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ACPControlPlaneTests",
            dependencies: ["ACPControlPlane", "RuntimeBackends", "JSONKit", "TestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RuntimeBackendsTests",
            dependencies: ["RuntimeBackends", "ACPControlPlane", "JSONKit", "TestSupport",
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        // The acpd executable driven as a subprocess, as users run it.
        .testTarget(name: "acpdTests", dependencies: ["ACPControlPlane", "Bindings", "ChatCore", "JSONKit", "TestSupport", "TelegramFake", "DiscordFake",
                                                     .product(name: "AsyncHTTPClient", package: "async-http-client")],
                    swiftSettings: strict),
        .testTarget(
            name: "BindingsTests",
            dependencies: ["Bindings", "ACPControlPlane", "RuntimeBackends", "JSONKit", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ChatCoreTests",
            dependencies: ["StoreSeeding", "ChatCore", "Bindings", "ACPControlPlane", "RuntimeBackends", "JSONKit", "TestSupport",
                           "ChatChannelConformance"],
            swiftSettings: strict
        ),
        // A fake Telegram Bot API on 127.0.0.1 (Hummingbird): offsets, held long polls, a message store, faults (not shipped).
        .target(
            name: "TelegramFake",
            dependencies: [
                "JSONKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/TelegramFake",
            swiftSettings: strict
        ),
        // The Telegram channel against the fake Bot API, through the conformance kit.
        .testTarget(
            name: "ChatTelegramTests",
            dependencies: ["ChatTelegram", "TelegramFake", "ChatCore", "Bindings", "ACPControlPlane", "JSONKit", "TestSupport",
                           "ChatChannelConformance",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict
        ),
        // A fake Discord (REST + gateway) on 127.0.0.1 (Hummingbird + hummingbird-websocket): opcodes with
        // sequence numbers and replay on RESUME, rate-limit buckets, the 2000-character limit, faults (not shipped).
        .target(
            name: "DiscordFake",
            dependencies: [
                "JSONKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/DiscordFake",
            swiftSettings: strict
        ),
        // The Discord channel: the gateway state machine, REST buckets, the normaliser, and the channel
        // against the fake through the conformance kit.
        .testTarget(
            name: "ChatDiscordTests",
            dependencies: ["ChatDiscord", "DiscordFake", "ChatCore", "Bindings", "ACPControlPlane", "JSONKit", "TestSupport",
                           "ChatChannelConformance",
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict
        ),
        // The http channel over a real SQLite store, through the conformance kit.
        .testTarget(
            name: "ChatHTTPTests",
            dependencies: ["ChatHTTP", "ChatCore", "ACPControlPlane", "TestSupport", "ChatChannelConformance"],
            swiftSettings: strict
        ),
    ]
)

// The fuzz targets (Tests/Fuzz, docs/reliability.md): a test target that runs each with a seeded
// mutational generator over its corpus for a bounded time; with `ACPD_LIBFUZZER=1` in the
// environment the same targets become the libFuzzer executable `acpd-fuzz` instead (scripts/fuzz
// builds it with the sanitizer flags in its own scratch path). Neither is shipped.
let fuzzDependencies: [Target.Dependency] = [
    "JSONKit", "ACPControlPlane", "RuntimeBackends", "Bindings", "ChatCore", "ChatHTTP", "ChatTelegram", "ChatDiscord", "TelegramFake",
]
if Context.environment["ACPD_LIBFUZZER"] == "1" {
    package.targets.append(.executableTarget(name: "acpd-fuzz", dependencies: fuzzDependencies, path: "Tests/Fuzz",
                                             exclude: ["Suite", "corpus", "crashes"],
                                             swiftSettings: strict + [.define("ACPD_LIBFUZZER")]))
} else {
    package.targets.append(.testTarget(name: "FuzzTests", dependencies: fuzzDependencies + ["TestSupport"], path: "Tests/Fuzz",
                                       exclude: ["Driver", "corpus", "crashes"], swiftSettings: strict))
}
