import DaytimeClient
import DaytimeCore
import DaytimeTestSupport
import Glibc
import Testing

/// 2021-05-07T20:36:52Z.
private let friday = Instant(seconds: 1_620_419_812)

/// Runs `body` against a server on `host` that behaves as told, and stops the server afterwards.
private func withServer<T>(
    host: String = "127.0.0.1",
    _ behaviour: ServerBehaviour,
    _ body: (TestServer) async throws -> T
) async throws -> T {
    let server = try await TestServer.start(host: host, behaviour)
    do {
        let result = try await body(server)
        await server.stop()
        return result
    } catch {
        await server.stop()
        throw error
    }
}

/// The error `body` throws; fails the test if it throws none, or something else.
private func clientError(_ body: () async throws -> TimeSample) async -> TimeClientError? {
    do {
        let sample = try await body()
        Issue.record("expected an error, got a sample: \(sample)")
        return nil
    } catch let error as TimeClientError {
        #expect(!error.description.contains("\n"), "an error description is one line")
        return error
    } catch {
        Issue.record("expected a TimeClientError, got \(error)")
        return nil
    }
}

@Suite("TimeClient over TCP")
struct TimeClientTests {
    let client = TimeClient()

    @Test("a daytime answer gives the line without CR LF, its instant and an offset", arguments: ["127.0.0.1", "::1"])
    func daytime(host: String) async throws {
        // The local clock read around the query itself: read after withServer returns, it would
        // also count the server's stop, which took seconds on a loaded machine (a 6.7 s "offset").
        let (sample, before, after) = try await withServer(
            host: host,
            .send(Array("Fri May  7 20:36:52 2021\r\n".utf8))
        ) {
            server in
            let before = SystemWallClock().now()
            let sample = try await self.client.query(TimeQuery(host: host, port: server.port))
            return (sample, before, SystemWallClock().now())
        }
        #expect(sample.line == "Fri May  7 20:36:52 2021")
        #expect(sample.rawBytes == Array("Fri May  7 20:36:52 2021\r\n".utf8))
        #expect(sample.serverAddress == host)
        #expect(sample.protocol == .daytime)
        #expect(sample.lineFormat == .ctime)
        #expect(sample.serverInstant == friday)
        #expect(sample.resolution == 1)
        // The line's second plus half its resolution, less a local reading taken during the query.
        let offset = try #require(sample.offset)
        #expect(offset >= friday.seconds(since: after) + 0.5 - 0.001, "offset \(offset)")
        #expect(offset <= friday.seconds(since: before) + 0.5 + 0.001, "offset \(offset)")
        #expect(sample.roundTrip >= 0 && sample.roundTrip <= after.seconds(since: before) + 0.001)
        #expect(sample.connectStartedAt <= sample.connectedAt)
        #expect(sample.connectedAt <= sample.firstByteAt)
    }

    @Test("a time answer of 4 bytes is decoded in the era nearest the local clock", arguments: ["127.0.0.1", "::1"])
    func time(host: String) async throws {
        let (sample, before, after) = try await withServer(host: host, .time()) { server in
            let before = SystemWallClock().now()
            let sample = try await self.client.query(TimeQuery(host: host, port: server.port, protocol: .time))
            return (sample, before, SystemWallClock().now())
        }
        #expect(sample.line == nil)
        #expect(sample.rawBytes.count == 4)
        #expect(sample.protocol == .time)
        #expect(sample.serverAddress == host)
        let instant = try #require(sample.serverInstant)
        // The server read the same clock during the query, and sends whole seconds.
        #expect(instant.seconds(since: before) > -1 && instant.seconds(since: after) <= 0, "\(instant)")
        #expect(sample.resolution == 1)
        #expect(try #require(sample.offsetBound) >= 0.5)
    }

