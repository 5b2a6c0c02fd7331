import DaytimeCore
import DaytimeNetwork
import Logging
import NIOCore
import Synchronization

/// The whole life of a connection to a PROXY protocol listener: trust, header, policy, answer.
///
/// On connect, a peer outside the trusted ranges is closed at once. A trusted one has
/// ``ProxyListenerContext/headerTimeout`` to send a complete header, decoded by the pure
/// ``ProxyHeaderDecoder`` as bytes arrive (nothing is buffered but the decoder's few bytes). Then
/// the real client (the header's source, or the balancer for `LOCAL` and `UNKNOWN`) passes the
/// same ``SourcePolicy`` as a direct connection, and gets the same bytes from the event loop's own
/// ``DaytimeLineRenderer`` (both from the service's live settings, so a reload applies here too). Every refusal closes without an answer and is counted by reason.
final class ProxyHeaderHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        /// Not yet active, or refused before the header could be read.
        case idle
        /// Trusted and counted as pending; the header is being read.
        case readingHeader(timeout: Scheduled<Void>)
        /// Answered or refused; the connection is closing and further bytes are ignored.
        case done
    }

    private let listener: ProxyListenerContext
    private let loopState: NIOLoopBoundBox<LoopSettings>
    private var decoder: ProxyHeaderDecoder
    private var state = State.idle
    private var balancer: ProxyHeader.Endpoint?

    /// - Parameter loopState: the policy and renderer of this connection's event loop, shared with
    ///   the other connections on that loop and with no other thread.
    ///   - decoder: the header's bytes decoded so far: those the accepting thread read before it
    ///     handed the connection over (``ProxyProtocolServer/adopt(_:decoder:listener:)``).
    init(
        listener: ProxyListenerContext,
        loopState: NIOLoopBoundBox<LoopSettings>,
        decoder: ProxyHeaderDecoder = ProxyHeaderDecoder()
    ) {
        self.listener = listener
        self.loopState = loopState
        self.decoder = decoder
    }

    func channelActive(context: ChannelHandlerContext) {
        guard let peer = context.channel.remoteAddress.flatMap(ProxyHeader.Endpoint.init) else {
            // The peer reset before its address could be read (a balancer's quick health check).
            self.refuse(context, .badProxyHeader, client: nil, detail: "closed before the header was complete")
            return
        }
        self.balancer = peer
        guard self.listener.trusted.permits(peer.address) else {
            self.refuse(context, .untrustedProxy, client: peer)
            return
        }
        guard self.listener.pending.enter() else {
            self.refuse(context, .proxyPendingLimit, client: peer)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: self.listener.headerTimeout) {
            self.headerTimedOut(context)
        }
        self.state = .readingHeader(timeout: timeout)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .readingHeader = self.state else { return }
        let buffer = self.unwrapInboundIn(data)
        switch buffer.withUnsafeReadableBytes({ self.decoder.decode($0) }) {
        case .needMoreBytes:
            return
        case .invalid(let reason):
            self.leavePending()
            self.refuse(context, .badProxyHeader, client: self.balancer, detail: reason.description)
        case .header(let header, _):
            // Whatever follows the header (a daytime client sends nothing) is ignored.
            self.leavePending()
            self.answer(context, header: header)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if case .readingHeader = self.state {
            self.leavePending()
            self.count(.badProxyHeader, client: self.balancer, detail: "closed before the header was complete")
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A reset while reading the header: channelInactive follows and counts it.
        context.close(promise: nil)
    }

    private func headerTimedOut(_ context: ChannelHandlerContext) {
        guard case .readingHeader = self.state else { return }
        self.leavePending()
        self.refuse(context, .proxyHeaderTimeout, client: self.balancer)
    }

    /// Ends the pending state: cancels the timeout and frees the pending place.
    private func leavePending() {
        guard case .readingHeader(let timeout) = self.state else { return }
        timeout.cancel()
        self.listener.pending.leave()
        self.state = .done
    }

    private func answer(_ context: ChannelHandlerContext, header: ProxyHeader) {
        guard let balancer = self.balancer else { return }
        // LOCAL (a health check) and UNKNOWN name no client: the balancer itself is the peer.
        let client = header.client ?? balancer
        self.loopState.value.refresh(from: self.listener.loop.settings, logger: self.listener.loop.logger)
        if let refusal = self.loopState.value.refusal(for: client.address, transport: .tcp) {
            self.listener.refused(refusal, client: client, balancer: balancer, header: header)
            context.close(promise: nil)
            return
        }
        let service = self.listener.service
        let started = MonotonicClock.nanoseconds()
        let now = self.listener.loop.clock.now()
        var bytes = context.channel.allocator.buffer(capacity: DaytimeLineRenderer.capacity)
        bytes.writeWithUnsafeMutableBytes(minimumWritableBytes: DaytimeLineRenderer.capacity) { buffer in
            self.loopState.value.writeAnswer(for: service, at: now, into: buffer)
        }
        let statistics = self.listener.loop.statistics
        let channel = context.channel
        let accessLog = self.listener.loop.accessLog
        let lingeringCloser = self.listener.loop.lingeringCloser
        let proxy = balancer
        let length = bytes.readableBytes
        context.writeAndFlush(self.wrapOutboundOut(bytes)).whenComplete { result in
            switch result {
            case .success:
                statistics.countAnswers(1, service: service, transport: .tcp)
                // Latency from the complete header to the answer written, as on the plain ports
                // from accept to send.
                statistics.countSent(
                    1,
                    bytes: length,
                    nanoseconds: Int(MonotonicClock.nanoseconds() &- started),
                    series: ServerStatistics.series(service, .tcp)
                )
            case .failure:
                statistics.countSendFailure()
            }
            if result.isSuccess, let lingeringCloser {
                Self.linger(channel, lingeringCloser)
            } else {
                channel.close(promise: nil)
            }
            accessLog?.record(
                result.isSuccess ? .answered : .sendFailed,
                service: service,
                transport: .tcp,
                peer: client.address,
                port: Int(client.port),
                proxy: (proxy.address, Int(proxy.port))
            )
        }
        self.listener.loop.logger.info(
            "Got a connection from \(client)",
            metadata: self.listener.metadata(header: header, balancer: balancer)
        )
    }

    /// Closes an answered connection as the accept loops' ``LingeringCloser`` does, on the
    /// channel's own event loop: the FIN now, then what the client sends is read and dropped (this
    /// handler ignores it once done) until it closes its side, which closes the channel, or the
    /// linger time has passed.
    private static func linger(_ channel: any Channel, _ closer: LingeringCloser) {
        guard closer.reserve() else {
            channel.close(promise: nil)
            return
        }
        let deadline = channel.eventLoop.scheduleTask(in: TimeAmount(closer.duration)) {
            channel.close(promise: nil)
        }
        channel.closeFuture.whenComplete { _ in
            deadline.cancel()
            closer.release()
        }
        channel.close(mode: .output, promise: nil)
    }

    private func refuse(
        _ context: ChannelHandlerContext,
        _ reason: RefusalReason,
        client: ProxyHeader.Endpoint?,
        detail: String? = nil
    ) {
        self.state = .done
        self.count(reason, client: client, detail: detail)
        context.close(promise: nil)
    }

    private func count(_ reason: RefusalReason, client: ProxyHeader.Endpoint?, detail: String?) {
        self.state = .done
        self.listener.refused(reason, client: client, balancer: self.balancer, detail: detail)
    }
}

extension Result {
    fileprivate var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}

extension ProxyHeader.Endpoint {
    /// The IP endpoint of a NIO socket address; nil for a UNIX socket. IPv4-mapped IPv6 peers (a
    /// dual-stack listener's IPv4 clients) read as IPv4.
    init?(_ address: SocketAddress) {
        var ip: IPAddress?
        switch address {
        case .v4(let v4):
            ip = withUnsafeBytes(of: v4.address) { IPAddress(socketAddress: $0.baseAddress!) }
        case .v6(let v6):
            ip = withUnsafeBytes(of: v6.address) { IPAddress(socketAddress: $0.baseAddress!) }
        case .unixDomainSocket:
            ip = nil
        }
        guard let ip, let port = address.port, let port = UInt16(exactly: port) else { return nil }
        self.init(address: ip.unmappingIPv4, port: port)
    }
}
