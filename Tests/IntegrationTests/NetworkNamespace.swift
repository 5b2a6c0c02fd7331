import DaytimeTestSupport
import Foundation
import Testing

/// Network namespaces for the tests that need a host of their own making (no IPv6, addresses the
/// machine lacks, forged sources): made with `unshare -n`, entered by one thread with `setns`.
enum NetworkNamespace {
    /// Whether CI is running these tests (CI sets `CI=true`): there a test that cannot make its
    /// namespace fails instead of being skipped, so that a green CI means it ran.
    static let requiredInCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// Whether this process may make a network namespace (root, or CAP_SYS_ADMIN in a container).
    static func canUnshare() async -> Bool {
        guard let unshare = try? Processes.tool("unshare", package: "util-linux"),
            let ip = try? Processes.tool("ip", package: "iproute2")
        else { return false }
        let result = try? await Processes.run(unshare, ["-n", ip.path, "link", "set", "lo", "up"], timeout: 10)
        return result?.status == 0
    }

    /// The condition of a test that needs a namespace: run where one can be made, and always in CI,
    /// where ``require()`` then fails the test if none can.
    static func available() async -> Bool {
        if Self.requiredInCI { return true }
        return await Self.canUnshare()
    }

    /// Fails the test (in CI, where ``available()`` let it run without a namespace) unless one can be
    /// made.
    static func require() async throws {
        try #require(
            await Self.canUnshare(),
            "CI=true, and this machine cannot make a network namespace (unshare -n with util-linux and iproute2, as root)"
        )
    }

    /// Runs the shell `script` in a new network namespace, in a temporary directory of its own
    /// (removed after), with `$IP` and `$DAYTIMED` set besides `environment`; kills it after 60 s.
    static func runScript(_ script: String, environment: [String: String] = [:]) async throws -> ChildProcess.Output {
        let directory = try TemporaryDirectory("netns")
        defer { directory.remove() }
        return try await Processes.run(
            try Processes.tool("unshare", package: "util-linux"),
            ["-n", "sh", "-c", "cd '\(directory.url.path)' && \(script)"],
            environment: [
                "IP": try Processes.tool("ip", package: "iproute2").path,
                "DAYTIMED": try Processes.product("daytimed").path,
            ].merging(environment) { $1 },
            timeout: 60
        )
    }

    /// Runs blocking `body` on a thread of its own inside the network namespace of process `pid`:
    /// the sockets it makes live there.
    static func run<T: Sendable>(inNamespaceOf pid: pid_t, _ body: @escaping @Sendable () throws -> T) async throws -> T
    {
        try await offPool {
            let home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
            let target = open("/proc/\(pid)/ns/net", O_RDONLY | O_CLOEXEC)
            defer {
                if home >= 0 { close(home) }
                if target >= 0 { close(target) }
            }
            guard home >= 0, target >= 0 else { throw TestFailure("open /proc/…/ns/net: errno \(errno)") }
            guard Self.setns(target, Self.newNetwork) == 0 else { throw TestFailure("setns: errno \(errno)") }
            // The thread is ours alone and ends with `body`; going back matters only if it was not
            // (offPool runs inline when no thread can be made).
            defer { _ = Self.setns(home, Self.newNetwork) }
            return try body()
        }
    }

    /// `CLONE_NEWNET` from <sched.h>, which Swift's Glibc module does not export.
    private static let newNetwork: Int32 = 0x4000_0000

    /// glibc's `setns(2)` wrapper, which Swift's Glibc module does not export either.
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = {
        guard let symbol = dlsym(nil, "setns") else {  // nil: RTLD_DEFAULT
            return { _, _ in
                errno = ENOSYS
                return -1
            }
        }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()
}
