import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

@testable import DaytimeServer

/// A client request as SNTP clients send it: leap 0, the given version and mode, poll 6, and a
/// transmit timestamp the answer must echo as its origin.
func ntpRequest(
    version: UInt8 = 4,
    mode: UInt8 = 3,
    transmit: UInt64 = 0x1122_3344_5566_7788,
    length: Int = 48
)
    -> [UInt8]
{
    var bytes = [UInt8](repeating: 0, count: max(length, 48))
    bytes[0] = version << 3 | mode
    bytes[2] = 6
    for i in 0..<8 { bytes[40 + i] = UInt8(truncatingIfNeeded: transmit >> (56 - 8 * UInt64(i))) }
    return Array(bytes.prefix(length))
}

@Suite("DaytimeService serving SNTP")
struct NTPServiceTests {
    static func makeService(
        host: String = "127.0.0.1",
        ntp: NTPServerConfiguration = NTPServerConfiguration(localStratum: 3),
        sourcePolicy: SourcePolicyConfiguration = SourcePolicyConfiguration(),
        clock: any WallClock = FixedWallClock(seedInstant)
    ) throws -> DaytimeService {
        try DaytimeService(
            configuration: ServerConfiguration(
                hosts: [host],
                daytimePort: nil,
                timePort: nil,
                ntpPort: 0,
                ntp: ntp,
                sourcePolicy: sourcePolicy,
                timeZone: .utc,
                threads: 2
            ),
            clock: clock,
            // Unreadable: what NTP answers say comes from the upstreams and the local stratum alone.
            kernelClock: TestKernelClock(nil),
            logger: quietLogger()
        )
    }

