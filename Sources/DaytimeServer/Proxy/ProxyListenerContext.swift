import DaytimeCore
import DaytimeNetwork
import Logging
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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

extension ProxyListenerContext {
    /// Counts a refused connection, records it in the access log and logs it at `info`.
    ///
    /// - Parameters:
    ///   - client: the real client if the header named one, else the balancer (nil if unknown).
    ///   - balancer: the connection's peer, the proxy, if known.
    func refused(
        _ reason: RefusalReason,
        client: ProxyHeader.Endpoint?,
        balancer: ProxyHeader.Endpoint?,
        header: ProxyHeader? = nil,
        detail: String? = nil
    ) {
        self.loop.statistics.countRefusal(reason)
        self.record(.refused(reason), client: client, balancer: balancer)
        self.loop.logger.info(
            "Refused a connection from \(client.map { "\($0)" } ?? "an unknown address")",
            metadata: self.metadata(header: header, balancer: balancer, reason: reason, detail: detail)
        )
    }

    /// One access-log line for a connection, if the access log is on: the client as the peer (the
    /// balancer when no client is known yet), the balancer as the proxy.
    func record(_ outcome: AccessLog.Outcome, client: ProxyHeader.Endpoint?, balancer: ProxyHeader.Endpoint?) {
        guard let accessLog = self.loop.accessLog else { return }
        let peer = client ?? balancer
        accessLog.record(
            outcome,
            service: self.service,
            transport: .tcp,
            peer: peer?.address,
            port: peer.map { Int($0.port) } ?? 0,
            // The balancer is named as the proxy only when the line's peer is someone else.
            proxy: balancer.flatMap { $0 == peer ? nil : ($0.address, Int($0.port)) }
        )
    }

    /// The log line's metadata. Only built when the line is logged: swift-log takes it as an
    /// autoclosure, and at the default level nothing per connection is.
    func metadata(
        header: ProxyHeader? = nil,
        balancer: ProxyHeader.Endpoint?,
        reason: RefusalReason? = nil,
        detail: String? = nil
    ) -> Logger.Metadata {
        var metadata: Logger.Metadata = ["protocol": "\(self.service)", "transport": "tcp"]
        if let header, let balancer {
            metadata["proxy"] = "\(balancer)"
            metadata["proxy-header"] = "\(header.version == .v1 ? "v1" : "v2")"
        }
        if let reason { metadata["reason"] = "\(reason)" }
        if let detail { metadata["detail"] = "\(detail)" }
        return metadata
    }
}

extension ProxyHeader.Endpoint {
    /// The IP endpoint of an accepted connection's peer; IPv4-mapped IPv6 peers (a dual-stack
    /// listener's IPv4 clients) read as IPv4.
    init?(_ peer: UnsafePointer<sockaddr_storage>) {
        guard let address = IPAddress(peer) else { return nil }
        // sin_port and sin6_port are both at offset 2, in network order.
        let port = UInt16(bigEndian: UnsafeRawPointer(peer).loadUnaligned(fromByteOffset: 2, as: UInt16.self))
        self.init(address: address.unmappingIPv4, port: port)
    }
}
