import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Glibc
import Testing

@Suite("daytimed's metrics endpoint and access log, as a user runs them")
struct OperationsBinaryTests {
    /// The port of the metrics endpoint, read from its `serving metrics on` log line.
    static func metricsPort(_ server: BackgroundProcess) async throws -> Int {
        let marker = "serving metrics on http://127.0.0.1:"
        try await server.waitForStandardError(containing: marker)
        for line in server.standardError.split(separator: "\n") where line.contains(marker) {
            let rest = line[line.range(of: marker)!.upperBound...]
            if let port = Int(rest.prefix { $0.isNumber }) { return port }
        }
        throw TestFailure("no metrics port in \(server.standardError)")
    }

    /// A plain HTTP GET with `Connection: close`; the whole response.
    static func get(port: Int, path: String) async throws -> String {
        try await offPool {
            let fd = try LoopbackClient.connect(host: "127.0.0.1", port: port)
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            return LoopbackClient.readTextAndClose(fd)
        }
    }

    @Test(
        "--metrics-address serves counters that follow the traffic; --access-log - writes JSON lines; SIGHUP counts a reload"
    )
    func metricsAndAccessLog() async throws {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "0", "--metrics-address", "127.0.0.1:0",
                "--access-log", "-", "--access-log-format", "json",
            ]
        )
        defer { server.stop() }
        let daytimePort = try await server.listeningPort("daytime")
        let metricsPort = try await Self.metricsPort(server)
        let lines = try await offPool {
            [try LoopbackClient.line(port: daytimePort), try LoopbackClient.line(port: daytimePort)]
        }
        #expect(lines.allSatisfy { $0.utf8.count == 26 })
        let metrics = try await Self.get(port: metricsPort, path: "/metrics")
        #expect(metrics.hasPrefix("HTTP/1.1 200 OK"))
        #expect(metrics.contains("\ndaytimed_answers_total{protocol=\"daytime\",transport=\"tcp\"} 2\n"), "\(metrics)")
        #expect(metrics.contains("\ndaytimed_sent_bytes_total{protocol=\"daytime\",transport=\"tcp\"} 52\n"))
        #expect(metrics.contains("\nprocess_start_time_seconds "))
        let health = try await Self.get(port: metricsPort, path: "/healthz")
        #expect(health.contains(#""listeners":{"status":"ok""#))
        // The clock check follows this machine's kernel clock, as daytimed reads it.
        let state = ClockState(kernel: SystemKernelClock().read(), limits: ClockHealthThresholds())
        let synchronized = state.condition != .unsynchronized
        #expect(health.hasPrefix(synchronized ? "HTTP/1.1 200 OK" : "HTTP/1.1 503"), "\(health)")
        #expect(health.contains(synchronized ? #""clock":{"status":"ok""# : #""clock":{"status":"fail""#))

        try await server.waitForStandardError(containing: #""outcome":"answered""#)
        let accessLines = server.standardError.split(separator: "\n").filter { $0.hasPrefix(#"{"time":"#) }
        #expect(accessLines.count == 2, "\(server.standardError)")
        #expect(
            accessLines.allSatisfy {
                $0.contains(#""protocol":"daytime","transport":"tcp","outcome":"answered","reason":null"#)
            }
        )

        kill(server.pid, SIGHUP)
        try await server.waitForStandardError(containing: "reloaded the configuration")
        let after = try await Self.get(port: metricsPort, path: "/metrics")
        #expect(after.contains("\ndaytimed_reloads_total{outcome=\"success\"} 1\n"), "\(after)")
        #expect(server.stop() == 0)
    }

    @Test("a bad --metrics-address is a usage error; a metrics port in use stops the start with one line")
    func badAddresses() async throws {
        let bad = try await Processes.run(try Processes.product("daytimed"), ["--metrics-address", "9813"])
        #expect(bad.status == 64, "\(bad.standardError)")
        #expect(bad.standardError.contains("127.0.0.1:9813"))

        let holder = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--metrics-address", "127.0.0.1:0"]
        )
        defer { holder.stop() }
        let taken = try await Self.metricsPort(holder)
        let second = try await Processes.run(
            try Processes.product("daytimed"),
            [
                "--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--metrics-address",
                "127.0.0.1:\(taken)",
            ]
        )
        #expect(second.status == 1)
        let errors = second.standardError.split(separator: "\n").filter { $0.hasPrefix("daytimed: error:") }
        #expect(errors.count == 1, "\(second.standardError)")
        #expect(errors.first?.contains("127.0.0.1:\(taken)") == true)
        #expect(errors.first?.contains("already in use") == true)
    }
}