    @Test(
        "a client request gets 48 bytes: version and poll echoed, mode 4, origin copied, the clock's time",
        arguments: [("127.0.0.1", UInt8(4)), ("::1", UInt8(3)), ("127.0.0.1", UInt8(1))]
    )
    func answersClientRequests(host: String, version: UInt8) async throws {
        let service = try Self.makeService(host: host)
        #expect(service.listeners.map(\.transport) == [.udp])
        let port = try #require(service.port(for: .ntp))
        let answer = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.exchange(host: host, port: port, payload: ntpRequest(version: version))
            }
        }
        let bytes = try #require(answer)
        #expect(bytes.count == 48)
        let packet = try #require(NTPPacket(bytes))
        #expect(packet.version == version)
        #expect(packet.mode == .server)
        #expect(packet.leap == 0)
        #expect(packet.stratum == 3)
        #expect(packet.poll == 6)
        #expect(NTPPacket.describe(referenceID: packet.referenceID) == "LOCL")
        #expect(packet.originTime.bits == 0x1122_3344_5566_7788)
        // The fixed clock reads 2021-05-07T20:36:52.123456789Z, for the kernel's arrival time too.
        #expect(packet.receiveTime == NTPTimestamp(seedInstant))
        #expect(packet.transmitTime == NTPTimestamp(seedInstant))
        #expect(service.statistics.snapshot().answered(.ntp, .udp) == 1)
    }

    @Test("the receive timestamp is the kernel's arrival time, shifted like the clock, before the transmit time")
    func receiveTimestampFromTheKernel() async throws {
        let clock = OffsetWallClock(SystemWallClock(), offset: 1000)
        let service = try Self.makeService(clock: clock)
        let port = try #require(service.port(for: .ntp))
        let before = SystemWallClock().now()
        let answer = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: ntpRequest())
            }
        }
        let after = SystemWallClock().now()
        let bytes = try #require(answer)
        let packet = try #require(NTPPacket(bytes))
        let receive = packet.receiveTime.instant(near: after)
        let transmit = packet.transmitTime.instant(near: after)
        #expect(receive.seconds(since: before) >= 1000 - 0.001)
        #expect(after.seconds(since: transmit) >= -1000 - 0.001)
        #expect(transmit.seconds(since: receive) >= 0)
        #expect(transmit.seconds(since: receive) < 0.5)
    }

    @Test(
        "what is not a client request gets nothing and is counted by reason",
        arguments: [
            (ntpRequest(mode: 6), NTPDropReason.controlMode),
            (ntpRequest(mode: 7), .privateMode),
            (ntpRequest(mode: 4), .notClientMode),
            (ntpRequest(mode: 1), .notClientMode),
            (ntpRequest(version: 0), .badVersion),
            (ntpRequest(version: 5), .badVersion),
            (ntpRequest(length: 47), .tooShort),
            ([UInt8](), .tooShort),
        ]
    )
    func dropsWhatIsNotARequest(request: [UInt8], reason: NTPDropReason) async throws {
        let service = try Self.makeService()
        let port = try #require(service.port(for: .ntp))
        let (dropped, control) = try await withRunningService(service) {
            try await offPool {
                (
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        payload: request,
                        timeoutMilliseconds: 300
                    ),
                    // A good request after it: the loop goes on.
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: ntpRequest())
                )
            }
        }
        #expect(dropped == nil)
        #expect(control?.count == 48)
        let snapshot = service.statistics.snapshot()
        #expect(snapshot.ntpDropped[reason] == 1)
        #expect(snapshot.ntpDropped.values.reduce(0, +) == 1)
        #expect(snapshot.answered(.ntp, .udp) == 1)
    }

    @Test("extension fields and a MAC are ignored: 68 bytes in, 48 out")
    func neverMoreBytesOutThanIn() async throws {
        let service = try Self.makeService()
        let port = try #require(service.port(for: .ntp))
        var request = ntpRequest()
        request += [UInt8](repeating: 0xAB, count: 20)
        let sent = request
        let answer = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: sent)
            }
        }
        #expect(answer?.count == 48)
    }

    @Test("with no upstream and no local stratum, answers say unsynchronized: leap 3, stratum 16")
    func unsynchronizedWithoutAReference() async throws {
        let service = try Self.makeService(ntp: NTPServerConfiguration())
        let port = try #require(service.port(for: .ntp))
        let answer = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: ntpRequest())
            }
        }
        let bytes = try #require(answer)
        let packet = try #require(NTPPacket(bytes))
        #expect(packet.leap == 3)
        #expect(packet.stratum == 16)
        #expect(service.timeStatus().clock.condition == .unsynchronized)
        #expect(service.timeStatus().clock.healthDigit == 3)
    }

    @Test("NTP clients may send from port 123, or any port the Daytime loop guard blocks")
    func sourcePortsAreNotBlocked() async throws {
        let service = try Self.makeService()
        let port = try #require(service.port(for: .ntp))
        let answers = try await withRunningService(service) {
            try await offPool {
                try [123, 13, 37].map {
                    // From an address of its own: other tests send from some of these ports too.
                    try DatagramClient.exchange(
                        host: "127.0.0.1",
                        port: port,
                        sourcePort: $0,
                        sourceHost: "127.0.7.123",
                        payload: ntpRequest()
                    )
                }
            }
        }
        #expect(answers.map { $0?.count } == [48, 48, 48])
    }

    @Test("a source on the deny list gets nothing")
    func denied() async throws {
        let service = try Self.makeService(
            sourcePolicy: SourcePolicyConfiguration(deny: [try AddressRange("127.0.0.0/8")])
        )
        let port = try #require(service.port(for: .ntp))
        let answer = try await withRunningService(service) {
            try await offPool {
                try DatagramClient.exchange(
                    host: "127.0.0.1",
                    port: port,
                    payload: ntpRequest(),
                    timeoutMilliseconds: 300
                )
            }
        }
        #expect(answer == nil)
        #expect(service.statistics.snapshot().refused[.accessList] == 1)
    }

    /// Sends `count` requests from one socket and counts the answers and Kiss-o'-Death answers.
    private static func flood(port: Int, count: Int) throws -> (answers: Int, kisses: Int) {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var target = try TestSocketAddress(host: "127.0.0.1", port: port)
        let connected = target.withSocketAddress { connect(fd, $0, $1) }
        guard connected == 0 else { throw TestFailure("connect: errno \(errno)") }
        let request = ntpRequest()
        var answers = 0
        var kisses = 0
        var buffer = [UInt8](repeating: 0, count: 512)
        func receive(waitingMilliseconds wait: Int32) -> Bool {
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&descriptor, 1, wait) == 1 else { return false }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n == 48, let packet = NTPPacket(buffer.prefix(48)) else { return true }
            if packet.stratum == 0 && NTPPacket.describe(referenceID: packet.referenceID) == "RATE" {
                kisses += 1
            } else {
                answers += 1
            }
            return true
        }
        // One at a time, each answer (or its absence) awaited briefly, so the socket's buffer never
        // overflows; an answer later than that is read with the next one's.
        for _ in 0..<count {
            _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            while receive(waitingMilliseconds: 20) {}
        }
        // Late answers to the last requests.
        while receive(waitingMilliseconds: 500) {}
        return (answers, kisses)
    }

    private static func limited(burst: Int) -> SourcePolicyConfiguration {
        SourcePolicyConfiguration(rateLimit: (rate: 0.001, burst: burst), exempt: [])
    }

    @Test("a flood from one source is limited but leaks one answer in four")
    func floodLeaks() async throws {
        let service = try Self.makeService(sourcePolicy: Self.limited(burst: 4))
        let port = try #require(service.port(for: .ntp))
        let (answers, kisses) = try await withRunningService(service) {
            try await offPool { try Self.flood(port: port, count: 200) }
        }
        let snapshot = service.statistics.snapshot()
        // 4 from the burst, then about 196 / 4 = 49 leaked; the leak is random, so a wide margin
        // (the chance of falling outside it is below one in a million).
        #expect(answers > 4 + 15)
        #expect(answers < 4 + 100)
        #expect(kisses == 0)
        #expect(snapshot.ntpLeaked == answers - 4)
        #expect(snapshot.refused[.rateLimit] == 200 - answers)
    }

    @Test("over the limit with the leak off, nothing; with Kiss-o'-Death on, a RATE kiss instead")
    func floodWithoutLeakAndWithKissOfDeath() async throws {
        for kissOfDeath in [false, true] {
            let service = try Self.makeService(
                ntp: NTPServerConfiguration(localStratum: 3, kissOfDeath: kissOfDeath, leak: 0),
                sourcePolicy: Self.limited(burst: 2)
            )
            let port = try #require(service.port(for: .ntp))
            let (answers, kisses) = try await withRunningService(service) {
                try await offPool { try Self.flood(port: port, count: 20) }
            }
            #expect(answers == 2)
            #expect(kisses == (kissOfDeath ? 18 : 0))
            #expect(service.statistics.snapshot().ntpKissesOfDeath == kisses)
        }
    }

    @Test("synchronized to an upstream NTP server: its stratum plus one, its address as reference")
    func followsAnUpstream() async throws {
        let upstream = try Self.makeService(
            host: "127.0.0.1",
            ntp: NTPServerConfiguration(localStratum: 5),
            clock: SystemWallClock()
        )
        let upstreamPort = try #require(upstream.port(for: .ntp))
        let packet = try await withRunningService(upstream) {
            let service = try Self.makeService(
                host: "127.0.0.1",
                ntp: NTPServerConfiguration(
                    upstreams: ["127.0.0.1:\(upstreamPort)"],
                    pollInterval: .milliseconds(500),
                    upstreamTimeout: .milliseconds(200)
                ),
                clock: SystemWallClock()
            )
            let port = try #require(service.port(for: .ntp))
            return try await withRunningService(service) {
                // The first poll starts with the service; wait for it to be taken.
                let deadline = ContinuousClock.now + .seconds(10)
                while service.timeStatus().ntp?.stratum != 6 && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                }
                return try await offPool {
                    try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: ntpRequest())
                }
            }
        }
        let bytes = try #require(packet)
        let answer = try #require(NTPPacket(bytes))
        #expect(answer.stratum == 6)
        #expect(answer.leap == 0)
        #expect(NTPPacket.describe(referenceID: answer.referenceID) == "127.0.0.1")
        // The upstream's root delay (0) plus the loopback round trip: under 50 ms, above 0.
        #expect(answer.rootDelay > 0)
        #expect(NTPShortFormat.decode(answer.rootDelay) < 0.05)
    }

    @Test("metrics and /healthz tell the NTP state: answers, drops, stratum; unhealthy while unsynchronized")
    func metricsAndHealth() async throws {
        for localStratum in [3, nil] {
            let service = try Self.makeService(ntp: NTPServerConfiguration(localStratum: localStratum))
            let port = try #require(service.port(for: .ntp))
            _ = try await withRunningService(service) {
                try await offPool {
                    (
                        try DatagramClient.exchange(host: "127.0.0.1", port: port, payload: ntpRequest()),
                        try DatagramClient.exchange(
                            host: "127.0.0.1",
                            port: port,
                            payload: ntpRequest(mode: 7),
                            timeoutMilliseconds: 200
                        )
                    )
                }
            }
            let text = StatisticsExporter(statistics: service.statistics, timeStatus: { service.timeStatus() })
                .emitToString()
            #expect(text.contains(#"daytimed_answers_total{protocol="ntp",transport="udp"} 1"#))
            #expect(!text.contains(#"protocol="ntp",transport="tcp""#))
            #expect(text.contains(#"daytimed_ntp_dropped_total{reason="private_mode"} 1"#))
            #expect(text.contains("daytimed_ntp_stratum \(localStratum ?? 16)"))
            #expect(text.contains("daytimed_clock_synchronized \(localStratum == nil ? 0 : 1)"))
            #expect(text.contains("daytimed_clock_nist_health \(localStratum == nil ? 3 : 1)"))
            let health = service.clockHealthCheck.check()
            #expect(health.healthy == (localStratum != nil))
            #expect(
                health.detail.hasPrefix(
                    localStratum == nil ? "unsynchronized (no NTP upstream)" : "synchronized (local stratum 3)"
                )
            )
        }
    }
}