    @Test("a time answer of 8 bytes (inetutils-inetd) is accepted, the extra bytes ignored")
    func timeEightBytes() async throws {
        let sample = try await withServer(.time(padding: 4)) { server in
            try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port, protocol: .time))
        }
        #expect(sample.rawBytes.count == 8)
        // Server and client read the same clock: the offset is zero within its own bound.
        #expect(abs(try #require(sample.offset)) <= (try #require(sample.offsetBound)) + 0.001)
    }

    @Test(
        "a time answer that is not 4 to 8 bytes is malformed",
        arguments: [[UInt8](), [1, 2, 3], [UInt8](repeating: 7, count: 9)]
    )
    func timeWrongLength(bytes: [UInt8]) async throws {
        let error = try await withServer(.send(bytes)) { server in
            await clientError {
                try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port, protocol: .time))
            }
        }
        #expect(error?.code == .malformedAnswer)
    }

    @Test("an empty daytime answer is malformed, and so is one that is not ASCII text")
    func daytimeMalformed() async throws {
        for bytes in [[], Array("Fri May  7 20:36:52 2021\u{1B}[2J\r\n".utf8), [0xE4, 0x4D, 0x9E, 0x54]] as [[UInt8]] {
            let error = try await withServer(.send(bytes)) { server in
                await clientError { try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port)) }
            }
            #expect(error?.code == .malformedAnswer, "\(bytes)")
        }
    }

    @Test("a daytime line in an unknown layout is returned without an offset")
    func unknownLayout() async throws {
        let unknown = "\n22.08.2005 02:57:53 MESZ \n"
        let sample = try await withServer(.send(Array(unknown.utf8))) { server in
            try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port))
        }
        #expect(sample.line == "22.08.2005 02:57:53 MESZ ")
        #expect(sample.lineFormat == nil)
        #expect(sample.serverInstant == nil)
        #expect(sample.offset == nil)
        #expect(sample.offsetBound == nil)
    }

    @Test("an answer of 2,000 bytes is oversized; 1,024 bytes is the most allowed")
    func oversized() async throws {
        let error = try await withServer(.send([UInt8](repeating: 0x41, count: 2000))) { server in
            await clientError { try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port)) }
        }
        #expect(error?.code == .oversizedAnswer)
        #expect(error?.description.contains("1024 bytes") == true)

        let sample = try await withServer(.send([UInt8](repeating: 0x41, count: 1024))) { server in
            try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port))
        }
        #expect(sample.rawBytes.count == 1024)
        #expect(sample.offset == nil)
    }

    @Test("-4 and -6 pick the address family, and an address of the other family does not resolve")
    func addressFamilies() async throws {
        let line = Array("2021-05-07T20:36:52Z\r\n".utf8)
        try await withServer(host: "127.0.0.1", .send(line)) { v4 in
            let sample = try await self.client.query(TimeQuery(host: "127.0.0.1", port: v4.port, addressFamily: .ipv4))
            #expect(sample.serverAddress == "127.0.0.1")
            let byName = try await self.client.query(TimeQuery(host: "localhost", port: v4.port, addressFamily: .ipv4))
            #expect(byName.serverAddress == "127.0.0.1")
            #expect(byName.host == "localhost")
            let error = await clientError {
                try await self.client.query(TimeQuery(host: "127.0.0.1", port: v4.port, addressFamily: .ipv6))
            }
            #expect(error?.code == .resolutionFailed)
            #expect(error?.description.contains("IPv6") == true)
        }
        try await withServer(host: "::1", .send(line)) { v6 in
            let sample = try await self.client.query(TimeQuery(host: "::1", port: v6.port, addressFamily: .ipv6))
            #expect(sample.serverAddress == "::1")
            #expect(sample.serverInstant == friday)
            let error = await clientError {
                try await self.client.query(TimeQuery(host: "::1", port: v6.port, addressFamily: .ipv4))
            }
            #expect(error?.code == .resolutionFailed)
        }
    }

    @Test(
        "a closed port is refused, and the message names the address and what to check",
        arguments: [TimeQuery.AddressFamily.any, .ipv4, .ipv6]
    )
    func refused(family: TimeQuery.AddressFamily) async throws {
        let host = family == .ipv6 ? "::1" : "127.0.0.1"
        let reserved = try ReservedPort(host: host)
        let port = reserved.port
        let error = await clientError {
            // A refusal comes at once; the long timeout only keeps a loaded machine (other tests
            // holding Swift's two cooperative threads) from turning it into a timeout.
            try await self.client.query(TimeQuery(host: host, port: port, addressFamily: family, timeout: .seconds(60)))
        }
        _ = consume reserved
        #expect(error?.code == .connectionRefused)
        let endpoint = family == .ipv6 ? "[::1]:\(port)" : "127.0.0.1:\(port)"
        #expect(
            error?.description
                == "connection refused by \(endpoint): no daytime server is listening there; check the host and the port"
        )
        #expect(error?.endpoint == endpoint)
        #expect(error?.systemError == ECONNREFUSED)
        // A program names the settings its own way, here as flags.
        #expect(
            error?.description(naming: { $0 == .port ? "--port" : $0.description })
                == "connection refused by \(endpoint): no daytime server is listening there; check the host and --port"
        )
    }

    @Test("an unknown host name fails resolution")
    func unknownHost() async throws {
        let error = await clientError { try await self.client.query(TimeQuery(host: "no-such-host.invalid", port: 13)) }
        #expect(error?.code == .resolutionFailed)
    }

    @Test("a server that accepts and stays silent times out within the query's timeout")
    func silentServer() async throws {
        let start = MonotonicClock.nanoseconds()
        let error = try await withServer(.silent) { server in
            await clientError {
                try await self.client.query(
                    TimeQuery(host: "127.0.0.1", port: server.port, timeout: .milliseconds(300))
                )
            }
        }
        let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("no answer within 0.3 s") == true)
        // Not before the timeout; the upper bound only catches a timeout that never fires (other
        // tests may hold the cooperative threads for seconds on a loaded machine).
        #expect(elapsed >= 0.25 && elapsed < 30)
    }

    @Test("a server that sends its line but never closes times out, and the message says so")
    func neverCloses() async throws {
        let error = try await withServer(.sendWithoutClosing(Array("Fri May  7 20:36:52 2021\r\n".utf8))) { server in
            await clientError {
                // Long enough for the line to arrive on a loaded machine (CI runs beside other builds):
                // were it late, the error would say "no answer" instead.
                try await self.client.query(
                    TimeQuery(host: "127.0.0.1", port: server.port, timeout: .seconds(5))
                )
            }
        }
        #expect(error?.code == .timeout)
        #expect(error?.description.contains("sent 26 bytes but did not close") == true)
    }

    @Test("a connection reset before any answer is reported as a reset", arguments: [TimeProtocolKind.daytime, .time])
    func reset(kind: TimeProtocolKind) async throws {
        let error = try await withServer(.reset) { server in
            await clientError {
                try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port, protocol: kind))
            }
        }
        #expect(error?.code == .connectionReset)
    }

    @Test("cancelling the task ends the query at once")
    func cancellation() async throws {
        try await withServer(.silent) { server in
            let task = Task {
                try await self.client.query(TimeQuery(host: "127.0.0.1", port: server.port, timeout: .seconds(30)))
            }
            try await Task.sleep(for: .milliseconds(200))
            let start = MonotonicClock.nanoseconds()
            task.cancel()
            let result = await task.result
            // Far below the query's 30 s timeout, with room for a loaded machine.
            #expect(Double(MonotonicClock.nanoseconds() - start) / 1e9 < 15)
            #expect(throws: CancellationError.self) { try result.get() }
        }
    }

    @Test("queries that cannot be asked are rejected before connecting")
    func invalidQueries() async {
        for query in [
            TimeQuery(host: ""), TimeQuery(host: "127.0.0.1", port: 0), TimeQuery(host: "127.0.0.1", port: 70_000),
            TimeQuery(host: "127.0.0.1", timeout: .zero), TimeQuery(host: "127.0.0.1", maximumLineLength: 0),
        ] {
            let error = await clientError { try await self.client.query(query) }
            #expect(error?.code == .invalidQuery)
        }
    }

    @Test("the well-known ports are 13 and 37")
    func defaultPorts() {
        #expect(TimeQuery(host: "h").effectivePort == 13)
        #expect(TimeQuery(host: "h", protocol: .time).effectivePort == 37)
        #expect(TimeQuery(host: "h", port: 1313, protocol: .time).effectivePort == 1313)
    }
}
