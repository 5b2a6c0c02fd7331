import DaytimeClient
import DaytimeCore
import NIOCore
import Testing
import _DaytimeTesting

/// The bytes of a line in `format` read from the system clock shifted by `offset` seconds.
private func line(_ format: DaytimeFormat, clockOffset offset: Double) -> [UInt8] {
    Array(format.line(for: CivilDateTime(OffsetWallClock(SystemWallClock(), offset: offset).now())).utf8)
}

@Suite("Measuring several servers")
struct MeasurementTests {
    @Test(
        "a server shifted by a known amount and delayed by a known round trip: the interval contains the truth",
        arguments: [
            (2.5, 150, 50, DaytimeFormat.rfc3339(fractionDigits: 6)),
            (-0.75, 20, 180, DaytimeFormat.rfc3339(fractionDigits: 3)),
            (7.3, 100, 100, DaytimeFormat.ctime),
        ]
    )
    func shiftedAndDelayed(
        shift: Double,
        beforeMilliseconds: Int64,
        afterMilliseconds: Int64,
        format: DaytimeFormat
    )
        async throws
    {
        let server = try await TestServer.start(
            host: "127.0.0.1",
            .delayed(before: .milliseconds(beforeMilliseconds), after: .milliseconds(afterMilliseconds)) {
                line(format, clockOffset: shift)
            }
        )
        let measurement = await TimeClient().measure(
            [TimeQuery(host: "127.0.0.1", port: server.port, assumedTimeZone: .utc)],
            samples: 2
        )
        await server.stop()
        let server0 = measurement.servers[0]
        #expect(server0.samples.count == 2, "\(server0.errors)")
        let best = try #require(server0.best)
        let offset = try #require(best.offset)
        let bound = try #require(best.offsetBound)
        let delay = Double(beforeMilliseconds + afterMilliseconds) / 1000
        #expect(best.roundTrip >= delay, "the round trip includes the server's delay")
        // The round trip is measured on the monotonic clock, and both readings are kept.
        #expect(best.firstByteMonotonic > best.connectStartedMonotonic)
        #expect(abs(Double(best.firstByteMonotonic - best.connectStartedMonotonic) / 1e9 - best.roundTrip) < 1e-9)
        #expect(abs(offset - shift) <= bound, "offset \(offset) ± \(bound), truth \(shift)")
        // The best is the one with the smallest round trip.
        #expect(server0.samples.allSatisfy { $0.roundTrip >= best.roundTrip })
    }

