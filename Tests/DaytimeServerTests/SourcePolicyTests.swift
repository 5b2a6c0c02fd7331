import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

@Suite("Access lists and rate limits on the wire")
struct SourcePolicyTests {
    static func makeService(_ policy: SourcePolicyConfiguration, host: String = "127.0.0.1") throws -> DaytimeService {
        try DaytimeService(
            configuration: ServerConfiguration(
                hosts: [host],
                daytimePort: 0,
                timePort: nil,
                sourcePolicy: policy,
                timeZone: .utc,
                threads: 2
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
    }

    @Test("an allow list that leaves a source out: its connection is closed without a line, its datagram unanswered")
    func allowListExcludes() async throws {
        let service = try Self.makeService(SourcePolicyConfiguration(allow: [try AddressRange("192.0.2.0/24")]))
        let port = try #require(service.port(for: .daytime))
        let (tcp, udp) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: "127.0.0.1", port: port),
                try await offPool {
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, timeoutMilliseconds: 300)
                }
            )
        }
        #expect(tcp.isEmpty)
        #expect(udp == nil)
        #expect(service.statistics.snapshot().refused[.accessList] == 2)
    }

    @Test("deny wins over an overlapping allow; a neighbour in the allowed range is still served")
    func denyWins() async throws {
        let service = try Self.makeService(
            SourcePolicyConfiguration(
                allow: [try AddressRange("127.0.0.0/8")],
                deny: [try AddressRange("127.0.0.5/32")]
            )
        )
        let port = try #require(service.port(for: .daytime))
        let (denied, allowed) = try await withRunningService(service) {
            try await offPool {
                (
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourceHost: "127.0.0.5",
                        timeoutMilliseconds: 300
                    ),
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, sourceHost: "127.0.0.6")
                )
            }
        }
        #expect(denied == nil)
        #expect(allowed?.count == 26)
        // Read once the service has stopped: refused, not merely slower than the 300 ms wait.
        #expect(service.statistics.snapshot().refused[.accessList] == 1)
        #expect(service.statistics.snapshot().answered(.daytime, .udp) == 1)
    }

    @Test("IPv4 peers on a dual-stack socket (::ffff:a.b.c.d) meet the IPv4 rules")
    func mappedAddressesAreIPv4() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                daytimePort: 0,
                timePort: nil,
                sourcePolicy: SourcePolicyConfiguration(deny: [try AddressRange("127.0.0.1/32")]),
                threads: 1
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let (v4, v6) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: "127.0.0.1", port: port),
                try await LoopbackClient.fetch(host: "::1", port: port)
            )
        }
        #expect(v4.isEmpty)
        #expect(v6.count == 26)
    }

    // The rates in these tests are one token per 100 s, so that no token comes back while a busy
    // machine runs the test: the counts are exact, not timing-dependent.
    @Test("a burst beyond the bucket from one source is cut to the burst; a second source is still served")
    func udpRateLimit() async throws {
        let service = try Self.makeService(SourcePolicyConfiguration(rateLimit: (0.01, 5), exempt: []))
        let port = try #require(service.port(for: .daytime))
        let (answers, other) = try await withRunningService(service) {
            let burst = try DatagramClient.sendBurst(host: "127.0.0.1", port: port, sourceHost: "127.0.0.9", count: 20)
            defer { close(burst) }
            // The counters say when the service has handled all 20; only then are the answers
            // counted, so a slow service cannot make an answer look missing.
            try await waitUntil("20 datagrams answered or refused") {
                let counts = service.statistics.snapshot()
                return counts.answered(.daytime, .udp) + (counts.refused[.rateLimit] ?? 0) >= 20
            }
            return try await offPool {
                (
                    DatagramClient.countAnswers(on: burst, quietMilliseconds: 200),
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, sourceHost: "127.0.0.10")
                )
            }
        }
        #expect(answers == 5)
        #expect(other?.count == 26)
        #expect(service.statistics.snapshot().refused[.rateLimit] == 15)
    }

    @Test("TCP connections over the limit are closed without a line")
    func tcpRateLimit() async throws {
        let service = try Self.makeService(SourcePolicyConfiguration(rateLimit: (0.01, 3), exempt: []))
        let port = try #require(service.port(for: .daytime))
        let sizes = try await withRunningService(service) {
            var sizes: [Int] = []
            for _ in 0..<8 { sizes.append(try await LoopbackClient.fetch(host: "127.0.0.1", port: port).count) }
            return sizes
        }
        #expect(sizes == [26, 26, 26, 0, 0, 0, 0, 0])
    }

    @Test("loopback is exempt from the limits by default")
    func loopbackExempt() async throws {
        let service = try Self.makeService(SourcePolicyConfiguration(rateLimit: (1, 1)))
        let port = try #require(service.port(for: .daytime))
        let sizes = try await withRunningService(service) {
            var sizes: [Int] = []
            for _ in 0..<5 { sizes.append(try await LoopbackClient.fetch(host: "127.0.0.1", port: port).count) }
            return sizes
        }
        #expect(sizes == [26, 26, 26, 26, 26])
    }

    @Test("a flood from 100,000 distinct sources leaves the source table at its cap and others served")
    func floodOfDistinctSources() async throws {
        let service = try Self.makeService(
            SourcePolicyConfiguration(rateLimit: (1, 2), rateLimitTableSize: 1024, exempt: [], udpAnswersPerSecond: nil)
        )
        let port = try #require(service.port(for: .daytime))
        let (answer, tracked) = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.flood(port: port, distinctSources: 100_000)
                // The kernel drops datagrams while the socket's queue is full of the flood: ask a few
                // times, as any UDP client would.
                var answer: [UInt8]? = nil
                for _ in 0..<5 where answer == nil {
                    answer = try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourceHost: "127.0.0.77",
                        timeoutMilliseconds: 1000
                    )
                }
                return (answer, service.trackedSources)
            }
        }
        #expect(answer?.count == 26)
        #expect(tracked.capacity == 1024)
        #expect(tracked.entries <= tracked.capacity)
        #expect(tracked.entries > 512, "the flood should have filled most of the table")
    }

    @Test("the global UDP cap bounds answers to everyone together")
    func udpCap() async throws {
        // One answer per 100 s in all (a bucket of one), per-source limit off: ten sources, one answer.
        let service = try Self.makeService(
            SourcePolicyConfiguration(rateLimit: nil, exempt: [], udpAnswersPerSecond: 0.01)
        )
        let port = try #require(service.port(for: .daytime))
        let answers = try await withRunningService(service) {
            let sockets = try (1...10).map {
                try DatagramClient.sendBurst(host: "127.0.0.1", port: port, sourceHost: "127.0.1.\($0)", count: 1)
            }
            defer { for fd in sockets { close(fd) } }
            // Counted once the service has handled all ten (see udpRateLimit).
            try await waitUntil("10 datagrams answered or refused") {
                let counts = service.statistics.snapshot()
                return counts.answered(.daytime, .udp) + (counts.refused[.udpCap] ?? 0) >= 10
            }
            return await offPool {
                sockets.reduce(0) { $0 + DatagramClient.countAnswers(on: $1, quietMilliseconds: 200) }
            }
        }
        #expect(answers == 1)
        #expect(service.statistics.snapshot().refused[.udpCap] == 9)
    }
}
