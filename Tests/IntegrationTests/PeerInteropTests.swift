import DaytimeTestSupport
import Foundation
import Testing

/// The `daytime` client against servers no one here wrote, and against our own `daytimed`.
@Suite("daytime binary against real servers")
struct PeerInteropTests {
    /// openbsd-inetd's internal daytime and time services, on a loopback address of their own
    /// (internal services bind by service name, so the ports are the real 13 and 37).
    static let inetdAddress = "127.0.0.13"

    static func startInetd() async throws -> (BackgroundProcess, URL) {
        let inetd = try Processes.tool("inetd", package: "openbsd-inetd")
        let directory = try TemporaryDirectory("inetd").url
        let configuration = directory.appendingPathComponent("inetd.conf")
        try """
        \(inetdAddress):daytime stream tcp nowait root internal
        \(inetdAddress):time stream tcp nowait root internal

        """.write(to: configuration, atomically: true, encoding: .utf8)
        // -i: stay in the foreground, so the test owns the process and stops it.
        let process = try BackgroundProcess(inetd, ["-i", configuration.path])
        for port in [13, 37] {
            try await process.waitUntilAccepting(host: inetdAddress, port: port, timeout: 10)
        }
        return (process, directory)
    }

    @Test(
        "daytime reads openbsd-inetd's internal daytime and time services",
        .serialized,
        arguments: ["daytime", "time"]
    )
    func inetd(protocolName: String) async throws {
        let (inetd, directory) = try await Self.startInetd()
        defer {
            // The test process's threads block SIGTERM and children inherit the mask; inetd
            // installs no handler of its own, so only SIGKILL ends it promptly.
            inetd.stop(signal: SIGKILL)
            try? FileManager.default.removeItem(at: directory)
        }
        let result = try await Processes.run(
            try Processes.product("daytime"),
            [Self.inetdAddress, "--protocol", protocolName, "--json"]
        )
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any],
            "not JSON: \(result.standardOutput)"
        )
        // inetd reads the same clock as this test: the offset is within its own bound (plus slack
        // for a second boundary crossed between the two reads).
        let offset = try #require(object["offset_seconds"] as? Double, "\(object)")
        let bound = try #require(object["offset_bound_seconds"] as? Double, "\(object)")
        #expect(abs(offset) <= bound + 0.01, "offset \(offset) ± \(bound)")
        if protocolName == "daytime" {
            // openbsd-inetd sends `%.24s\r\n` of ctime(3): 24 characters.
            let line = try #require(object["line"] as? String, "\(object)")
            #expect(line.count == 24, "\(line)")
        }
    }

    @Test("daytime and daytimed agree, in every format", arguments: ["ctime", "rfc3339", "rfc3339.6", "rfc2822"])
    func ownServer(format: String) async throws {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", "::1", "--daytime-port", "0", "--time-port", "off", "--format", format, "--timezone",
                "Asia/Kolkata",
            ]
        )
        defer { server.stop() }
        let port = try await server.listeningPort("daytime")
        let result = try await Processes.run(
            try Processes.product("daytime"),
            ["::1", "--port", String(port), "--time-zone", "Asia/Kolkata", "--json"]
        )
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let offset = try #require(object["offset_seconds"] as? Double, "\(object)")
        let bound = try #require(object["offset_bound_seconds"] as? Double, "\(object)")
        #expect(abs(offset) <= bound + 0.01, "offset \(offset) ± \(bound) for \(format)")
    }
}
