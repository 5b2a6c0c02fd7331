import DaytimeTestSupport
import Foundation
import Testing

/// The built `daytimed` binary, started as a user would start it, with real peers as clients.
@Suite("daytimed binary")
struct DaytimedBinaryTests {
    /// Starts `daytimed` on 127.0.0.1 with ephemeral ports and returns it with its two ports.
    static func startServer(_ extra: [String] = []) async throws -> (BackgroundProcess, daytime: Int, time: Int) {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "0"] + extra
        )
        return (server, try await server.listeningPort("daytime"), try await server.listeningPort("time"))
    }

    /// Seconds between `text` (ctime, UTC) and now.
    static func secondsFromNow(ctime text: String) throws -> TimeInterval {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE MMM d HH:mm:ss yyyy"
        // rdate adds the zone name before the year; ctime has none.
        let squeezed = text.split(separator: " ", omittingEmptySubsequences: true).filter { $0 != "UTC" }.joined(
            separator: " "
        )
        let date = try #require(formatter.date(from: squeezed), "not a ctime line: \(text)")
        return date.timeIntervalSinceNow
    }

    @Test("the seed's own client gets a ctime line from daytimed")
    func seedClient() async throws {
        let (server, daytimePort, _) = try await Self.startServer(["--timezone", "UTC"])
        defer { server.stop() }
        let client = Processes.shared.appendingPathComponent("bench/peers/seed_client.py")
        let result = try await Processes.run(
            try Processes.tool("python3", package: "python3"),
            [client.path, "127.0.0.1", String(daytimePort)]
        )
        #expect(result.status == 0, "\(result.standardError)")
        let prefix = "The time got from the server is "
        #expect(result.standardOutput.hasPrefix(prefix))
        let line = String(result.standardOutput.dropFirst(prefix.count))
        // The seed prints the server's bytes as they came: the line, its CR LF, then print's LF.
        #expect(line.hasSuffix("\r\n\n"))
        let text = line.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(text.count == 24)
        #expect(abs(try Self.secondsFromNow(ctime: text)) < 5)
    }

    @Test("Debian's rdate reads daytimed's time port, over TCP and over UDP (-u)", arguments: [false, true])
    func rdate(udp: Bool) async throws {
        let (server, _, timePort) = try await Self.startServer()
        defer { server.stop() }
        let rdate = try Processes.tool("rdate", package: "rdate")
        // rdate -u has no timeout of its own: Processes.run kills it after 10 s if nothing comes.
        let flags = udp ? ["-u", "-p"] : ["-p"]
        let result = try await Processes.run(rdate, flags + ["-o", String(timePort), "127.0.0.1"], timeout: 10)
        #expect(result.status == 0, "\(result.standardError)")
        // rdate prints `rdate: [127.0.0.1]\tThu Nov 26 10:10:39 2026` in the local zone: compare in UTC.
        let text = try #require(result.standardOutput.split(separator: "\t").last).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        let utc = try await Processes.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["TZ=UTC", rdate.path] + flags + ["-o", String(timePort), "127.0.0.1"],
            timeout: 10
        )
        let utcText = try #require(utc.standardOutput.split(separator: "\t").last).trimmingCharacters(
            in: .whitespacesAndNewlines
        )
        #expect(!text.isEmpty)
        #expect(abs(try Self.secondsFromNow(ctime: utcText)) < 5, "rdate said \(utcText)")
    }

    @Test("SIGTERM stops daytimed gracefully with exit status 0")
    func sigterm() async throws {
        let (server, daytimePort, _) = try await Self.startServer()
        _ = try await Processes.run(
            try Processes.tool("python3", package: "python3"),
            [
                Processes.shared.appendingPathComponent("bench/peers/seed_client.py").path, "127.0.0.1",
                String(daytimePort),
            ]
        )
        #expect(server.stop(signal: SIGTERM) == 0)
        #expect(server.standardError.contains("stopped"))
    }

    @Test("a port in use: exit 1, one clear line, no stack trace")
    func portInUse() async throws {
        let (server, daytimePort, _) = try await Self.startServer()
        defer { server.stop() }
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", String(daytimePort), "--time-port", "off"]
        )
        #expect(result.status == 1)
        #expect(result.standardError.contains("127.0.0.1:\(daytimePort)"))
        #expect(result.standardError.contains("already in use"))
        #expect(!result.standardError.contains("Fatal error"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("a port below 1024 without privilege: exit 1 and the three ways out")
    func permissionDenied() async throws {
        // Run as nobody. The build directory may be private (CI clones into a mode-700 temp dir),
        // so run a copy from a directory nobody can read.
        let temporary = try TemporaryDirectory("daytimed-nobody")
        defer { temporary.remove() }
        let directory = temporary.url
        chmod(directory.path, 0o755)
        let copy = directory.appendingPathComponent("daytimed")
        // Copy with cp(1), not in this process: a file this process holds open for writing would be
        // inherited by any child another test spawns meanwhile, and exec would fail (ETXTBSY).
        let copied = try await Processes.run(
            URL(fileURLWithPath: "/bin/cp"),
            [try Processes.product("daytimed").path, copy.path]
        )
        try #require(copied.status == 0, "\(copied.standardError)")
        chmod(copy.path, 0o755)
        let result = try await Processes.run(
            try Processes.tool("setpriv", package: "util-linux"),
            [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all", copy.path,
                "--host", "127.0.0.1", "--daytime-port", "13", "--time-port", "off",
            ]
        )
        #expect(result.status == 1, "\(result.standardError)")
        #expect(result.standardError.contains("permission denied"))
        #expect(result.standardError.contains("cap_net_bind_service"))
        #expect(result.standardError.contains("1024"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("a host that is not this machine's: exit 1 and what to do")
    func foreignHost() async throws {
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "192.0.2.1", "--daytime-port", "0", "--time-port", "off"]
        )
        #expect(result.status == 1)
        #expect(result.standardError.contains("not an address of this machine"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("an unknown time zone: a usage error (exit 64), the name, and what to use instead")
    func unknownTimeZone() async throws {
        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--timezone", "Mars/Olympus"]
        )
        #expect(result.status == 64)
        #expect(result.standardError.contains("--timezone"))
        #expect(result.standardError.contains("Mars/Olympus"))
        #expect(result.standardError.contains("America/New_York") || result.standardError.contains("Europe/London"))
    }

    @Test(
        "malformed flags are usage errors (exit 64) that name the flag",
        arguments: [
            ["--daytime-port", "nope"], ["--format", "klingon"], ["--log-level", "loud"], ["--threads", "0"],
            ["--daytime-port", "off", "--time-port", "off"], ["--rate-limit", "0"], ["--allow", "10.0.0.0/33"],
            ["--shutdown-timeout", "soon"], ["--host", ""], ["--allow", " "],
        ]
    )
    func malformedFlags(arguments: [String]) async throws {
        let result = try await Processes.run(try Processes.product("daytimed"), arguments)
        #expect(result.status == 64, "\(result.standardError)")
        #expect(result.standardError.contains(arguments[0]), "\(result.standardError)")
        #expect(!result.standardError.contains("listening on"))
        #expect(result.standardError.split(separator: "\n").count == 1, "\(result.standardError)")
    }

    @Test("--log-level info logs each connection like the seed's 'Got a connection from'")
    func connectionLog() async throws {
        let (server, daytimePort, _) = try await Self.startServer(["--log-level", "info"])
        defer { server.stop() }
        _ = try await Processes.run(
            try Processes.tool("python3", package: "python3"),
            [
                Processes.shared.appendingPathComponent("bench/peers/seed_client.py").path, "127.0.0.1",
                String(daytimePort),
            ]
        )
        try await server.waitForStandardError(containing: "Got a connection from 127.0.0.1:")
    }
}
