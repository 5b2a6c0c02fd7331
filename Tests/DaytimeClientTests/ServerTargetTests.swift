import DaytimeClient
import DaytimeCore
import Testing

/// A target as written, and what it must read as.
struct TargetCase: Sendable, CustomTestStringConvertible {
    var text: String
    var host: String
    var port: Int?
    var kind: TimeProtocolKind?
    var transport: TimeQuery.Transport?

    var testDescription: String { self.text }
}

@Suite("Server targets")
struct ServerTargetTests {
    @Test(
        "reads HOST, HOST:PORT, [IPV6]:PORT, bare IPv6 and SCHEME://",
        arguments: [
            TargetCase(text: "127.0.0.1", host: "127.0.0.1"),
            TargetCase(text: "127.0.0.1:1313", host: "127.0.0.1", port: 1313),
            TargetCase(text: "time.example.net", host: "time.example.net"),
            TargetCase(text: "localhost:13", host: "localhost", port: 13),
            TargetCase(text: "::1", host: "::1"),
            TargetCase(text: "[::1]", host: "::1"),
            TargetCase(text: "[::1]:37", host: "::1", port: 37),
            TargetCase(text: "[fe80::1%lo]:13", host: "fe80::1%lo", port: 13),
            TargetCase(text: "daytime://127.0.0.1", host: "127.0.0.1", kind: .daytime),
            TargetCase(text: "time://[::1]:3737/", host: "::1", port: 3737, kind: .time),
            TargetCase(text: "time+udp://127.0.0.1:37", host: "127.0.0.1", port: 37, kind: .time, transport: .udp),
            TargetCase(text: "DAYTIME+TCP://host", host: "host", kind: .daytime, transport: .tcp),
            TargetCase(text: "daytime+udp://::1", host: "::1", kind: .daytime, transport: .udp),
        ]
    )
    func parses(_ expected: TargetCase) throws {
        let target = try ServerTarget(parsing: expected.text)
        #expect(target.host == expected.host)
        #expect(target.port == expected.port)
        #expect(target.protocol == expected.kind)
        #expect(target.transport == expected.transport)
        #expect(target.description == expected.text)
    }

    @Test(
        "rejects malformed targets with a message that says how to write them",
        arguments: [
            ("ftp://host", "unknown scheme"),
            ("time+sctp://host", "unknown transport"),
            ("daytime+udp+tcp://host", "unknown scheme"),
            ("daytime://", "no host"),
            ("", "no host"),
            (":13", "no host"),
            ("[::1", "without ']'"),
            ("[::1]13", "only ':PORT'"),
            ("[127.0.0.1]:13", "brackets are for IPv6"),
            ("host:0", "1 to 65535"),
            ("host:65536", "1 to 65535"),
            ("host:http", "1 to 65535"),
            ("[::1]:", "1 to 65535"),
        ]
    )
    func rejects(text: String, advice: String) {
        #expect {
            _ = try ServerTarget(parsing: text)
        } throws: { error in
            (error as? ServerTarget.ParseError)?.description.contains(advice) == true
        }
    }

    @Test("what a target does not say comes from the defaults; what it says wins")
    func defaults() throws {
        let defaults = TimeQuery(host: "", port: 1313, protocol: .daytime, transport: .tcp, assumedTimeZone: .utc)
        let plain = try ServerTarget(parsing: "127.0.0.1").query(defaults: defaults)
        #expect(
            plain.host == "127.0.0.1" && plain.port == 1313 && plain.protocol == .daytime && plain.transport == .tcp
        )
        let full = try ServerTarget(parsing: "time+udp://[::1]:37").query(defaults: defaults)
        #expect(full.host == "::1" && full.port == 37 && full.protocol == .time && full.transport == .udp)
        let noPort = try ServerTarget(parsing: "time://h").query(defaults: TimeQuery(host: "", assumedTimeZone: .utc))
        #expect(noPort.effectivePort == 37)
    }
}
