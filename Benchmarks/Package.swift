// swift-tools-version:6.1
import PackageDescription

// Benchmarks for swift-daytime's hot paths, kept out of the main package so that `swift build` and
// `swift test` at the root never resolve or build ordo-one/benchmark. Run from this folder:
//   swift package benchmark                    timings and allocation counts
//   swift package benchmark thresholds check   fails if an allocation count exceeds Thresholds/
let package = Package(
    name: "swift-daytime-benchmarks",
    dependencies: [
        // The parent package by a fixed name, whatever its checkout folder is called.
        .package(name: "swift-daytime", path: "../"),
        // RuntimeInterposer, the other default trait, needs a package this machine does not have.
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "DaytimeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "DaytimeCore", package: "swift-daytime"),
                .product(name: "DaytimeNetwork", package: "swift-daytime"),
                .product(name: "DaytimeServer", package: "swift-daytime"),
                .product(name: "_DaytimeBench", package: "swift-daytime"),
                .product(name: "_DaytimeTesting", package: "swift-daytime"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/DaytimeBenchmarks",
            plugins: [
                .plugin(name: "BenchmarkPlugin", package: "benchmark")
            ]
        )
    ]
)
