import DaytimeCore
import DaytimeNetwork
import DaytimeTestSupport
import InMemoryLogging
import Logging
import NIOCore
import NIOEmbedded
import Testing
import _DaytimeTesting

@testable import DaytimeServer

/// A ``ProxyHeaderHandler`` in an `EmbeddedChannel` whose peer (the balancer) is `peer`.
private struct Harness {
    let channel: EmbeddedChannel
    let statistics: ServerStatistics
    let pending: PendingConnections
    let logs: InMemoryLogHandler

    /// Shared parts, so that several connections can meet one policy and one pending count.
    struct Shared {
        var statistics = ServerStatistics()
        var pending: PendingConnections
        var settings: LiveSettingsBox
        var logs = InMemoryLogHandler()
        var loop = EmbeddedEventLoop()
        /// The event loop's policy and renderer, as ProxyProtocolServer keeps one per loop.
        var loopState: NIOLoopBoundBox<LoopSettings>

        init(policy: SourcePolicyConfiguration = SourcePolicyConfiguration(), pendingLimit: Int = 100) {
            let configuration = ServerConfiguration(sourcePolicy: policy, format: .ctime, timeZone: .utc)
            self.settings = LiveSettingsBox(LiveSettings(configuration, reusing: nil))
            self.loopState = NIOLoopBoundBox.makeBoxSendingValue(
                LoopSettings(self.settings, quality: nil, logger: Logger(label: "test")),
                as: LoopSettings.self,
                eventLoop: self.loop
            )
            self.pending = PendingConnections(limit: pendingLimit)
        }
    }

    init(
        peer: String = "127.0.0.1",
        service: TimeProtocolKind = .daytime,
        trusted: [String] = ["127.0.0.0/8", "::1/128"],
        headerTimeout: Duration = .seconds(3),
        shared: Shared = Shared()
    ) throws {
        var logger = Logger(label: "test", factory: { _ in shared.logs })
        logger.logLevel = .info
        let context = ProxyListenerContext(
            service: service,
            configuration: ProxyProtocolConfiguration(
                daytimePort: 0,
                trusted: try trusted.map { try AddressRange($0) },
                headerTimeout: headerTimeout
            ),
            pending: shared.pending,
            loop: LoopContext(
                configuration: ServerConfiguration(),
                stopFlag: StopFlag(),
                settings: shared.settings,
                statistics: shared.statistics,
                accessLog: nil,
                clock: FixedWallClock(seedInstant),
                quality: TimeQualitySource(),
                logger: logger
            )
        )
        self.channel = EmbeddedChannel(
            handler: ProxyHeaderHandler(listener: context, loopState: shared.loopState),
            loop: shared.loop
        )
        self.statistics = shared.statistics
        self.pending = shared.pending
        self.logs = shared.logs
        // EmbeddedChannel's connect makes the address it is given the remote one.
        self.channel.localAddress = try SocketAddress(ipAddress: "127.0.0.1", port: 1313)
        try self.channel.connect(to: SocketAddress(ipAddress: peer, port: 40000)).wait()
    }

    func send(_ text: String) throws {
        try self.send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var buffer = self.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try self.channel.writeInbound(buffer)
    }

    /// Everything the handler wrote.
    func written() throws -> [UInt8] {
        var bytes: [UInt8] = []
        while let buffer = try self.channel.readOutbound(as: ByteBuffer.self) {
            bytes += buffer.readableBytesView
        }
        return bytes
    }

    func refused(_ reason: RefusalReason) -> Int {
        self.statistics.snapshot().refused[reason] ?? 0
    }

    var messages: [String] {
        self.logs.entries.map(\.message.description)
    }
}

/// 2021-05-07T20:36:52.123456789Z, the seed's own example instant.

private let seedLine = Array("Fri May  7 20:36:52 2021\r\n".utf8)

