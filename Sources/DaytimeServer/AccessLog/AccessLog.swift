import DaytimeCore
import DaytimeNetwork
import Logging

/// One line per answer or refusal: when, who, what, and why not.
///
/// An accepting thread formats its line (``AccessLogLine``, text or JSON) on its stack and appends
/// it under a lock to the buffer of a writer on its own thread (``AccessLogWriter``); it never waits
/// for the disk.
/// Off by default; when off, the hot paths test one optional and do nothing else.
///
/// Listeners that learn the client's address from elsewhere (a PROXY protocol header) pass it as
/// `peer` and the connecting proxy's address as `proxy`.
public final class AccessLog: Sendable {
    /// What became of a connection or datagram.
    package enum Outcome: Sendable, Hashable {
        /// The answer was sent.
        case answered
        /// No answer, on purpose.
        case refused(RefusalReason)
        /// The answer was written but the kernel refused to send it (the peer had gone, say).
        case sendFailed
    }

    /// The configuration the log was opened with.
    public let configuration: AccessLogConfiguration
    private let clock: any WallClock
    private let writer: AccessLogWriter

    /// Opens the destination now, so that a path that cannot be written is reported at start.
    ///
    /// - Parameters:
    ///   - configuration: destination and format.
    ///   - clock: where each line's time comes from.
    ///   - statistics: counts the lines dropped when the writer cannot keep up.
    ///   - logger: the server's own log, for write errors.
    /// - Throws: ``ServerError`` naming the path and how to fix it.
    package init(
        configuration: AccessLogConfiguration,
        clock: any WallClock = SystemWallClock(),
        statistics: ServerStatistics,
        logger: Logger
    ) throws(ServerError) {
        self.configuration = configuration
        self.clock = clock
        self.writer = try AccessLogWriter(configuration, statistics: statistics, logger: logger)
    }

    /// Starts the writing thread; lines recorded before are kept and written then.
    package func start() throws(ServerError) {
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
    package func record(
        _ outcome: Outcome,
        service: TimeProtocolKind,
        transport: Transport,
        peer: IPAddress?,
        port: Int,
        proxy: (address: IPAddress, port: Int)? = nil
    ) {
        let time = self.clock.now()
        withUnsafeTemporaryAllocation(byteCount: AccessLogLine.maximumLength, alignment: 1) { buffer in
            let count = AccessLogLine.write(
                outcome,
                format: self.configuration.format,
                time: time,
                service: service,
                transport: transport,
                peer: peer,
                port: port,
                proxy: proxy,
                into: buffer
            )
            self.writer.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
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
}
