import DaytimeCore
import NIOCore
import NIOPosix
import Synchronization
import _DaytimeTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a test server does with each connection it accepts.
enum ServerBehaviour: Sendable {
    /// Writes the bytes, then closes.
    case send([UInt8])
    /// Computes the bytes when the connection arrives, writes them, then closes.
    case render(@Sendable () -> [UInt8])
    /// Writes the bytes and keeps the connection open.
    case sendWithoutClosing([UInt8])
    /// Accepts and does nothing at all.
    case silent
    /// Closes at once with a reset (RST), by way of SO_LINGER 0.
    case reset
    /// Waits `before`, computes the bytes, waits `after`, writes them and closes: a server whose
    /// clock reading sits at a known place inside a known delay.
    case delayed(before: TimeAmount, after: TimeAmount, @Sendable () -> [UInt8])

    /// A Daytime server whose clock is the system clock shifted by `offset` seconds.
    static func daytime(_ format: DaytimeFormat, clockOffset offset: Double = 0) -> ServerBehaviour {
        .render {
            let now = OffsetWallClock(SystemWallClock(), offset: offset).now()
            return Array(format.line(for: CivilDateTime(now)).utf8)
        }
    }

    /// A Time server whose clock is the system clock shifted by `offset` seconds.
    static func time(clockOffset offset: Double = 0, padding: Int = 0) -> ServerBehaviour {
        .render {
            let value = TimeProtocolValue(OffsetWallClock(SystemWallClock(), offset: offset).now())
            let (a, b, c, d) = value.bigEndianBytes
            return [a, b, c, d] + [UInt8](repeating: 0, count: padding)
        }
    }
}

/// A tiny TCP server on a loopback address and an ephemeral port, for one test.
struct TestServer: Sendable {
    let channel: any Channel
    let host: String
    /// The port the kernel chose.
    let port: Int

    /// Starts a server on `host` (`127.0.0.1` or `::1`), port 0 unless given.
    static func start(host: String, port: Int = 0, _ behaviour: ServerBehaviour) async throws -> TestServer {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BehaviourHandler(behaviour))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return TestServer(channel: channel, host: host, port: channel.localAddress!.port!)
    }

    func stop() async {
        try? await self.channel.close()
    }
}

/// Carries out a ``ServerBehaviour`` on one accepted connection.
final class BehaviourHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let behaviour: ServerBehaviour

    init(_ behaviour: ServerBehaviour) {
        self.behaviour = behaviour
    }

    func channelActive(context: ChannelHandlerContext) {
        switch self.behaviour {
        case .send(let bytes):
            self.writeAndClose(bytes, context: context)
        case .render(let make):
            self.writeAndClose(make(), context: context)
        case .sendWithoutClosing(let bytes):
            context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        case .silent:
            break
        case .delayed(let before, let after, let make):
            let loop = context.eventLoop.assumeIsolated()
            loop.scheduleTask(in: before) {
                let bytes = make()
                loop.scheduleTask(in: after) {
                    self.writeAndClose(bytes, context: context)
                }
            }
        case .reset:
            // SO_LINGER with a zero timeout turns close() into a reset.
            guard let socket = context.channel as? any SocketOptionProvider else {
                context.close(promise: nil)
                return
            }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func writeAndClose(_ bytes: [UInt8], context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(ByteBuffer(bytes: bytes))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}

/// A UDP server on a loopback address and an ephemeral port: answers every datagram with what
/// `answer` computes (nil: no answer at all).
struct UDPTestServer: Sendable {
    let channel: any Channel
    let host: String
    let port: Int
    /// Every datagram received, in order.
    let requests: RequestLog

    static func start(host: String, _ answer: @escaping @Sendable () -> [UInt8]?) async throws -> UDPTestServer {
        try await self.start(host: host, replying: { _ in answer().map { [$0] } ?? [] })
    }

    /// A server that answers each request with the datagrams `replying` makes of it, in order
    /// (none: silence).
    static func start(
        host: String,
        replying: @escaping @Sendable ([UInt8]) -> [[UInt8]]
    ) async throws -> UDPTestServer {
        let log = RequestLog()
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DatagramAnswerHandler(log: log, replying: replying))
                }
            }
            .bind(host: host, port: 0).get()
        return UDPTestServer(channel: channel, host: host, port: channel.localAddress!.port!, requests: log)
    }

    func stop() async {
        try? await self.channel.close()
    }
}

/// The datagrams a ``UDPTestServer`` received.
final class RequestLog: Sendable {
    private let storage = Mutex<[[UInt8]]>([])

    func append(_ request: [UInt8]) {
        self.storage.withLock { $0.append(request) }
    }

    var all: [[UInt8]] {
        self.storage.withLock { $0 }
    }
}

/// Answers each datagram with the datagrams computed from it.
final class DatagramAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let log: RequestLog
    let replying: @Sendable ([UInt8]) -> [[UInt8]]

    init(log: RequestLog, replying: @escaping @Sendable ([UInt8]) -> [[UInt8]]) {
        self.log = log
        self.replying = replying
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = self.unwrapInboundIn(data)
        let bytes = Array(request.data.readableBytesView)
        self.log.append(bytes)
        for reply in self.replying(bytes) {
            let envelope = AddressedEnvelope(remoteAddress: request.remoteAddress, data: ByteBuffer(bytes: reply))
            context.write(self.wrapOutboundOut(envelope), promise: nil)
        }
        context.flush()
    }
}
