import DaytimeCore
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

@testable import DaytimeServer

@Suite("DaytimeService over UDP")
struct DatagramServiceTests {
    static func makeService(
        host: String,
        blockedSourcePorts: [Int] = ServerConfiguration.defaultBlockedSourcePorts
    )
        throws -> DaytimeService
    {
        try DaytimeService(
            configuration: ServerConfiguration(
                hosts: [host],
                daytimePort: 0,
                timePort: 0,
                daytimeTransports: .udp,
                timeTransports: .udp,
                blockedSourcePorts: blockedSourcePorts,
                timeZone: .utc,
                threads: 2
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
    }

    @Test(
        "any datagram gets one datagram back: a ctime line on daytime, four bytes on time",
        arguments: ["127.0.0.1", "::1"]
    )
    func answersBothProtocols(host: String) async throws {
        let service = try Self.makeService(host: host)
        #expect(service.listeners.allSatisfy { $0.transport == .udp })
        let daytimePort = try #require(service.port(for: .daytime))
        let timePort = try #require(service.port(for: .time))
        let (line, time, withPayload) = try await withRunningService(service) {
            try await offPool {
                (
                    try DatagramClient.exchange(host: host, port: daytimePort),
                    try DatagramClient.exchange(host: host, port: timePort),
                    try DatagramClient.exchange(
                        host: host,
                        port: daytimePort,
                        payload: Array(repeating: 0x41, count: 1400)
                    )
                )
            }
        }
        #expect(line.map { String(decoding: $0, as: UTF8.self) } == "Fri May  7 20:36:52 2021\r\n")
        #expect(time == [0xE4, 0x40, 0x23, 0x64])
        // The request's size changes nothing: no amplification beyond one line.
        #expect(withPayload == line)
        #expect(service.statistics.snapshot().answered(.daytime, .udp) == 2)
        #expect(service.statistics.snapshot().answered(.time, .udp) == 1)
    }

    @Test(
        "datagrams from the source ports of auto-answering services get no answer (loop protection)",
        arguments: [7, 13, 19, 37]
    )
    func loopProtection(sourcePort: Int) async throws {
        let service = try Self.makeService(host: "127.0.0.1")
        let port = try #require(service.port(for: .daytime))
        let (blocked, ordinary) = try await withRunningService(service) {
            try await offPool {
                (
                    // A source address of its own: two tests binding one port on the wildcard
                    // address (with SO_REUSEADDR) could each receive the other's answer.
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourcePort: sourcePort,
                        sourceHost: "127.0.7.\(sourcePort)",
                        timeoutMilliseconds: 300
                    ),
                    try DatagramClient.exchange(host: "127.0.0.1", port: port)
                )
            }
        }
        #expect(blocked == nil)
        #expect(ordinary?.count == 26)
        #expect(service.statistics.snapshot().refused[.blockedSourcePort] == 1)
    }

    @Test("the blocked port list is configurable")
    func configurableBlockedPorts() async throws {
        let service = try Self.makeService(host: "127.0.0.1", blockedSourcePorts: [4444])
        let port = try #require(service.port(for: .daytime))
        let (custom, echo) = try await withRunningService(service) {
            try await offPool {
                (
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourcePort: 4444,
                        sourceHost: "127.0.7.44",
                        timeoutMilliseconds: 300
                    ),
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, sourcePort: 7, sourceHost: "127.0.7.70")
                )
            }
        }
        #expect(custom == nil)
        #expect(echo?.count == 26)
    }

    @Test("TCP and UDP share the port; an ephemeral port is picked once for both")
    func sharedPort() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(hosts: ["127.0.0.1"], daytimePort: 0, timePort: nil, threads: 1),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let ports = Set(service.listeners.map(\.port))
        #expect(service.listeners.count == 2)
        #expect(ports.count == 1)
        let port = try #require(ports.first)
        let (tcp, udp) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: "127.0.0.1", port: port),
                try await offPool {
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, timeoutMilliseconds: 30_000)
                }
            )
        }
        #expect(tcp == udp)
    }

    @Test(
        "on the wildcard address, the answer leaves from the address the client asked (a connected client accepts it)",
        arguments: ["127.0.0.5", "::1"]
    )
    func answerFromTheAskedAddress(host: String) async throws {
        // 127.0.0.5 is this machine's, but the kernel's own choice of source for an answer to
        // 127.0.0.1 would be 127.0.0.1, which a connected socket (like rdate -u's) drops.
        let service = try DaytimeService(
            configuration: ServerConfiguration(daytimePort: 0, timePort: nil, daytimeTransports: .udp, threads: 1),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let answer = try await withRunningService(service) {
            try await offPool { try DatagramClient.connectedExchange(host: host, port: port) }
        }
        #expect(answer?.count == 26)
    }
}

