import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Testing

@testable import _DaytimeBench

@Suite("LoadGenerator against real servers on loopback")
struct LoadGeneratorTests {
    @Test(
        "a bounded run counts exactly the transactions the server answered",
        arguments: [
            (BenchTarget.Transport.tcp, TimeProtocolKind.daytime),
            (.tcp, .time),
            (.udp, .daytime),
            (.udp, .time),
        ]
    )
    func countMatchesServer(transport: BenchTarget.Transport, kind: TimeProtocolKind) async throws {
        let (result, service) = try await withService { service in
            let port = try #require(service.port(for: kind))
            // Open loop at 2,000/s, so that these runs, side by side with other tests, do not take
            // both cores for themselves; the closed loop is counted in the IPv6 and error tests.
            let setup = try configuration(
                port: port,
                transport: transport,
                protocol: kind,
                requests: 401,
                concurrency: 8,
                threads: 2,
                loop: .open(perSecond: 2_000)
            )
            return (try await offPool { try LoadGenerator.run(setup) }, service)
        }
        // Read once the service has stopped: it counts a UDP answer after sendmsg returns, so
        // while it runs, its count can lag the answer the client already has.
        let answered = service.statistics.snapshot().answered(kind, transport == .tcp ? .tcp : .udp)
        #expect(result.tally.answers == 401)
        #expect(result.tally.errorCount == 0)
        #expect(answered == 401)
        #expect(result.tally.latency(atPercentile: 50) > 0)
        #expect(result.tally.latency(atPercentile: 50) <= result.tally.maximumLatency)
        #expect(result.userCPUNanoseconds + result.systemCPUNanoseconds > 0)
    }

    @Test("over IPv6 (::1), TCP and UDP, without source spreading")
    func ipv6() async throws {
        let (tcp, udp, service) = try await withService(host: "::1") { service in
            let port = try #require(service.port(for: .daytime))
            let tcp = BenchConfiguration(
                target: try BenchTarget.resolve(host: "::1", port: port),
                concurrency: 2,
                durationNanoseconds: nil,
                requests: 200
            )
            var udpSetup = tcp
            udpSetup.transport = .udp
            let udp = udpSetup
            #expect(tcp.target.isIPv6 && !tcp.spreadsSources)
            return (
                try await offPool { try LoadGenerator.run(tcp) }, try await offPool { try LoadGenerator.run(udp) },
                service
            )
        }
        // After the service has stopped (see countMatchesServer).
        let answered = service.statistics.snapshot()
        #expect(tcp.tally.answers == 200)
        #expect(udp.tally.answers == 200)
        #expect(answered.answered(.daytime, .tcp) == 200)
        #expect(answered.answered(.daytime, .udp) == 200)
    }

    @Test("a run bounded by time stops at its deadline and answers all along")
    func durationBound() async throws {
        let result = try await withService { service in
            let setup = try configuration(port: service.port(for: .daytime)!, duration: 2_000_000_000, concurrency: 1)
            return try await offPool { try LoadGenerator.run(setup) }
        }
        #expect(result.elapsedNanoseconds >= 2_000_000_000)
        // Stops at the deadline but for the transaction then in flight, which its 5 s timeout
        // bounds; how many fit in the 2 s depends on the machine's load, so only "more than one"
        // (300 ms saw none in one run of the whole suite under AddressSanitizer on a busy machine).
        #expect(result.elapsedNanoseconds < 2_000_000_000 + 5_000_000_000 + 1_000_000_000)
        #expect(result.tally.answers > 1)
        #expect(result.tally.errorCount == 0)
    }

    @Test("a refused port counts every transaction as refused")
    func refused() async throws {
        let closed = try ReservedPort(host: "127.0.0.1")
        let setup = try configuration(port: closed.port, requests: 20)
        let result = try await offPool { try LoadGenerator.run(setup) }
        #expect(result.tally.errors(.refused) == 20)
        #expect(result.tally.answers == 0)
        #expect(result.tally.mostFrequentError == .refused)
        _ = closed
    }

    @Test("a refused UDP port (ICMP port unreachable) counts as refused")
    func refusedOverUDP() async throws {
        let closed = try ReservedPort(host: "127.0.0.1")
        // A TCP socket holds the port number; nothing listens for UDP on it.
        let setup = try configuration(port: closed.port, transport: .udp, requests: 10, timeout: 1_000_000_000)
        let result = try await offPool { try LoadGenerator.run(setup) }
        #expect(result.tally.errors(.refused) == 10, "\(BenchReport.text(result))")
        _ = closed
    }

    @Test("a server that resets every connection: reset")
    func reset() async throws {
        let server = try FakeServer(.reset)
        let setup = try configuration(port: server.port, requests: 20, concurrency: 1)
        let result = try await offPool { try LoadGenerator.run(setup) }
        await server.stop()
        #expect(result.tally.errors(.reset) == 20, "\(BenchReport.text(result))")
    }

    @Test("a server that accepts and never answers: timeout")
    func stall() async throws {
        let server = try FakeServer(.stall)
        let setup = try configuration(port: server.port, requests: 6, concurrency: 3, timeout: 200_000_000)
        let result = try await offPool { try LoadGenerator.run(setup) }
        await server.stop()
        #expect(result.tally.errors(.timeout) == 6)
        // Two rounds of three, each ending at its timeout (scanned every 50 ms).
        #expect(result.elapsedNanoseconds >= 400_000_000)
    }

