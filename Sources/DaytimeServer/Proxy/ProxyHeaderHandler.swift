import DaytimeCore
import DaytimeNetwork
import Logging
import NIOCore
import Synchronization

/// What every connection of one PROXY protocol listener shares: who may send headers, how long
/// they may take, and the service's ``LoopContext`` (live settings, counters, access log, clock
/// and logger), as the accept and datagram loops have it.
final class ProxyListenerContext: Sendable {
    let service: TimeProtocolKind
    let trusted: AccessList
    let headerTimeout: TimeAmount
    let pending: PendingConnections
    /// What every serving loop of the service shares.
    let loop: LoopContext

    init(
        service: TimeProtocolKind,
        configuration: ProxyProtocolConfiguration,
        pending: PendingConnections,
        loop: LoopContext
    ) {
        self.service = service
        self.trusted = AccessList(allow: configuration.trusted)
        self.headerTimeout = TimeAmount(configuration.headerTimeout)
        self.pending = pending
        self.loop = loop
    }
}

/// Connections waiting for their PROXY header, over every PROXY listener, and the most allowed.
final class PendingConnections: Sendable {
    private let count = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Takes a place if one is free.
    func enter() -> Bool {
        if self.count.add(1, ordering: .relaxed).newValue <= self.limit { return true }
        self.count.subtract(1, ordering: .relaxed)
        return false
    }

    func leave() {
        self.count.subtract(1, ordering: .relaxed)
    }

    /// Connections waiting now.
    var current: Int {
        self.count.load(ordering: .relaxed)
    }
}

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
    private var decoder = ProxyHeaderDecoder()
    private var state = State.idle
    private var balancer: ProxyHeader.Endpoint?

    /// - Parameter loopState: the policy and renderer of this connection's event loop, shared with
    ///   the other connections on that loop and with no other thread.
    init(listener: ProxyListenerContext, loopState: NIOLoopBoundBox<LoopSettings>) {
        self.listener = listener
        self.loopState = loopState
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
        if let refusal = self.loopState.value.policy.refusal(for: client.address, transport: .tcp) {
            self.listener.loop.statistics.countRefusal(refusal)
            self.record(.refused(refusal), client: client)
            self.listener.loop.logger.info(
                "Refused a connection from \(client)",
                metadata: self.metadata(header: header, reason: refusal)
            )
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
            channel.close(promise: nil)
            accessLog?.record(
                result.isSuccess ? .answered : .sendFailed,
                service: service,
                transport: .tcp,
                peer: client.address,
                port: Int(client.port),
                proxy: (proxy.address, Int(proxy.port))
            )
        }
        self.listener.loop.logger.info("Got a connection from \(client)", metadata: self.metadata(header: header))
    }

    /// The log line's metadata. Only built when the line is logged: swift-log takes it as an
    /// autoclosure, and at the default level nothing per connection is.
    private func metadata(
        header: ProxyHeader? = nil,
        reason: RefusalReason? = nil,
        detail: String? = nil
    )
        -> Logger.Metadata
    {
        var metadata: Logger.Metadata = ["protocol": "\(self.listener.service)", "transport": "tcp"]
        if let header, let balancer = self.balancer {
            metadata["proxy"] = "\(balancer)"
            metadata["proxy-header"] = "\(header.version == .v1 ? "v1" : "v2")"
        }
        if let reason { metadata["reason"] = "\(reason)" }
        if let detail { metadata["detail"] = "\(detail)" }
        return metadata
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
        self.listener.loop.statistics.countRefusal(reason)
        self.record(.refused(reason), client: client)
        self.listener.loop.logger.info(
            "Refused a connection from \(client.map { "\($0)" } ?? "an unknown address")",
            metadata: self.metadata(reason: reason, detail: detail)
        )
    }
}

extension ProxyHeaderHandler {
    /// One access-log line for this connection, if the access log is on: the client as the peer
    /// (the balancer when no client is known yet), the balancer as the proxy.
    fileprivate func record(_ outcome: AccessLog.Outcome, client: ProxyHeader.Endpoint?) {
        guard let accessLog = self.listener.loop.accessLog else { return }
        let peer = client ?? self.balancer
        accessLog.record(
            outcome,
            service: self.listener.service,
            transport: .tcp,
            peer: peer?.address,
            port: peer.map { Int($0.port) } ?? 0,
            // The balancer is named as the proxy only when the line's peer is someone else.
            proxy: self.balancer.flatMap { $0 == peer ? nil : ($0.address, Int($0.port)) }
        )
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
