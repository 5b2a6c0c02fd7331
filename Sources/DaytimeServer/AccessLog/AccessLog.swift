import DaytimeCore
import DaytimeNetwork
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// One line per answer or refusal: when, who, what, and why not.
///
/// The lines go through a dedicated swift-log `Logger` whose handler (``AccessLogHandler``) writes
/// them, as text or JSON, through a buffered writer on its own thread (``AccessLogWriter``): an
/// accepting thread formats its line and appends it under a lock, and never waits for the disk.
/// Off by default; when off, the hot paths test one optional and do nothing else.
///
/// Listeners that learn the client's address from elsewhere (a PROXY protocol header) pass it as
/// `peer` and the connecting proxy's address as `proxy`.
public final class AccessLog: Sendable {
    /// What became of a connection or datagram.
    public enum Outcome: Sendable, Hashable {
        /// The answer was sent.
        case answered
        /// No answer, on purpose.
        case refused(RefusalReason)
        /// The answer was written but the kernel refused to send it (the peer had gone, say).
        case sendFailed
    }

    /// The configuration the log was opened with.
    public let configuration: AccessLogConfiguration
    private let logger: Logger
    private let writer: AccessLogWriter

    /// Opens the destination now, so that a path that cannot be written is reported at start.
    ///
    /// - Parameters:
    ///   - configuration: destination and format.
    ///   - clock: where each line's time comes from.
    ///   - statistics: counts the lines dropped when the writer cannot keep up.
    ///   - logger: the server's own log, for write errors.
    /// - Throws: ``ServerError`` naming the path and how to fix it.
    public init(
        configuration: AccessLogConfiguration,
        clock: any WallClock = SystemWallClock(),
        statistics: ServerStatistics,
        logger: Logger
    ) throws(ServerError) {
        self.configuration = configuration
        let writer = try AccessLogWriter(configuration, statistics: statistics, logger: logger)
        self.writer = writer
        var accessLogger = Logger(label: "daytimed.access") { _ in
            AccessLogHandler(format: configuration.format, clock: clock, writer: writer)
        }
        accessLogger.logLevel = .info
        self.logger = accessLogger
    }

    /// Starts the writing thread; lines recorded before are kept and written then.
    public func start() throws(ServerError) {
        try self.writer.start()
    }

    /// Writes what is queued and closes the destination; lines recorded afterwards are not written.
    public func close() async {
        await self.writer.close()
    }

    /// Reopens a file destination (after `logrotate` moved it): call it on SIGHUP.
    public func reopen() {
        self.writer.reopen()
    }

    /// Records one answer or refusal.
    ///
    /// - Parameters:
    ///   - outcome: what became of it.
    ///   - service: the protocol asked for.
    ///   - transport: the transport it came over.
    ///   - peer: the client's address (nil if not IPv4 or IPv6), and `port` its port.
    ///   - proxy: the address and port of the proxy that relayed the client, if any.
    public func record(
        _ outcome: Outcome,
        service: TimeProtocolKind,
        transport: Transport,
        peer: IPAddress?,
        port: Int,
        proxy: (address: IPAddress, port: Int)? = nil
    ) {
        var metadata: Logger.Metadata = [
            AccessLogHandler.Key.peer: .string(Self.endpoint(peer, port)),
            AccessLogHandler.Key.protocol: .string(service.description),
            AccessLogHandler.Key.transport: .string(transport.rawValue),
        ]
        switch outcome {
        case .answered: break
        case .refused(let reason): metadata[AccessLogHandler.Key.reason] = .string(reason.rawValue)
        case .sendFailed: metadata[AccessLogHandler.Key.reason] = .string("send-error")
        }
        if let proxy {
            metadata[AccessLogHandler.Key.proxy] = .string(Self.endpoint(proxy.address, proxy.port))
        }
        self.logger.info(outcome.message, metadata: metadata)
    }

    /// Records one answer or refusal for the peer in a socket address from `accept4` or `recvmmsg`.
    @inline(never)
    func record(
        _ outcome: Outcome,
        service: TimeProtocolKind,
        transport: Transport,
        socketAddress: UnsafeRawPointer
    ) {
        // sin_port and sin6_port are both at offset 2, in network order.
        let port = Int(UInt16(bigEndian: socketAddress.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        self.record(
            outcome,
            service: service,
            transport: transport,
            peer: IPAddress(socketAddress: socketAddress).map(\.unmappingIPv4),
            port: port
        )
    }

    private static func endpoint(_ address: IPAddress?, _ port: Int) -> String {
        guard let address else { return "?" }
        return address.family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }
}

extension AccessLog.Outcome {
    /// The word in the `outcome` field.
    var message: Logger.Message {
        switch self {
        case .answered: return "answered"
        case .refused: return "refused"
        case .sendFailed: return "failed"
        }
    }
}
