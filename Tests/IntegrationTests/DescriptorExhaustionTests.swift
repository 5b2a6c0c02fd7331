import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed` out of file descriptors: it answers as descriptors free up, waits without spinning
/// while it has none, warns once per interval, and recovers fully. The limit is set on the running
/// binary with util-linux's `prlimit` (which scripts/test installs).
@Suite("daytimed out of file descriptors", .serialized)
struct DescriptorExhaustionTests {
    static let threads = 2

    /// Starts daytimed (daytime over TCP only, two threads) under `prlimit --nofile=64:64`.
    static func startServer() async throws -> (BackgroundProcess, port: Int, prlimit: URL) {
        let prlimit = try Processes.tool("prlimit", package: "util-linux")
        let server = try BackgroundProcess(
            prlimit,
            [
                "--nofile=64:64", try Processes.product("daytimed").path, "--host", "127.0.0.1",
                "--daytime-port", "0", "--time-port", "off", "--daytime-transports", "tcp",
                "--threads", String(threads),
            ]
        )
        return (server, try await server.listeningPort("daytime"), prlimit)
    }

    /// Sets the soft descriptor limit of the running server (prlimit execs daytimed: same pid).
    static func setSoftLimit(_ soft: Int, of server: BackgroundProcess, prlimit: URL) async throws {
        let result = try await Processes.run(
            prlimit,
            ["--pid", String(server.pid), "--nofile=\(soft):64"]
        )
        try #require(result.status == 0, "prlimit --pid: \(result.standardError)")
    }

    /// The server's warnings that it cannot accept for want of descriptors.
    static func warnings(_ server: BackgroundProcess) -> [Substring] {
        server.standardError.split(separator: "\n").filter { $0.contains("cannot accept connections on daytime/tcp") }
    }

    @Test("with one spare descriptor and 300 concurrent clients, every client gets its line")
    func answersAsDescriptorsFreeUp() async throws {
        let (server, port, prlimit) = try await Self.startServer()
        defer { server.stop(signal: SIGKILL) }
        let probe = ProcessProbe(pid: server.pid)
        // One descriptor to spare: one connection at a time; the other thread meets EMFILE.
        try await Self.setSoftLimit(try await probe.lowestFreeDescriptorWhenSettled() + 1, of: server, prlimit: prlimit)

        let outcomes = try await offPool {
            ManyConnections.collect(try ManyConnections.open(300, port: port), timeout: 60)
        }
        let answered = outcomes.filter {
            if case .answered(let line) = $0 { line.utf8.count == 26 && line.hasSuffix("\r\n") } else { false }
        }
        #expect(answered.count == 300, "\(outcomes.filter { !answered.contains($0) }.prefix(3))")
        #expect(server.stop() == 0)
    }

    @Test("with no descriptor left: no answer, no spin, one warning per thread; all answered after")
    func waitsWithoutSpinningAndRecovers() async throws {
        let (server, port, prlimit) = try await Self.startServer()
        defer { server.stop(signal: SIGKILL) }
        let probe = ProcessProbe(pid: server.pid)
        let lowestFree = try await probe.lowestFreeDescriptorWhenSettled()
        let baseline = try probe.descriptors().count
        try await Self.setSoftLimit(lowestFree, of: server, prlimit: prlimit)
        // A thread blocked in accept4 holds the descriptor number it reserved before the limit
        // dropped; it gives it up when its receive timeout (200 ms) wakes it, and its next accept4
        // fails with EMFILE, which it reports: once every thread has, none holds a descriptor.
        try await waitUntil("every thread out of descriptors", timeout: .seconds(20)) {
            Self.warnings(server).count >= Self.threads
        }

        let clients = try await offPool { try ManyConnections.open(200, port: port) }
        // The queue is full of connections the server cannot take; measure it while it tries.
        try await Task.sleep(for: .milliseconds(500))
        let cpuBefore = try probe.cpuSeconds()
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(2))
        let cpu = try probe.cpuSeconds() - cpuBefore
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        let load = cpu / elapsed
        #expect(load < 0.2, "daytimed used \(load) of a core while it could not accept")
        #expect(!ManyConnections.anyReadable(clients), "a connection was answered without a descriptor")
        let warnings = Self.warnings(server)
        // Once per thread per ten seconds, although each thread tried about 25 times.
        #expect(warnings.count == Self.threads, "\(warnings.count) warnings: \(warnings)")
        #expect(warnings.allSatisfy { $0.contains("ulimit -n") }, "the warning names the fix: \(warnings)")

        // Descriptors back: every queued client is answered, and the server is as it was.
        try await Self.setSoftLimit(64, of: server, prlimit: prlimit)
        let outcomes = await offPool { ManyConnections.collect(clients, timeout: 60) }
        let answered = outcomes.filter {
            if case .answered(let line) = $0 { line.utf8.count == 26 } else { false }
        }
        #expect(answered.count == 200, "\(outcomes.filter { !answered.contains($0) }.prefix(3))")
        let after = try await offPool { try LoopbackClient.line(port: port) }
        #expect(after.utf8.count == 26 && after.hasSuffix("\r\n"), "\(after)")
        let extra = try await probe.settleDescriptors(to: baseline)
        #expect(extra.isEmpty, "more descriptors than the \(baseline) before: \(extra)")
        #expect(server.stop() == 0)
    }
}
