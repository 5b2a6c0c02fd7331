import Testing

/// `daytime ntp://HOST`: what it prints, and how it fails.
@Suite("The daytime command with NTP servers")
struct NTPCommandTests {
    @Test("ntp://HOST:PORT prints the server's time with stratum and reference, then the offset in microseconds")
    func text() async throws {
        let server = try await ntpResponder(.answer(clockOffset: 0.25))
        let result = try await daytime(["ntp://127.0.0.1:\(server.port)"])
        await server.stop()
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 2)
        #expect(lines[0].hasSuffix("Z (stratum 2, reference 192.0.2.1)"), "\(lines[0])")
        #expect(lines[1].hasSuffix(" s (local clock behind)"), "\(lines[1])")
        // offset +0.250123 s ± 0.004512 s: six decimals, the server's 0.25 s inside the bound.
        let words = lines[1].split(separator: " ")
        try #require(words.count > 4 && words[0] == "offset" && words[3] == "±", "\(lines[1])")
        #expect(words[1].split(separator: ".").last?.count == 6, "\(lines[1])")
        #expect(words[4].split(separator: ".").last?.count == 6, "\(lines[1])")
        let offset = try #require(Double(words[1]), "\(lines[1])")
        let bound = try #require(Double(words[4]), "\(lines[1])")
        #expect(abs(offset - 0.25) <= bound, "\(lines[1])")
    }

    @Test("--protocol ntp --port N --samples 2 --json: one object with the ntp fields, after two requests")
    func json() async throws {
        let server = try await ntpResponder(.answer(clockOffset: -0.5))
        let result = try await daytime([
            "127.0.0.1", "--protocol", "ntp", "--port", String(server.port), "--samples", "2", "--json",
        ])
        await server.stop()
        #expect(result.status == 0, "\(result.standardError)")
        let out = result.standardOutput
        #expect(out.hasPrefix("{\"host\":\"127.0.0.1\""), "\(out)")
        #expect(out.contains("\"protocol\":\"ntp\",\"transport\":\"udp\""), "\(out)")
        #expect(out.contains("\"ntp\":{\"leap\":0,\"stratum\":2,\"precision_log2\":-20,"), "\(out)")
        #expect(out.contains("\"reference_id\":\"192.0.2.1\""), "\(out)")
        let offset = try #require(PreciseCommandTests.number(after: "\"offset_seconds\":", in: out), "\(out)")
        let bound = try #require(PreciseCommandTests.number(after: "\"offset_bound_seconds\":", in: out), "\(out)")
        #expect(abs(offset + 0.5) <= bound, "\(out)")
        #expect(server.requests.all.count == 2)
    }

    @Test(
        "refusals exit with their status and one line on standard error",
        arguments: [
            (NTPResponse.kiss("RATE"), Int32(75), "Kiss-o'-Death RATE"),
            (.kiss("DENY"), 69, "Kiss-o'-Death DENY"),
            (.unsynchronizedLeap, 69, "is not synchronized"),
            (.stratum16, 69, "stratum is 16"),
            (.wrongOrigin, 76, "echoed the request's transmit time"),
            (.zeroTransmit, 76, "transmit time is zero"),
            (.short, 76, "check --port and --protocol"),
        ]
    )
    func refusals(response: NTPResponse, status: Int32, reason: String) async throws {
        let server = try await ntpResponder(response)
        let result = try await daytime(["ntp://127.0.0.1:\(server.port)", "--timeout", "0.4"])
        await server.stop()
        #expect(result.status == status)
        #expect(result.standardOutput == "")
        #expect(result.standardError.hasPrefix("daytime: "), "\(result.standardError)")
        #expect(result.standardError.contains(reason), "\(result.standardError)")
        #expect(result.standardError.split(separator: "\n").count == 1)
    }

    @Test("--dry-run with an NTP server 0.25 s ahead: would slew by +0.25 s within the bound, and exit 0")
    func dryRun() async throws {
        let server = try await ntpResponder(.answer(clockOffset: 0.25))
        let text = try await daytime(["ntp://127.0.0.1:\(server.port)", "--dry-run"])
        let json = try await daytime(["ntp://127.0.0.1:\(server.port)", "--dry-run", "--json"])
        await server.stop()
        #expect(text.status == 0, "\(text.standardError)")
        let last = text.standardOutput.split(separator: "\n").last ?? ""
        #expect(last.hasPrefix("dry run: would slew the clock by +0."), "\(last)")
        let out = json.standardOutput
        #expect(out.contains("\"clock\":{\"action\":\"slew\""), "\(out)")
        #expect(out.contains("\"dry_run\":true"), "\(out)")
        let seconds = try #require(PreciseCommandTests.number(after: "\"seconds\":", in: out), "\(out)")
        let bound = try #require(PreciseCommandTests.number(after: "\"offset_bound_seconds\":", in: out), "\(out)")
        #expect(abs(seconds - 0.25) <= bound, "\(out)")
    }

    @Test("several servers: an NTP one beside a Daytime one that lies and a Time one; the liar is named")
    func several() async throws {
        let ntp = try await ntpResponder(.answer(clockOffset: 0))
        let liar = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 3), clockOffset: 30))
        let time = try await TestServer.start(host: "127.0.0.1", .time(clockOffset: 0))
        let result = try await daytime([
            "ntp://127.0.0.1:\(ntp.port)", "127.0.0.1:\(liar.port)", "time://127.0.0.1:\(time.port)",
        ])
        await ntp.stop()
        await liar.stop()
        await time.stop()
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 4)
        #expect(lines[0].hasPrefix("ntp://127.0.0.1:\(ntp.port): "), "\(lines[0])")
        #expect(lines[1].hasSuffix("; DISAGREES"), "\(lines[1])")
        #expect(lines[3].hasPrefix("combined: offset "), "\(lines[3])")
        #expect(lines[3].hasSuffix("(2 of 3 servers agree; disagreeing: 127.0.0.1:\(liar.port))"), "\(lines[3])")
    }

    @Test("ntp+tcp:// is a usage error; daytime bench refuses NTP")
    func usage() async throws {
        let tcp = try await daytime(["ntp+tcp://127.0.0.1"])
        #expect(tcp.status == 64)
        #expect(tcp.standardError.contains("NTP travels over UDP only"), "\(tcp.standardError)")
        let bench = try await daytime(["bench", "ntp://127.0.0.1:9"])
        #expect(bench.status == 64)
        #expect(bench.standardError.contains("bench loads Daytime and Time servers only"), "\(bench.standardError)")
    }
}
