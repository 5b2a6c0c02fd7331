import DaytimeCore
import DaytimeServer
import Glibc
import Testing

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
            try await LoopbackClient.offPool {
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
            try await LoopbackClient.offPool {
                (
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourcePort: sourcePort,
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
            try await LoopbackClient.offPool {
                (
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourcePort: 4444,
                        timeoutMilliseconds: 300
                    ),
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, sourcePort: 7)
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
                try await LoopbackClient.offPool {
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
            try await LoopbackClient.offPool { try DatagramClient.connectedExchange(host: host, port: port) }
        }
        #expect(answer?.count == 26)
    }
}
