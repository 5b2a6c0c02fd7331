import DaytimeTestSupport
import Foundation
import Testing

// The daytimed binary on ::1: the listening sockets, the address in messages and logs, and a real
// peer's queries take IPv6 paths of their own (sockaddr_in6, bracketed text).
extension DaytimedBinaryTests {
    /// Starts `daytimed` on ::1 with ephemeral ports and returns it with its two ports.
    static func startServerIPv6(_ extra: [String] = []) async throws -> (BackgroundProcess, daytime: Int, time: Int) {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "::1", "--daytime-port", "0", "--time-port", "0"] + extra
        )
        return (server, try await server.listeningPort("daytime"), try await server.listeningPort("time"))
    }

    @Test("over IPv6, Debian's rdate reads daytimed's time port on ::1, over TCP and UDP", arguments: [false, true])
    func rdateIPv6(udp: Bool) async throws {
        let (server, _, timePort) = try await Self.startServerIPv6()
        defer { server.stop() }
        let rdate = try Processes.tool("rdate", package: "rdate")
        // rdate -u has no timeout of its own: Processes.run kills it after 10 s if nothing comes.
        let flags = ["-6", "-p"] + (udp ? ["-u"] : [])
        let result = try await Processes.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["TZ=UTC", rdate.path] + flags + ["-o", String(timePort), "::1"],
            timeout: 10
        )
        #expect(result.status == 0, "\(result.standardError)")
        let text = try #require(result.standardOutput.split(separator: "\t").last).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(abs(try Self.secondsFromNow(ctime: text)) < 5, "rdate said \(text)")
        #expect(server.stop(signal: SIGTERM) == 0)
    }

    @Test("over IPv6, a port in use: exit 1 and one line naming [::1]:PORT")
    func portInUseIPv6() async throws {
        let (server, daytimePort, _) = try await Self.startServerIPv6()
        defer { server.stop() }
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "::1", "--daytime-port", String(daytimePort), "--time-port", "off"]
        )
        #expect(result.status == 1)
        #expect(result.standardError.contains("[::1]:\(daytimePort)"), "\(result.standardError)")
        #expect(result.standardError.contains("already in use"))
        #expect(!result.standardError.contains("Fatal error"))
    }

    @Test("over IPv6, --log-level info logs each connection from [::1]:PORT")
    func connectionLogIPv6() async throws {
        let (server, daytimePort, _) = try await Self.startServerIPv6(["--log-level", "info", "--timezone", "UTC"])
        defer { server.stop() }
        let result = try await Processes.run(try Processes.product("daytime"), ["[::1]:\(daytimePort)"])
        #expect(result.status == 0, "\(result.standardError)")
        try await server.waitForStandardError(containing: "Got a connection from [::1]:")
    }
}
