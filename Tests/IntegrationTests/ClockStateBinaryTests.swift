import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Testing

/// This machine's kernel clock, read as daytimed reads it (`adjtimex`, read only).
private let kernelUnsynchronized = SystemKernelClock().read()?.isSynchronized == false

/// `--when-unsynchronized` through the built binary: the kernel's real state, an upstream chronyd's,
/// and every place that tells it (the NIST line, SNTP, /healthz, /metrics, the log) agreeing.
///
/// Nothing here changes this machine's clock: chronyd runs with `-x` and without CAP_SYS_TIME.
@Suite("daytimed: one clock state, and --when-unsynchronized", .serialized)
struct ClockStateBinaryTests {
    /// chronyd's own loopback address, so that its fixed port never meets another server's.
    static let chronyAddress = "127.0.0.127"

    /// What each protocol and endpoint said at one moment.
    struct Seen {
        var daytime: String
        var time: [UInt8]
        var datagram: [UInt8]?
        var ntp: NTPProbe.Answer?
        var health: String
        var metrics: String

        /// NIST's H, when a line came.
        var healthDigit: Substring? {
            let fields = self.daytime.split(separator: " ")
            return fields.count > 5 ? fields[5] : nil
        }
    }

    /// Starts daytimed on 127.0.0.1 with Daytime and Time on an ephemeral port each (TCP and UDP),
    /// NIST lines and a metrics endpoint; returns it with the two ports and the metrics port.
    static func start(_ extra: [String]) async throws -> (BackgroundProcess, daytime: Int, time: Int, metrics: Int) {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "0", "--format", "nist",
                "--metrics-address", "127.0.0.1:0",
            ] + extra
        )
        return (
            server, try await server.listeningPort("daytime"), try await server.listeningPort("time"),
            try await OperationsBinaryTests.metricsPort(server)
        )
    }

    /// The SNTP port daytimed logged (`--ntp-port 0` picks one).
    static func ntpPort(_ server: BackgroundProcess) async throws -> Int {
        try await server.waitForStandardError(containing: "listening on ntp/udp")
        for line in server.standardError.split(separator: "\n") where line.contains("listening on ntp/udp") {
            if let port = line.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw TestFailure("no NTP port in \(server.standardError)")
    }

    static func look(daytime: Int, time: Int, ntp: Int?, metrics: Int) async throws -> Seen {
        let (line, timeBytes, answer) = try await offPool {
            (
                try LoopbackClient.line(port: daytime), try Self.bytes(port: time),
                try ntp.map { try NTPProbe.ask("127.0.0.1", port: $0) }
            )
        }
        let datagram = try await offPool {
            try DatagramClient.exchange(host: "127.0.0.1", port: daytime, timeoutMilliseconds: 300)
        }
        return Seen(
            daytime: line,
            time: timeBytes,
            datagram: datagram,
            ntp: answer,
            health: try await OperationsBinaryTests.get(port: metrics, path: "/healthz"),
            metrics: try await OperationsBinaryTests.get(port: metrics, path: "/metrics")
        )
    }

    @Test(
        "the kernel clock is unsynchronized here: refuse alone refuses TCP and UDP; SIGHUP to answer serves H=3",
        .enabled(if: kernelUnsynchronized, "this machine's kernel clock is synchronized")
    )
    func kernelUnsynchronizedRefuses() async throws {
        let temporary = try TemporaryDirectory("clockstate")
        defer { temporary.remove() }
        let directory = temporary.url
        let file = directory.appendingPathComponent("daytimed.yaml")
        try "when-unsynchronized: refuse\n".write(to: file, atomically: true, encoding: .utf8)
        let (server, daytime, time, metrics) = try await Self.start(["--config", file.path])
        defer { server.stop() }

        let refused = try await Self.look(daytime: daytime, time: time, ntp: nil, metrics: metrics)
        #expect(refused.daytime.isEmpty && refused.time.isEmpty && refused.datagram == nil)
        #expect(refused.health.hasPrefix("HTTP/1.1 503"), "\(refused.health)")
        #expect(refused.health.contains(#""clock":{"status":"fail","detail":"unsynchronized (kernel)"#))
        #expect(refused.health.contains("NIST H=3; Daytime and Time refuse"))
        #expect(refused.metrics.contains("\ndaytimed_clock_synchronized 0.0\n"), "\(refused.metrics)")
        #expect(refused.metrics.contains("\ndaytimed_clock_nist_health 3.0\n"))
        #expect(refused.metrics.contains("\ndaytimed_refusals_total{reason=\"unsynchronized_clock\"} 3\n"))
        #expect(server.standardError.contains("the clock is not synchronized: Daytime and Time refuse"))

        try "when-unsynchronized: answer\n".write(to: file, atomically: true, encoding: .utf8)
        kill(server.pid, SIGHUP)
        try await server.waitForStandardError(containing: "reloaded the configuration")
        let answered = try await Self.look(daytime: daytime, time: time, ntp: nil, metrics: metrics)
        #expect(answered.healthDigit == "3", "\(answered.daytime.debugDescription)")
        #expect(answered.time.count == 4 && answered.datagram != nil)
        // Answered, marked: the clock is still unsynchronized, and /healthz and /metrics say so.
        #expect(answered.health.hasPrefix("HTTP/1.1 503") && answered.health.contains("answering anyway"))
        #expect(answered.metrics.contains("\ndaytimed_clock_nist_health 3.0\n"))
        #expect(answered.metrics.contains("\ndaytimed_refusals_total{reason=\"unsynchronized_clock\"} 3\n"))
    }

    @Test("with SNTP served: no upstream refuses everything and says LI 3; chronyd as upstream makes all answer")
    func chronyUpstream() async throws {
        // No upstream: SNTP cannot vouch, whatever the kernel says.
        let (alone, aloneDaytime, aloneTime, aloneMetrics) = try await Self.start([
            "--ntp-port", "0", "--when-unsynchronized", "refuse",
        ])
        let unsynchronized = try await Self.look(
            daytime: aloneDaytime,
            time: aloneTime,
            ntp: try await Self.ntpPort(alone),
            metrics: aloneMetrics
        )
        alone.stop()
        #expect(unsynchronized.daytime.isEmpty && unsynchronized.time.isEmpty && unsynchronized.datagram == nil)
        #expect(unsynchronized.ntp?.leap == 3 && unsynchronized.ntp?.stratum == 16)
        #expect(unsynchronized.health.hasPrefix("HTTP/1.1 503"))
        #expect(unsynchronized.health.contains("unsynchronized (no NTP upstream); NIST H=3; Daytime and Time refuse"))
        #expect(unsynchronized.metrics.contains("\ndaytimed_clock_synchronized 0.0\n"))
        #expect(unsynchronized.metrics.contains("\ndaytimed_ntp_stratum 16.0\n"))

        // chronyd (-x, local stratum 8, no CAP_SYS_TIME) says synchronized: every protocol answers.
        let (upstream, directory) = try NTPInteropTests.startChrony(port: 9127, address: Self.chronyAddress)
        defer {
            upstream.stop(signal: SIGKILL)
            directory.remove()
        }
        // chronyd answers once it has read its configuration; give it a moment before the first poll.
        try await Task.sleep(for: .milliseconds(500))
        let (server, daytime, time, metrics) = try await Self.start([
            "--ntp-port", "0", "--ntp-upstream", "\(Self.chronyAddress):9127", "--when-unsynchronized", "refuse",
        ])
        defer { server.stop() }
        try await server.waitForStandardError(containing: "the clock is synchronized (upstream \(Self.chronyAddress)")
        let synchronized = try await Self.look(
            daytime: daytime,
            time: time,
            ntp: try await Self.ntpPort(server),
            metrics: metrics
        )
        #expect(synchronized.healthDigit == "0", "\(synchronized.daytime.debugDescription)")
        #expect(synchronized.time.count == 4 && synchronized.datagram != nil)
        #expect(synchronized.ntp?.leap == 0 && synchronized.ntp?.stratum == 9)
        #expect(synchronized.health.hasPrefix("HTTP/1.1 200"), "\(synchronized.health)")
        #expect(synchronized.health.contains(#""detail":"synchronized (upstream \#(Self.chronyAddress), stratum 9)"#))
        #expect(synchronized.metrics.contains("\ndaytimed_clock_synchronized 1.0\n"))
        #expect(synchronized.metrics.contains("\ndaytimed_clock_nist_health 0.0\n"))
        #expect(synchronized.metrics.contains("\ndaytimed_ntp_stratum 9.0\n"))
        #expect(synchronized.metrics.contains("\ndaytimed_refusals_total{reason=\"unsynchronized_clock\"} 0\n"))
    }

    /// A TCP answer's bytes, read to the end: none when the server closes without sending.
    static func bytes(port: Int) throws -> [UInt8] {
        try LoopbackClient.fetch(host: "127.0.0.1", port: port, untilReset: true)
    }
}
