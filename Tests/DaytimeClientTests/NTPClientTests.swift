import DaytimeCore
import Testing
import _DaytimeTesting

@testable import DaytimeClient

/// What a scripted NTP responder does with a request.
enum NTPResponse: Sendable, CustomTestStringConvertible {
    /// A good answer from a stratum 2 server whose clock is the system clock shifted by `offset`.
    case answer(clockOffset: Double)
    /// A Kiss-o'-Death with this code (leap 3, stratum 0, every timestamp the request's).
    case kiss(StaticString)
    /// An answer with leap indicator 3.
    case unsynchronizedLeap
    /// An answer with stratum 16.
    case stratum16
    /// An answer whose transmit timestamp is zero.
    case zeroTransmit
    /// A good answer, but in mode 3 (a request), not 4.
    case clientMode
    /// A good answer whose origin is not the request's transmit timestamp.
    case wrongOrigin
    /// The first 47 bytes of a good answer.
    case short
    /// A forged answer (wrong origin, 100 s off), then the real one.
    case forgedThenReal

    var testDescription: String {
        switch self {
        case .answer(let offset): "answer \(offset) s ahead"
        case .kiss(let code): "KoD \(code)"
        case .unsynchronizedLeap: "leap 3"
        case .stratum16: "stratum 16"
        case .zeroTransmit: "zero transmit time"
        case .clientMode: "mode 3"
        case .wrongOrigin: "wrong origin"
        case .short: "47 bytes"
        case .forgedThenReal: "forged, then real"
        }
    }

    /// The stated root delay and dispersion and precision of every good answer.
    static let rootDelay = 0.004
    static let rootDispersion = 0.002
    static let precision: Int8 = -20

    /// The datagrams sent back to `request`.
    func reply(to request: [UInt8], clock: any WallClock = SystemWallClock()) -> [[UInt8]] {
        guard let asked = NTPPacket(request) else { return [] }
        func good(offset: Double) -> NTPPacket {
            let now = clock.now().advanced(by: offset)
            return NTPPacket(
                leap: 0,
                mode: .server,
                stratum: 2,
                precision: Self.precision,
                rootDelay: NTPShortFormat.encode(Self.rootDelay),
                rootDispersion: NTPShortFormat.encode(Self.rootDispersion),
                referenceID: 0xC000_0201,
                referenceTime: NTPTimestamp(now),
                originTime: asked.transmitTime,
                receiveTime: NTPTimestamp(now),
                transmitTime: NTPTimestamp(now)
            )
        }
        var packet = good(offset: 0)
        switch self {
        case .answer(let offset):
            packet = good(offset: offset)
        case .kiss(let code):
            packet = NTPPacket(
                leap: 3,
                mode: .server,
                stratum: 0,
                referenceID: NTPPacket.referenceID(ascii: code),
                originTime: asked.transmitTime,
                receiveTime: asked.transmitTime,
                transmitTime: asked.transmitTime
            )
        case .unsynchronizedLeap:
            packet.leap = 3
        case .stratum16:
            packet.stratum = 16
        case .zeroTransmit:
            packet.transmitTime = .zero
        case .clientMode:
            packet.mode = .client
        case .wrongOrigin:
            packet.originTime = NTPTimestamp(bits: asked.transmitTime.bits ^ 1)
        case .short:
            return [Array(packet.bytes.prefix(47))]
        case .forgedThenReal:
            var forged = good(offset: 100)
            forged.originTime = NTPTimestamp(bits: asked.transmitTime.bits &+ 1)
            return [forged.bytes, packet.bytes]
        }
        return [packet.bytes]
    }
}

/// Starts a responder on 127.0.0.1 that answers every request as `response` says.
func ntpResponder(_ response: NTPResponse, clock: any WallClock = SystemWallClock()) async throws -> UDPTestServer {
    try await UDPTestServer.start(host: "127.0.0.1") { response.reply(to: $0, clock: clock) }
}

@Suite("SNTP queries")
struct NTPClientTests {
    static func query(_ port: Int, timeout: Duration = .seconds(2)) -> TimeQuery {
        TimeQuery(host: "127.0.0.1", port: port, protocol: .ntp, timeout: timeout)
    }

    @Test("the request is 48 bytes: version 4, mode 3, and nothing but a random transmit timestamp")
    func request() async throws {
        let server = try await ntpResponder(.answer(clockOffset: 0))
        defer { Task { await server.stop() } }
        _ = try await TimeClient().query(Self.query(server.port))
        _ = try await TimeClient().query(Self.query(server.port))
        let requests = server.requests.all
        try #require(requests.count == 2)
        for request in requests {
            #expect(request.count == 48)
            #expect(request[0] == 0x23, "leap 0, version 4, mode 3")
            #expect(request[1..<40].allSatisfy { $0 == 0 }, "no stratum, poll, times or reference")
            #expect(request[40..<48].contains { $0 != 0 })
        }
        #expect(requests[0][40..<48] != requests[1][40..<48], "a new random transmit timestamp for each request")
    }

