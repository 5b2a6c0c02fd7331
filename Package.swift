// swift-tools-version:6.1
import PackageDescription

// Layers, lowest first (see docs/ARCHITECTURE.md):
//   DaytimeSystem                internal: system calls, owned descriptors, whole-file reads and
//                                writes, named threads (over CDaytimeLinux)
//   DaytimeCore                  time, formats, RFC 868; pure Swift (files read through DaytimeSystem), no NIO
//   DaytimeNetwork               addresses, access lists, rate limits, source policy, PROXY protocol;
//                                pure Swift over Glibc and DaytimeCore (for Transport), no NIO
//   DaytimeServer, DaytimeClient over DaytimeCore (the server also over DaytimeNetwork); never import each other
//   DaytimeMetrics               internal: daytimed's /metrics and /healthz endpoint (NIO, Prometheus)
//   _DaytimeBench                the load generator behind `daytime bench` (plain sockets, epoll)
//   _DaytimeTesting              test doubles: fixed and shifted wall clocks, a seeded generator
//   daytimed, daytime            thin command lines over the libraries
let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

// Targets that see SwiftNIO's C modules go without MemberImportVisibility: CNIOLinux declares the
// libc socket structures again, and which of the two modules a member such as sockaddr_in.sin_port
// is attributed to is not stable from one clean build to the next, so the check would fail at
// random. The pure targets keep it.
let nioSideSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny")
]

// `daytime` is a one-shot command, so a static executable (docs/PERFORMANCE.md, "Client start-up"):
// no dynamic loader, no libstdc++ to load and relocate; a query takes less than half the time it
// takes with -static-stdlib. The static FoundationEssentials (which ArgumentParser imports) needs the three
// libraries the toolchain's static-executable-args.lnk does not name. Linked with the toolchain's
// lld: gold prints glibc's link-time notes on getaddrinfo, getpw*_r, getgr*_r and dlopen
// ("requires at runtime the shared libraries from the glibc version used for linking"), true of
// any static glibc program and not a defect here: numeric addresses need no NSS, and this glibc
// (Debian 12's 2.36) has the files and dns NSS modules built in, so `localhost` and names in DNS
// resolve without one.
// The sanitizer runtimes need a dynamic link, though (ASan's asks for _DYNAMIC): scripts/test (which
// builds with AddressSanitizer) and scripts/sanitize set SWIFT_DAYTIME_DYNAMIC_CLIENT=1, which links
// `daytime` like any other executable. The name stays clear of the DAYTIMED_ prefix, which daytimed
// reads as settings.
let staticClient = Context.environment["SWIFT_DAYTIME_DYNAMIC_CLIENT"] == nil
let clientLinkerSettings: [LinkerSetting] =
    staticClient
    ? [
        .unsafeFlags(
            [
                "-static-executable", "-use-ld=lld",
                "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-l_FoundationCollections",
                "-Xlinker", "-lswiftSynchronization",
            ],
            .when(platforms: [.linux])
        )
    ]
    : []

// `daytimed` in release builds (benchmarks, the Debian package) carries the Swift runtime and
// Foundation in itself (-static-stdlib), so it runs on a machine without the toolchain and its
// dynamic loader resolves only the system's C libraries; debug builds (the tests) link them
// dynamically, which links much faster.
// -static-stdlib names the runtime's archives, not Foundation's (CoreFoundation, the ICU data,
// FoundationEssentials and its shims), so they are named here; lld, like the client's link, takes
// archives in any order.
let serverLinkerSettings: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-static-stdlib", "-use-ld=lld",
            "-Xlinker", "-lCoreFoundation", "-Xlinker", "-lFoundationInternationalization",
            "-Xlinker", "-l_FoundationICU", "-Xlinker", "-lFoundationEssentials",
            "-Xlinker", "-l_FoundationCShims", "-Xlinker", "-l_FoundationCollections",
            "-Xlinker", "-lswiftSynchronization",
        ],
        .when(platforms: [.linux], configuration: .release)
    )
]