@Suite("DaytimeService over UDP: batched and single receives")
struct DatagramReceivePathTests {
    @Test(
        "a burst (batched receives) and the single datagrams after it are all answered, on a specific and a wildcard socket",
        arguments: [(["127.0.0.1"], "127.0.0.1", "127.0.0.1"), ([], "127.0.0.5", "127.0.0.1"), ([], "::1", "::1")]
    )
    func burstThenSingles(hosts: [String], target: String, source: String) async throws {
        // No hosts: the default dual-stack wildcard socket, asked at 127.0.0.5 (not the kernel's
        // own choice of source for an answer), so the packet information must be right; and at
        // ::1, where it is IPv6's packet information.
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: hosts,
                daytimePort: 0,
                timePort: nil,
                daytimeTransports: .udp,
                timeZone: .utc,
                threads: 1
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        // Queued before the service runs (it binds in init), so that its first recvmmsg finds
        // a deep queue: batches of 32, 32, 32 and 4. Empty datagrams, far fewer than the
        // socket's receive buffer holds, so none is dropped before it is read.
        let burst = 100
        let burstSocket = try DatagramClient.sendBurst(host: target, port: port, sourceHost: source, count: burst)
        defer { close(burstSocket) }
        let (burstAnswers, singles) = try await withRunningService(service) {
            try await offPool {
                let burstAnswers = DatagramClient.countAnswers(on: burstSocket)
                // Then one at a time: the loop has switched to recvfrom/sendto (recvmsg/sendmsg with
                // packet information on the wildcard socket), and probes with a batch now and then.
                let singles = try (0..<100).map { _ in
                    try DatagramClient.connectedExchange(host: target, port: port)
                }
                return (burstAnswers, singles)
            }
        }
        #expect(burstAnswers == burst)
        #expect(singles.count == 100)
        // connectedExchange hears only answers from the exact address asked: the single path
        // answers from it on the wildcard socket too.
        for answer in singles {
            #expect(answer.map { String(decoding: $0, as: UTF8.self) } == "Fri May  7 20:36:52 2021\r\n")
        }
        #expect(service.statistics.snapshot().answered(.daytime, .udp) == burst + 100)
    }

    @Test("the receive mode batches while batches are deep, then takes singles between probes")
    func receiveMode() {
        var mode = DatagramReceiveMode()
        #expect(mode.batching)
        mode.record(received: 32)
        mode.record(received: DatagramReceiveMode.shallowBatch + 1)
        #expect(mode.batching, "a deep batch keeps batching")
        mode.record(received: DatagramReceiveMode.shallowBatch)
        #expect(!mode.batching, "a shallow batch switches to singles")
        for _ in 1..<DatagramReceiveMode.singlesPerProbe {
            mode.record(received: 1)
            #expect(!mode.batching)
        }
        mode.record(received: 1)
        #expect(mode.batching, "after singlesPerProbe singles, one batch probes the queue again")
    }

    @Test("with latency off, answers and bytes are counted and nothing is timed")
    func latencyOff() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: 0,
                timeZone: .utc,
                threads: 1,
                measuresLatency: false
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        try await withRunningService(service) {
            _ = try await LoopbackClient.fetch(host: "127.0.0.1", port: port)
            _ = try await offPool { try DatagramClient.exchange(host: "127.0.0.1", port: port) }
        }
        let snapshot = service.statistics.snapshot()
        #expect(snapshot.answered(.daytime, .tcp) == 1)
        #expect(snapshot.answered(.daytime, .udp) == 1)
        #expect(snapshot.bytesSent["daytime/tcp"] == 26)
        #expect(snapshot.bytesSent["daytime/udp"] == 26)
        #expect(snapshot.latencyBuckets.values.allSatisfy { $0.allSatisfy { $0 == 0 } })
        #expect(snapshot.latencySumNanoseconds.values.allSatisfy { $0 == 0 })
    }
}
