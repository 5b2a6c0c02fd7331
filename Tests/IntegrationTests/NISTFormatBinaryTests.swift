import DaytimeTestSupport
import Foundation
import Testing

/// `daytimed`'s flags for the NIST line, patterns and leap seconds, through the built binary.
@Suite("daytimed: --format nist, patterns, leap seconds")
struct NISTFormatBinaryTests {
    @Test("--format nist with --nist-label and --nist-advance sends NIST's framing with our label and today's fields")
    func nistLine() async throws {
        let (server, daytimePort, _) = try await DaytimedBinaryTests.startServer([
            "--format", "nist", "--nist-label", "UTC(test)", "--nist-advance", "50",
        ])
        defer { server.stop() }
        let line = try await offPool { try LoopbackClient.line(port: daytimePort) }
        #expect(line.hasPrefix("\n") && line.hasSuffix(" UTC(test) * \n"), "\(line.debugDescription)")
        let fields = line.split(separator: " ")
        // Split on spaces: the line feed after the marker's space is a field of its own.
        #expect(fields.count == 10 && fields[9] == "\n")
        #expect(fields[6] == "50.0")
        // The MJD is today's (UTC), as the system counts days.
        let now = Date()
        let mjd = Int(now.timeIntervalSince1970 / 86_400) + 40_587
        #expect(abs((Int(fields[0].dropFirst()) ?? 0) - mjd) <= 1)
        // L and H are digits the definition allows, whatever this machine's list and clock say.
        #expect(["0", "1", "2", "3"].contains(fields[4]))
        #expect(["0", "1", "2", "3"].contains(fields[5]))
    }

    @Test(
        "L follows the leap-second list given: 1 for a second added at the end of this month, 2 for one deleted, 0 for none",
        arguments: [(38, "1"), (36, "2"), (nil, "0")] as [(Int?, String)]
    )
    func leapIndicatorFromTheList(dtaiNextMonth: Int?, expected: String) async throws {
        // This month and the next, in UTC, as glibc counts them.
        var now = time(nil)
        var fields = tm()
        gmtime_r(&now, &fields)
        let (year, month) = (Int(fields.tm_year) + 1900, Int(fields.tm_mon) + 1)
        let next = month == 12 ? (year + 1, 1) : (year, month + 1)
        var entries = [(ntp: ntp(2017, 1, 1), dtai: 37)]
        if let dtai = dtaiNextMonth { entries.append((ntp(next.0, next.1, 1), dtai)) }
        let list = try leapSecondsList(lastUpdate: ntp(year, month, 1), expiry: ntp(year + 2, 1, 1), entries: entries)
        let path = try temporaryFile(Array(list.utf8), prefix: "daytime-leap-list")
        defer { unlink(path) }
        let (server, daytimePort, _) = try await DaytimedBinaryTests.startServer([
            "--format", "nist", "--leap-seconds-file", path,
        ])
        defer { server.stop() }
        let line = try await offPool { try LoopbackClient.line(port: daytimePort) }
        #expect(line.split(separator: " ")[4] == expected, "\(line.debugDescription)")
    }

    @Test("a leap-second list that does not exist: warned at start, the server still answers with L=3")
    func missingLeapList() async throws {
        let (server, daytimePort, _) = try await DaytimedBinaryTests.startServer([
            "--format", "nist", "--leap-seconds-file", "/nonexistent/leap-seconds.list",
        ])
        defer { server.stop() }
        try await server.waitForStandardError(containing: "/nonexistent/leap-seconds.list")
        let line = try await offPool { try LoopbackClient.line(port: daytimePort) }
        #expect(line.split(separator: " ")[4] == "3")
    }

    @Test("a pattern is served; an unknown field is a usage error that names it", arguments: ["%Q", "%F %5Q"])
    func patterns(bad: String) async throws {
        let (server, daytimePort, _) = try await DaytimedBinaryTests.startServer([
            "--format", "%Y-%m-%dT%H:%M:%S.%3NZ", "--timezone", "UTC",
        ])
        defer { server.stop() }
        let line = try await offPool { try LoopbackClient.line(port: daytimePort) }
        #expect(line.utf8.count == 26 && line.hasSuffix("Z\r\n"), "\(line.debugDescription)")

        let result = try await Processes.run(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off", "--format", bad]
        )
        #expect(result.status == 64)
        let unknown = bad.split(separator: " ").last.map(String.init) ?? bad
        #expect(result.standardError.contains("unknown field \(unknown)"), "\(result.standardError)")
        #expect(!result.standardError.contains("Fatal error"))
    }

    @Test("bad NIST options and thresholds are usage errors with the rule")
    func badOptions() async throws {
        for (flags, text) in [
            (["--format", "nist", "--nist-label", "UTC (x)"], "without spaces"),
            (["--nist-advance", "1000"], "0 to 999.9"),
            (["--clock-healthy-max-error", "0"], "milliseconds above 0"),
        ] {
            let result = try await Processes.run(
                try Processes.product("daytimed"),
                ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off"] + flags
            )
            #expect(result.status == 64, "\(flags)")
            #expect(result.standardError.contains(text), "\(result.standardError)")
        }
    }
}