    @Test(
        "a server 0.25 s ahead: the offset is found within its bound, the bound is NTP's",
        arguments: [0.25, -1.5, 0.0]
    )
    func shiftedServer(offset: Double) async throws {
        let server = try await ntpResponder(.answer(clockOffset: offset))
        defer { Task { await server.stop() } }
        let sample = try await TimeClient().query(Self.query(server.port))
        let ntp = try #require(sample.ntp)
        let measured = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(measured - offset) <= bound, "offset \(measured) ± \(bound)")
        #expect(sample.protocol == .ntp)
        #expect(sample.transport == .udp)
        #expect(ntp.server.stratum == 2)
        #expect(ntp.referenceID == "192.0.2.1")
        #expect(abs(ntp.server.rootDelay - NTPResponse.rootDelay) < 1e-4)
        #expect(abs(ntp.server.rootDispersion - NTPResponse.rootDispersion) < 1e-4)
        #expect(ntp.server.precisionSeconds == 1.0 / 1_048_576)
        #expect(
            bound == ntp.delay / 2 + ntp.server.rootDispersion + ntp.server.rootDelay / 2 + ntp.server.precisionSeconds
        )
        #expect(ntp.delay <= sample.roundTrip + 1e-3)
    }

    @Test("a fixed local clock and a fixed server: the offset is RFC 5905's arithmetic on the four timestamps")
    func fixedClocks() async throws {
        let local = Instant(seconds: 1_800_000_000, nanoseconds: 500_000_000)
        // The server's clock reads 0.75 s ahead of the fixed local one, at both T2 and T3.
        let server = try await ntpResponder(.answer(clockOffset: 0.75), clock: FixedWallClock(local))
        defer { Task { await server.stop() } }
        let sample = try await TimeClient(wallClock: FixedWallClock(local)).query(Self.query(server.port))
        let ntp = try #require(sample.ntp)
        #expect(sample.connectStartedAt == local && sample.firstByteAt == local)
        #expect(ntp.receiveTime == local.advanced(by: 0.75))
        // ((T2 - T1) + (T3 - T4)) / 2 with T1 = T4; 2^-32 s of timestamp rounding.
        #expect(abs(ntp.offset - 0.75) < 1e-9)
        #expect(ntp.delay == 0)
        #expect(sample.serverInstant == ntp.transmitTime)
    }

    @Test(
        "refusals: each kind with its code and the one-line reason",
        arguments: [
            (NTPResponse.kiss("RATE"), TimeClientError.Code.rateLimited, "Kiss-o'-Death RATE"),
            (.kiss("DENY"), .accessDenied, "refuses this client (Kiss-o'-Death DENY)"),
            (.kiss("RSTR"), .accessDenied, "refuses this client (Kiss-o'-Death RSTR)"),
            (.kiss("INIT"), .serverUnsynchronized, "Kiss-o'-Death INIT"),
            (.unsynchronizedLeap, .serverUnsynchronized, "leap indicator is 3"),
            (.stratum16, .serverUnsynchronized, "stratum is 16"),
            (.zeroTransmit, .malformedAnswer, "transmit time is zero"),
            (.clientMode, .malformedAnswer, "NTP mode 3"),
            (.wrongOrigin, .originMismatch, "echoed the request's transmit time"),
            (.short, .malformedAnswer, "sent 47 bytes, but an NTP answer is at least 48"),
        ]
    )
    func refusal(response: NTPResponse, code: TimeClientError.Code, reason: String) async throws {
        let server = try await ntpResponder(response)
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TimeClientError.self) {
            try await TimeClient().query(Self.query(server.port, timeout: .milliseconds(400)))
        }
        #expect(error?.code == code)
        #expect(error?.endpoint == "127.0.0.1:\(server.port)")
        #expect(error?.description.contains(reason) == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("\n") == false)
        if case .kiss(let kiss) = response {
            #expect(error?.kissCode == "\(kiss)")
        }
    }

    @Test("no answer at all is a timeout")
    func timeout() async throws {
        let server = try await UDPTestServer.start(host: "127.0.0.1") { _ in [] }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: TimeClientError.self) {
            try await TimeClient().query(Self.query(server.port, timeout: .milliseconds(300)))
        }
        #expect(error?.code == .timeout)
    }

    @Test("a forged answer (wrong origin) does not end the exchange: the real one that follows is used")
    func forgedThenReal() async throws {
        let server = try await ntpResponder(.forgedThenReal)
        defer { Task { await server.stop() } }
        let sample = try await TimeClient().query(Self.query(server.port))
        let offset = try #require(sample.offset)
        let bound = try #require(sample.offsetBound)
        #expect(abs(offset) <= bound, "not the forger's 100 s")
    }

    @Test(
        "a Kiss-o'-Death RATE, DENY or RSTR stops the samples of that server; the others go on",
        arguments: ["RATE", "DENY", "RSTR"] as [StaticString]
    )
    func kissStopsAsking(code: StaticString) async throws {
        let kissing = try await ntpResponder(.kiss(code))
        let good = try await ntpResponder(.answer(clockOffset: 0))
        defer {
            Task {
                await kissing.stop()
                await good.stop()
            }
        }
        let measurement = await TimeClient().measure([Self.query(kissing.port), Self.query(good.port)], samples: 3)
        #expect(kissing.requests.all.count == 1)
        #expect(good.requests.all.count == 3)
        #expect(measurement.servers[0].errors.count == 1)
        #expect(measurement.servers[0].samples.isEmpty)
        #expect(measurement.servers[1].samples.count == 3)
    }

    @Test("several samples: the one with the least NTP delay is kept, even when its round trip is not the least")
    func leastDelay() throws {
        func sample(roundTrip: Double, delay: Double, offset: Double) -> TimeSample {
            let at = Instant(seconds: 1_800_000_000)
            return TimeSample(
                host: "h",
                serverAddress: "127.0.0.1",
                serverPort: 123,
                protocol: .ntp,
                transport: .udp,
                rawBytes: [],
                line: nil,
                lineLayout: nil,
                serverInstant: at,
                resolution: 1e-6,
                connectStartedAt: at,
                connectedAt: at,
                firstByteAt: at,
                roundTrip: roundTrip,
                ntp: NTPAnswer(
                    server: NTPServerClock(
                        leap: 0,
                        stratum: 2,
                        precision: -20,
                        rootDelay: 0,
                        rootDispersion: 0,
                        referenceID: NTPPacket.referenceID(ascii: "LOCL"),
                        referenceTime: .zero
                    ),
                    receiveTime: at,
                    transmitTime: at,
                    offset: offset,
                    delay: delay
                )
            )
        }
        // The second took longest end to end, but most of it inside the server: the least delay.
        let measurement = ServerMeasurement(
            query: Self.query(123),
            samples: [
                sample(roundTrip: 0.010, delay: 0.009, offset: 0.1),
                sample(roundTrip: 0.020, delay: 0.001, offset: 0.2),
                sample(roundTrip: 0.005, delay: 0.004, offset: 0.3),
            ],
            errors: []
        )
        let best = try #require(measurement.best)
        #expect(best.offset == 0.2)
        #expect(best.offsetBound == 0.0005 + 1.0 / 1_048_576)
    }

    @Test("an NTP server, a Daytime server and a Time server at once: one estimate they all agree on")
    func mixedProtocols() async throws {
        let ntp = try await ntpResponder(.answer(clockOffset: 2.25))
        let daytime = try await TestServer.start(
            host: "127.0.0.1",
            .daytime(.rfc3339(fractionDigits: 6), clockOffset: 2.25)
        )
        let time = try await TestServer.start(host: "::1", .time(clockOffset: 2.25))
        defer {
            Task {
                await ntp.stop()
                await daytime.stop()
                await time.stop()
            }
        }
        let measurement = await TimeClient().measure([
            Self.query(ntp.port),
            TimeQuery(host: "127.0.0.1", port: daytime.port),
            TimeQuery(host: "::1", port: time.port, protocol: .time),
        ])
        let estimate = try measurement.combined.get()
        #expect(estimate.truechimers == [0, 1, 2])
        #expect(abs(estimate.offset - 2.25) <= estimate.bound)
        // The NTP interval is the narrowest, and the agreed one lies inside it. When the two are
        // the same interval, its half-width (computed from the ends) may round one unit in the last
        // place above the sample's own bound (a sum of terms): 5.860878592285346e-3 against ...157.
        let ntpBound = try #require(measurement.servers[0].best?.offsetBound)
        #expect(estimate.bound <= ntpBound * (1 + 1e-12))
    }

    @Test("--set's policy over an NTP offset, applied to a recording clock control: a slew of about 0.25 s")
    func setThroughInjectedControl() async throws {
        let server = try await ntpResponder(.answer(clockOffset: 0.25))
        defer { Task { await server.stop() } }
        let sample = try await TimeClient().query(Self.query(server.port))
        let decision = ClockCorrectionPolicy().decide(
            offset: try #require(sample.offset),
            bound: try #require(sample.offsetBound)
        )
        let control = RecordingClockControl()
        try decision.apply(to: control)
        let calls = control.calls.withLock { $0 }
        try #require(calls.count == 1)
        guard case .slew(let seconds) = calls[0] else {
            Issue.record("expected a slew, got \(calls[0])")
            return
        }
        let bound = try #require(sample.offsetBound)
        #expect(abs(seconds - 0.25) <= bound)
    }
}
