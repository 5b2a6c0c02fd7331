import Foundation

/// Finding and running the package's own binaries and the real peers the interop tests talk to.
public enum Processes {
    /// The directory holding the built products (`.build/debug`), found from this test binary.
    public static let productsDirectory: URL = {
        // The test bundle is `<products>/swift-daytimePackageTests.xctest`; on Linux it is an
        // executable, and /proc/self/exe names it.
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent()
    }()

    /// The package root (the directory with Package.swift): this file is
    /// `<root>/Tests/DaytimeTestSupport/Processes.swift`.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `shared/` beside the package (CI clones the package with a copy of shared/ next to it).
    public static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The built product `name` (`daytime`, `daytimed`), or a failure that says how to build it.
    public static func product(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestFailure(
                "\(url.path) is missing: `swift test` builds it; run `swift build` first if running tests alone"
            )
        }
        return url
    }

    /// The full path of a program on the PATH or in the sbin directories, or a failure that says
    /// which Debian package provides it (scripts/test installs them).
    public static func tool(_ name: String, package: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw TestFailure("\(name) is not installed: run scripts/test, which installs it (apt-get install \(package))")
    }

    /// Runs a program to completion (killing it after `timeout` seconds) and captures its output.
    ///
    /// The waiting happens on a thread of its own: Swift's cooperative pool has one thread per core
    /// (two here) and also runs the in-process servers of other tests, which must not starve. The
    /// child is started with posix_spawn (``ChildProcess``), not Foundation's Process.
    public static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: TimeInterval = 30
    ) async throws -> ChildProcess.Output {
        try await offPool {
            try ChildProcess.capture(executable.path, arguments, environment: environment, timeout: timeout)
        }
    }
}