@Suite("ProxyHeaderHandler in an EmbeddedChannel")
struct ProxyHeaderHandlerTests {
    @Test("a trusted balancer's v1 header: the answer, then close; the log names the real client")
    func answersAfterV1Header() throws {
        let harness = try Harness()
        #expect(harness.pending.current == 1)
        try harness.send("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\n")
        #expect(try harness.written() == seedLine)
        #expect(!harness.channel.isActive)
        #expect(harness.pending.current == 0)
        #expect(harness.statistics.snapshot().answered(.daytime, .tcp) == 1)
        let entry = try #require(harness.logs.entries.first { $0.message.description.hasPrefix("Got a connection") })
        #expect(entry.message.description == "Got a connection from 192.0.2.7:56324")
        #expect(entry.level == .info)
        #expect(entry.metadata["proxy"] == "127.0.0.1:40000")
        #expect(entry.metadata["proxy-header"] == "v1")
    }

    @Test("a v2 header over IPv6 to the time service: four bytes")
    func answersAfterV2Header() throws {
        let harness = try Harness(peer: "::1", service: .time)
        let block: [UInt8] =
            [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [7]
            + [UInt8](repeating: 0, count: 15) + [1] + [0xDC, 0x04, 0x00, 0x25]
        try harness.send(proxyV2(family: 0x21, block: block))
        #expect(try harness.written() == [0xE4, 0x40, 0x23, 0x64])
        #expect(harness.messages.contains("Got a connection from [2001:db8::7]:56324"))
    }

    @Test("a header that arrives one byte at a time: no answer before its last byte")
    func waitsForTheWholeHeader() throws {
        let harness = try Harness()
        let header = Array("PROXY TCP6 2001:db8::7 2001:db8::1 56324 13\r\n".utf8)
        for byte in header.dropLast() {
            try harness.send([byte])
            #expect(try harness.written().isEmpty)
            #expect(harness.channel.isActive)
        }
        try harness.send([header.last!])
        #expect(try harness.written() == seedLine)
    }

    @Test("a balancer outside the trusted ranges is closed on connect, unanswered and counted")
    func untrustedPeer() throws {
        let harness = try Harness(peer: "192.0.2.50", trusted: ["10.0.0.0/8"])
        #expect(!harness.channel.isActive)
        #expect(harness.pending.current == 0)
        #expect(harness.refused(.untrustedProxy) == 1)
        #expect(harness.messages == ["Refused a connection from 192.0.2.50:40000"])
    }

    @Test("bytes that are not a header close the connection unanswered, with the reason logged")
    func badHeader() throws {
        let harness = try Harness()
        try harness.send("GET / HTTP/1.0\r\n\r\n")
        #expect(try harness.written().isEmpty)
        #expect(!harness.channel.isActive)
        #expect(harness.refused(.badProxyHeader) == 1)
        #expect(harness.logs.entries.last?.metadata["detail"] == "wrong-signature")
        #expect(harness.pending.current == 0)
    }

    @Test("a header not complete within the timeout: closed at the timeout, not before")
    func headerTimeout() throws {
        let harness = try Harness(headerTimeout: .seconds(2))
        try harness.send("PROXY TCP4 192.0.2.7 ")
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1999))
        #expect(harness.channel.isActive)
        // Sending more does not extend it: the timeout is for the whole header.
        try harness.send("198.51.100")
        harness.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!harness.channel.isActive)
        #expect(try harness.written().isEmpty)
        #expect(harness.refused(.proxyHeaderTimeout) == 1)
        #expect(harness.pending.current == 0)
    }

    @Test("a timeout after the answer does nothing")
    func timeoutAfterAnswer() throws {
        let harness = try Harness(headerTimeout: .seconds(1))
        try harness.send("PROXY UNKNOWN\r\n")
        harness.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(harness.refused(.proxyHeaderTimeout) == 0)
        #expect(harness.statistics.snapshot().answered(.daytime, .tcp) == 1)
    }

    @Test("the access list judges the client the header names, not the balancer")
    func accessListOnRealClient() throws {
        let shared = Harness.Shared(policy: SourcePolicyConfiguration(deny: [try AddressRange("192.0.2.0/24")]))
        let denied = try Harness(shared: shared)
        try denied.send("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\n")
        #expect(try denied.written().isEmpty)
        #expect(!denied.channel.isActive)
        let allowed = try Harness(shared: shared)
        try allowed.send("PROXY TCP4 203.0.113.9 198.51.100.1 56324 13\r\n")
        #expect(try allowed.written() == seedLine)
        #expect(shared.statistics.snapshot().refused[.accessList] == 1)
        #expect(shared.logs.entries.map(\.message.description).contains("Refused a connection from 192.0.2.7:56324"))
    }

    @Test("the rate limit counts per real client: one client is limited, another behind the same balancer is not")
    func rateLimitOnRealClient() throws {
        let shared = Harness.Shared(policy: SourcePolicyConfiguration(rateLimit: (0.01, 1)))
        var answers: [Bool] = []
        for client in ["192.0.2.7", "192.0.2.7", "192.0.2.8"] {
            let harness = try Harness(shared: shared)
            try harness.send("PROXY TCP4 \(client) 198.51.100.1 56324 13\r\n")
            answers.append(try harness.written() == seedLine)
        }
        #expect(answers == [true, false, true])
        #expect(shared.statistics.snapshot().refused[.rateLimit] == 1)
    }

    @Test("LOCAL (a health check) and UNKNOWN are answered as the balancer itself")
    func localAndUnknown() throws {
        for header in [proxyV2(command: 0x0, family: 0x00, block: []), Array("PROXY UNKNOWN\r\n".utf8)] {
            let harness = try Harness()
            try harness.send(header)
            #expect(try harness.written() == seedLine)
            #expect(harness.messages.contains("Got a connection from 127.0.0.1:40000"))
        }
    }

    @Test("beyond the pending limit a connection is closed at once; a finished one frees its place")
    func pendingLimit() throws {
        let shared = Harness.Shared(pendingLimit: 2)
        let first = try Harness(shared: shared)
        let second = try Harness(shared: shared)
        let third = try Harness(shared: shared)
        #expect(first.channel.isActive && second.channel.isActive)
        #expect(!third.channel.isActive)
        #expect(shared.statistics.snapshot().refused[.proxyPendingLimit] == 1)
        try first.send("PROXY UNKNOWN\r\n")
        let fourth = try Harness(shared: shared)
        #expect(fourth.channel.isActive)
        #expect(shared.pending.current == 2)
    }

    @Test("a peer that closes before its header is complete is counted and frees its place")
    func closedMidHeader() throws {
        let harness = try Harness()
        try harness.send("PROXY TCP4 192.0.2.7")
        try harness.channel.close().wait()
        #expect(harness.refused(.badProxyHeader) == 1)
        #expect(harness.pending.current == 0)
    }

    @Test("a reload reaches the event loop's state: the next answer uses the new format and access list")
    func reload() throws {
        let shared = Harness.Shared()
        let before = try Harness(shared: shared)
        try before.send("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\n")
        #expect(try before.written() == seedLine)
        let reloaded = ServerConfiguration(
            sourcePolicy: SourcePolicyConfiguration(deny: [try AddressRange("192.0.2.0/24")]),
            format: .rfc3339(fractionDigits: 0),
            timeZone: .utc
        )
        shared.settings.replace(LiveSettings(reloaded, reusing: nil))
        let denied = try Harness(shared: shared)
        try denied.send("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\n")
        #expect(try denied.written().isEmpty)
        let allowed = try Harness(shared: shared)
        try allowed.send("PROXY TCP4 203.0.113.7 198.51.100.1 56324 13\r\n")
        #expect(try allowed.written() == Array("2021-05-07T20:36:52Z\r\n".utf8))
    }

    @Test("bytes after the header are ignored; the answer is sent once")
    func bytesAfterHeader() throws {
        let harness = try Harness()
        try harness.send("PROXY TCP4 192.0.2.7 198.51.100.1 56324 13\r\nhello\r\n")
        #expect(try harness.written() == seedLine)
        #expect(harness.statistics.snapshot().answered(.daytime, .tcp) == 1)
    }
}