    @Test(
        "bad answers are counted by kind: short or malformed",
        arguments: [
            (TimeProtocolKind.daytime, "", BenchErrorKind.short),
            (.daytime, "hello, world\r\n", .malformed),
            (.daytime, String(repeating: "x", count: 2000), .malformed),
            (.time, "ab", .short),
            (.time, "abcdefghij", .malformed),
        ]
    )
    func badAnswers(kind: TimeProtocolKind, answer: String, expected: BenchErrorKind) async throws {
        let server = try FakeServer(.send(Array(answer.utf8)))
        let setup = try configuration(port: server.port, protocol: kind, requests: 10, concurrency: 2)
        let result = try await offPool { try LoadGenerator.run(setup) }
        await server.stop()
        #expect(result.tally.errors(expected) == 10, "\(BenchReport.text(result))")
        #expect(result.tally.answers == 0)
    }

    @Test("good answers from a server other than daytimed are counted as answers, over TCP and UDP")
    func goodAnswers() async throws {
        for udp in [false, true] {
            let server = try FakeServer(udp: udp, .send(Array("2021-05-07T20:36:52Z\r\n".utf8)))
            let setup = try configuration(port: server.port, transport: udp ? .udp : .tcp, requests: 10)
            let result = try await offPool { try LoadGenerator.run(setup) }
            await server.stop()
            #expect(result.tally.answers == 10)
        }
    }

    @Test("a malformed UDP answer is counted as malformed")
    func malformedDatagram() async throws {
        let server = try FakeServer(udp: true, .send(Array("not a time".utf8)))
        let setup = try configuration(port: server.port, transport: .udp, requests: 10)
        let result = try await offPool { try LoadGenerator.run(setup) }
        await server.stop()
        #expect(result.tally.errors(.malformed) == 10)
    }

    @Test("open loop keeps its schedule: 40 transactions at 200/s take about 0.2 s, not less")
    func openLoopSchedule() async throws {
        let result = try await withService { service in
            let setup = try configuration(
                port: service.port(for: .daytime)!,
                requests: 40,
                loop: .open(perSecond: 200)
            )
            return try await offPool { try LoadGenerator.run(setup) }
        }
        #expect(result.tally.answers == 40)
        // The 40th starts 39 intervals of 5 ms after the first.
        #expect(result.elapsedNanoseconds >= 195_000_000)
    }

    @Test("open loop charges a slow server for the queue it causes (no coordinated omission)")
    func coordinatedOmission() async throws {
        // One connection at a time, 20 ms each: the server holds 50 per second.
        let slow = try FakeServer(.slow(milliseconds: 20, Array("Fri May  7 20:36:52 2021\r\n".utf8)))
        let closed = try configuration(port: slow.port, requests: 10, concurrency: 1)
        let closedResult = try await offPool { try LoadGenerator.run(closed) }
        // Scheduled at 200 per second, four times what it holds: the 20th waits for 19 others.
        let open = try configuration(port: slow.port, requests: 20, concurrency: 20, loop: .open(perSecond: 200))
        let openResult = try await offPool { try LoadGenerator.run(open) }
        await slow.stop()
        // Every transaction is accounted for. One in a few hundred runs, on a loaded machine, a
        // connection to this one-at-a-time fake server timed out (seen in CI-like runs twice);
        // what this test is about is the latency below, so a lost one is allowed, and shown.
        #expect(closedResult.tally.transactions == 10)
        #expect(openResult.tally.transactions == 20)
        #expect(closedResult.tally.answers >= 9, "\(BenchReport.text(closedResult))")
        #expect(openResult.tally.answers >= 19, "\(BenchReport.text(openResult))")
        // Closed loop: each transaction is about the 20 ms of service.
        #expect(closedResult.tally.latency(atPercentile: 50) >= 19_000_000)
        #expect(closedResult.tally.latency(atPercentile: 50) < 200_000_000)
        // Open loop: the last is served about 20 x 20 ms after the first, scheduled 19 x 5 ms after
        // it, so it waited at least 300 ms from its scheduled start.
        #expect(openResult.tally.maximumLatency >= 300_000_000, "\(BenchReport.text(openResult))")
    }

    @Test("settings out of range are refused with what to give")
    func validation() throws {
        let target = try BenchTarget.resolve(host: "127.0.0.1", port: 13)
        let cases: [(BenchConfiguration, String)] = [
            (BenchConfiguration(target: target, concurrency: 0), "give 1 to 65536"),
            (BenchConfiguration(target: target, concurrency: 2, threads: 3), "threads for 2 in flight"),
            (BenchConfiguration(target: target, loop: .open(perSecond: 0)), "rate 0.0 is out of range"),
            (BenchConfiguration(target: target, durationNanoseconds: nil), "neither a duration nor a request count"),
            (BenchConfiguration(target: target, requests: 0), "requests 0 is out of range"),
        ]
        for (setup, message) in cases {
            #expect(throws: BenchError.self) { try setup.validate() }
            do {
                _ = try LoadGenerator.run(setup)
            } catch {
                #expect(error.code == .invalidConfiguration)
                #expect(error.description.contains(message), "\(error.description)")
            }
        }
        #expect(throws: BenchError.self) { try BenchTarget.resolve(host: "no-such-host.invalid", port: 13) }
    }
}
