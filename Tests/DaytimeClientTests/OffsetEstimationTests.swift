import DaytimeClient
import DaytimeCore
import Testing
import _DaytimeTesting

/// A server clock shifted by a known amount, in a given layout.
struct ShiftedServer: Sendable, CustomTestStringConvertible {
    var protocolKind: TimeProtocolKind
    var format: DaytimeFormat
    var serverClockOffset: Double

    var testDescription: String {
        "\(self.protocolKind == .time ? "time" : self.format.name) server \(self.serverClockOffset) s off"
    }
}

@Suite("Offset estimation")
struct OffsetEstimationTests {
    @Test(
        "the interval offset ± bound contains the true offset of a shifted server clock",
        arguments: [
            ShiftedServer(protocolKind: .daytime, format: .rfc3339(fractionDigits: 6), serverClockOffset: 2.5),
            ShiftedServer(protocolKind: .daytime, format: .rfc3339(fractionDigits: 3), serverClockOffset: -0.75),
            ShiftedServer(protocolKind: .daytime, format: .rfc3339(fractionDigits: 9), serverClockOffset: 0),
            ShiftedServer(protocolKind: .daytime, format: .ctime, serverClockOffset: 7.3),
            ShiftedServer(protocolKind: .daytime, format: .rfc2822, serverClockOffset: -3600.2),
            ShiftedServer(protocolKind: .time, format: .ctime, serverClockOffset: -100.6),
        ]
    )
    func serverShifted(_ server: ShiftedServer) async throws {
        let behaviour: ServerBehaviour =
            server.protocolKind == .time
            ? .time(clockOffset: server.serverClockOffset)
            : .daytime(server.format, clockOffset: server.serverClockOffset)
        let test = try await TestServer.start(host: "127.0.0.1", behaviour)
        defer { Task { await test.stop() } }
        for _ in 0..<5 {
            let sample = try await TimeClient().query(
                TimeQuery(host: "127.0.0.1", port: test.port, protocol: server.protocolKind)
            )
            let offset = try #require(sample.offset)
            let bound = try #require(sample.offsetBound)
            #expect(abs(offset - server.serverClockOffset) <= bound, "offset \(offset) ± \(bound)")
            #expect(bound == sample.roundTrip / 2 + (sample.resolution ?? .nan) / 2)
        }
    }

    @Test("an injected local clock that runs 3.25 s behind shows as offset +3.25 s")
    func localClockBehind() async throws {
        let test = try await TestServer.start(host: "::1", .daytime(.rfc3339(fractionDigits: 6)))
        defer { Task { await test.stop() } }
        let client = TimeClient(wallClock: OffsetWallClock(SystemWallClock(), offset: -3.25))
        let sample = try await client.query(TimeQuery(host: "::1", port: test.port))
        let offset = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(offset - 3.25) <= bound)
        // A loopback round trip plus 1 µs of resolution: how long depends on the machine's load, so
        // only what the check above needs is asked: a bound too small to take 3.25 s for none.
        #expect(bound < 3.25, "the offset check cannot tell 3.25 s from none")
    }

    @Test("a fixed local clock makes T1 = T4, and the offset is exact arithmetic")
    func fixedClock() async throws {
        let local = Instant(seconds: 1_620_419_800, nanoseconds: 250_000_000)
        let test = try await TestServer.start(host: "127.0.0.1", .send(Array("2021-05-07T20:36:52.5Z\r\n".utf8)))
        defer { Task { await test.stop() } }
        let sample = try await TimeClient(wallClock: FixedWallClock(local))
            .query(TimeQuery(host: "127.0.0.1", port: test.port))
        #expect(sample.connectStartedAt == local)
        #expect(sample.connectedAt == local)
        #expect(sample.firstByteAt == local)
        // (52.5 + 0.05) - 40.25
        #expect(abs(try #require(sample.offset) - 12.3) < 1e-9)
        #expect(abs(try #require(sample.offsetBound) - (sample.roundTrip / 2 + 0.05)) < 1e-12)
    }

    @Test("a time answer near the era boundary is placed in the era of the local clock")
    func eraNearestLocalClock() async throws {
        // The local clock reads 2036-02-07T06:28:20Z, 4 s after the 32-bit value wraps; the server says 06:28:10.
        let local = Instant(seconds: 2_085_978_500)
        let value = TimeProtocolValue(Instant(seconds: 2_085_978_490))
        let (a, b, c, d) = value.bigEndianBytes
        let test = try await TestServer.start(host: "127.0.0.1", .send([a, b, c, d]))
        defer { Task { await test.stop() } }
        let sample = try await TimeClient(wallClock: FixedWallClock(local))
            .query(TimeQuery(host: "127.0.0.1", port: test.port, protocol: .time))
        #expect(sample.serverInstant == Instant(seconds: 2_085_978_490))
        #expect(abs(try #require(sample.offset) - -9.5) < 1e-9)
    }
}