// Linux only: the server and the load generator call Linux interfaces directly (accept4, recvmmsg,
// epoll, adjtimex), and no other platform is built or tested, so none is declared.
let package = Package(
    name: "swift-daytime",
    products: [
        // The API: what a program that embeds the server or the client builds on.
        .library(name: "DaytimeCore", targets: ["DaytimeCore"]),
        .library(name: "DaytimeNetwork", targets: ["DaytimeNetwork"]),
        .library(name: "DaytimeServer", targets: ["DaytimeServer"]),
        .library(name: "DaytimeClient", targets: ["DaytimeClient"]),
        // Not API, underscored as SwiftNIO marks its own (`_NIOConcurrency`): products only because
        // Benchmarks/, a package of its own, can import nothing else. They may change in any release.
        .library(name: "_DaytimeBench", targets: ["_DaytimeBench"]),
        .library(name: "_DaytimeTesting", targets: ["_DaytimeTesting"]),
        .executable(name: "daytimed", targets: ["daytimed"]),
        .executable(name: "daytime", targets: ["daytime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // Only for scripts/docs (`swift package generate-documentation`): a plugin, built when run.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .target(
            name: "DaytimeCore",
            dependencies: ["DaytimeSystem"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DaytimeNetwork",
            dependencies: ["DaytimeCore"],
            swiftSettings: strictSettings
        ),
        .target(name: "CDaytimeLinux"),
        // System calls with EINTR retry and one error type, whole-file reads and writes, named
        // OS threads: for everything off the hot paths. Internal to the package, not a product.
        .target(
            name: "DaytimeSystem",
            dependencies: ["CDaytimeLinux"],
            swiftSettings: strictSettings
        ),
        .target(
            name: "DaytimeServer",
            dependencies: [
                "DaytimeCore",
                "DaytimeNetwork",
                "CDaytimeLinux",
                "DaytimeSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: nioSideSettings
        ),
        .target(
            name: "DaytimeMetrics",
            dependencies: [
                "DaytimeCore",
                "DaytimeNetwork",
                "DaytimeServer",
                "DaytimeSystem",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: nioSideSettings
        ),
        .target(
            name: "DaytimeClient",
            dependencies: ["DaytimeCore", "DaytimeSystem"],
            swiftSettings: strictSettings
        ),
        // The load generator behind `daytime bench`, which Benchmarks/ also drives.
        .target(
            name: "_DaytimeBench",
            dependencies: [
                "DaytimeCore",
                "CDaytimeLinux",
                "DaytimeSystem",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: strictSettings
        ),
        // Test doubles that the tests of several modules and Benchmarks/ share: the fixed and the
        // shifted wall clock, a seeded random generator.
        .target(
            name: "_DaytimeTesting",
            dependencies: ["DaytimeCore"],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "daytimed",
            dependencies: [
                "DaytimeCore",
                "DaytimeNetwork",
                "DaytimeServer",
                "DaytimeMetrics",
                "DaytimeSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: nioSideSettings,
            linkerSettings: serverLinkerSettings
        ),
        .executableTarget(
            name: "daytime",
            dependencies: [
                "DaytimeCore",
                "DaytimeClient",
                "_DaytimeBench",
                "DaytimeSystem",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings,
            // A static executable: see clientLinkerSettings above.
            linkerSettings: clientLinkerSettings
        ),
        .testTarget(
            name: "DaytimeCoreTests",
            dependencies: [
                "DaytimeTestSupport", "DaytimeCore", "CDaytimeLinux", "_DaytimeTesting",
            ],
            swiftSettings: strictSettings
        ),
        // daytimed's settings table, through @testable import of the executable.
        .testTarget(
            name: "daytimedTests",
            dependencies: [
                "DaytimeTestSupport",
                "daytimed", "DaytimeServer", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: nioSideSettings
        ),
        .testTarget(
            name: "DaytimeNetworkTests",
            dependencies: [
                "DaytimeTestSupport", "DaytimeNetwork", "_DaytimeTesting",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaytimeSystemTests",
            dependencies: [
                "DaytimeTestSupport", "DaytimeSystem",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaytimeServerTests",
            dependencies: [
                "DaytimeTestSupport",
                "_DaytimeTesting",
                "DaytimeCore",
                "DaytimeNetwork",
                "DaytimeServer",
                "DaytimeSystem",
                "DaytimeMetrics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: nioSideSettings
        ),
        // DaytimeServer's NIO channel handlers in EmbeddedChannel. A target of its own: importing
        // NIO's modules into DaytimeServerTests makes Glibc's socket types resolve to CNIOLinux
        // there, which MemberImportVisibility rejects in the raw-socket test clients.
        .testTarget(
            name: "DaytimeServerHandlerTests",
            dependencies: [
                "DaytimeTestSupport",
                "_DaytimeTesting",
                "DaytimeCore",
                "DaytimeNetwork",
                "DaytimeServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: nioSideSettings
        ),
        // What the test targets share: plain socket clients (TCP, UDP) and reserved ports, child
        // processes and the package's built products, temporary files that remove themselves, a
        // runner for services, and builders of PROXY headers and leap-second lists. Children start
        // with posix_spawn rather than Foundation's Process, whose run() can crash the test process
        // (an over-read in its memcpy); not swift-subprocess (1.0.2): a child's handle lives only
        // inside its run closure (the tests keep daytimed running across calls and stop it later)
        // and it has no timeout. No NIO here: it would reach the pure targets' tests, where
        // CNIOLinux's second declaration of the socket structures breaks MemberImportVisibility.
        .target(
            name: "DaytimeTestSupport",
            dependencies: [
                "CDaytimeLinux",
                "DaytimeSystem",
                "DaytimeCore",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ],
            path: "Tests/DaytimeTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "DaytimeMetricsTests",
            dependencies: [
                "DaytimeTestSupport",
                "DaytimeServer",
                "DaytimeMetrics",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: nioSideSettings
        ),
        .testTarget(
            name: "DaytimeClientTests",
            dependencies: [
                "DaytimeTestSupport",
                "_DaytimeTesting",
                "DaytimeCore",
                "DaytimeClient",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: nioSideSettings
        ),
        .testTarget(
            name: "DaytimeBenchTests",
            dependencies: [
                "DaytimeTestSupport",
                "DaytimeCore",
                "DaytimeServer",
                "_DaytimeBench",
                "_DaytimeTesting",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: nioSideSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "DaytimeTestSupport",
                "_DaytimeTesting",
                "DaytimeCore",
                "DaytimeServer",
                "DaytimeClient",
            ],
            swiftSettings: nioSideSettings
        ),
    ]
)