    @Test("the local clock is injected: a client clock 12.5 s behind sees the server 12.5 s ahead, over UDP too")
    func injectedLocalClock() async throws {
        let tcp = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 6)))
        let udp = try await UDPTestServer.start(host: "::1") { line(.rfc3339(fractionDigits: 6), clockOffset: 0) }
        let client = TimeClient(wallClock: OffsetWallClock(SystemWallClock(), offset: -12.5))
        let measurement = await client.measure([
            TimeQuery(host: "127.0.0.1", port: tcp.port),
            TimeQuery(host: "::1", port: udp.port, transport: .udp),
        ])
        await tcp.stop()
        await udp.stop()
        for server in measurement.servers {
            let best = try #require(server.best, "\(server.errors)")
            let offset = try #require(best.offset)
            let bound = try #require(best.offsetBound)
            #expect(abs(offset - 12.5) <= bound)
        }
        #expect(measurement.servers[1].best?.transport == .udp)
        let combined = try measurement.combined.get()
        #expect(abs(combined.offset - 12.5) <= combined.bound)
        #expect(combined.truechimers == [0, 1])
    }

    @Test("three servers, one an hour off: the combined estimate leaves it out and names it")
    func oneLiesByAnHour() async throws {
        let honestA = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 3)))
        let liar = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 3), clockOffset: 3600)
        )
        let honestB = try await UDPTestServer.start(host: "127.0.0.1") {
            line(.rfc3339(fractionDigits: 3), clockOffset: 0)
        }
        let measurement = await TimeClient().measure([
            TimeQuery(host: "127.0.0.1", port: honestA.port),
            TimeQuery(host: "127.0.0.1", port: liar.port),
            TimeQuery(host: "127.0.0.1", port: honestB.port, transport: .udp),
        ])
        await honestA.stop()
        await liar.stop()
        await honestB.stop()
        let combined = try measurement.combined.get()
        #expect(combined.truechimers == [0, 2])
        #expect(combined.falsetickers == [1])
        #expect(abs(combined.offset) <= combined.bound, "the local clock is the truth: offset 0")
        #expect(abs(try #require(measurement.servers[1].best?.offset) - 3600) < 1)
    }

    @Test("two servers that disagree give no estimate; a server that fails is left out, with its error")
    func disagreementAndFailure() async throws {
        let honest = try await TestServer.start(host: "127.0.0.1", .daytime(.rfc3339(fractionDigits: 3)))
        let liar = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 3), clockOffset: -3600)
        )
        let silent = try await UDPTestServer.start(host: "127.0.0.1") { nil }
        let measurement = await TimeClient().measure([
            TimeQuery(host: "127.0.0.1", port: honest.port),
            TimeQuery(host: "127.0.0.1", port: liar.port),
            TimeQuery(host: "127.0.0.1", port: silent.port, transport: .udp, timeout: .milliseconds(300)),
        ])
        await honest.stop()
        await liar.stop()
        await silent.stop()
        #expect(throws: CombinedEstimate.Disagreement(largestAgreeingGroup: 1, servers: 2)) {
            try measurement.combined.get()
        }
        #expect(measurement.servers[2].best == nil)
        #expect(measurement.servers[2].errors.first?.code == .timeout)
    }

    @Test("UDP: a time answer decodes; a refused port is a refusal, not a timeout")
    func udp() async throws {
        let server = try await UDPTestServer.start(host: "127.0.0.1") {
            let (a, b, c, d) = TimeProtocolValue(OffsetWallClock(SystemWallClock(), offset: 100).now()).bigEndianBytes
            return [a, b, c, d]
        }
        let sample = try await TimeClient().query(
            TimeQuery(host: "127.0.0.1", port: server.port, protocol: .time, transport: .udp)
        )
        await server.stop()
        #expect(sample.transport == .udp)
        let offset = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(offset - 100) <= bound + 0.001)
        // A port nothing listens on: the kernel answers with ICMP port unreachable. Not a port just
        // closed by this test: another test running meanwhile may bind it again (port 0), and then
        // the datagram finds a socket. Port 9 of an address of its own is never bound by the tests.
        let refused = await TimeClient().measure([
            TimeQuery(host: "127.0.0.67", port: 9, protocol: .time, transport: .udp, timeout: .seconds(2))
        ])
        #expect(refused.servers[0].errors.first?.code == .connectionRefused)
    }

    @Test("a NIST line from an unhealthy server is reported but left out of the combination")
    func unhealthyNIST() async throws {
        let nistLine: @Sendable (Int) -> [UInt8] = { health in
            let instant = SystemWallClock().now()
            let now = CivilDateTime(instant)
            let mjd = Int(instant.seconds / 86_400) + 40_587
            func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
            let text =
                "\n\(mjd) \(two(now.year % 100))-\(two(now.month))-\(two(now.day)) "
                + "\(two(now.hour)):\(two(now.minute)):\(two(now.second)) 00 0 \(health)   0.0 UTC(NIST) *\n"
            return Array(text.utf8)
        }
        let healthy = try await TestServer.start(host: "127.0.0.1", .render { nistLine(0) })
        let sick = try await TestServer.start(host: "127.0.0.1", .render { nistLine(2) })
        let measurement = await TimeClient().measure([
            TimeQuery(host: "127.0.0.1", port: healthy.port),
            TimeQuery(host: "127.0.0.1", port: sick.port),
        ])
        await healthy.stop()
        await sick.stop()
        #expect(measurement.servers[0].best?.lineLayout == .nist)
        #expect(measurement.servers[1].best?.nist?.health == 2)
        #expect(!measurement.servers[1].isUsable)
        let combined = try measurement.combined.get()
        #expect(combined.truechimers == [0])
        #expect(combined.falsetickers.isEmpty)
    }
}
