import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Serving under a super-server (openbsd-inetd, xinetd, systemd with `Accept=yes`): the socket
/// comes on standard input and the process serves it and exits.
///
/// - A stream socket is one accepted connection (inetd's `nowait` TCP entry): the peer is checked
///   against the access list, answered (or closed without an answer), and that is all.
/// - A datagram socket is the service's bound UDP socket (inetd's `wait` entry: inetd stops
///   watching it until this process exits): every datagram waiting and any that follow within
///   the idle time get an answer, after the same loop and spoofing checks as the standalone
///   server's, and the process exits once the socket has been quiet for the idle time.
///
/// The per-source rate limit and the UDP cap are not applied: they live in one process's memory,
/// and here every connection (or burst of datagrams) is a new process. Limit with the
/// super-server instead (openbsd-inetd's `nowait.N`, xinetd's `cps` and `per_source`).
public enum InetdMode {
    /// How long a `wait` datagram service waits for another datagram before it exits, by default.
    public static let defaultIdleTimeout: Duration = .seconds(1)

    /// Serves the socket `descriptor` once, as described on ``InetdMode``, and returns what was
    /// answered and refused.
    ///
    /// - Parameters:
    ///   - descriptor: the socket; 0 (standard input) under inetd.
    ///   - service: what to answer.
    ///   - configuration: format, zone, access list and blocked UDP source ports; its hosts, ports,
    ///     transports, threads and limits are not used.
    ///   - idleTimeout: for a datagram socket, how long to wait for more datagrams before returning.
    ///   - clock: where the time comes from.
    ///   - logger: each answer and refusal at `info`.
    /// - Throws: ``ServerError`` if `descriptor` is not a connected TCP socket or a bound UDP socket.
    public static func serve(
        descriptor: Int32 = 0,
        service: TimeProtocolKind,
        configuration: ServerConfiguration,
        idleTimeout: Duration = InetdMode.defaultIdleTimeout,
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) throws(ServerError) -> ServerStatistics.Snapshot {
        var unlimited = configuration
        unlimited.sourcePolicy.rateLimit = nil
        unlimited.sourcePolicy.udpAnswersPerSecond = nil
        let settingsBox = LiveSettingsBox(LiveSettings(unlimited, reusing: nil))
        let statistics = ServerStatistics()

        var kind: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_TYPE, &kind, &length) == 0 else {
            let code = errno
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .inetdService) serves the socket on standard input, and descriptor "
                    + "\(descriptor) is "
                    + "\(code == ENOTSOCK ? "not a socket" : "not usable (\(String(cString: strerror(code))))"): "
                    + "run it from inetd.conf or xinetd, or leave \(setting: .inetdService) out to run standalone",
                systemError: code
            )
        }
        // Read once: the process answers one connection (or one burst of datagrams) and exits.
        let quality = ClockMonitor(
            leapSecondsFile: configuration.leapSecondsFile,
            limits: configuration.clockHealth,
            reader: SystemKernelClock(),
            ntp: nil,
            settings: settingsBox,
            clock: clock,
            logger: logger
        ).source
        let settings = settingsBox.current().settings
        switch kind {
        case Int32(SOCK_STREAM.rawValue):
            var listening: Int32 = 0
            length = socklen_t(MemoryLayout<Int32>.size)
            if getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening != 0 {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "\(setting: .inetdService) got a listening TCP socket: the inetd.conf entry says "
                        + "`wait`; inetd mode answers one connection per process: make it `stream tcp nowait`"
                )
            }
            Self.answerConnection(
                descriptor,
                service: service,
                configuration: configuration,
                policy: settings.policy,
                refuses: settings.refusesWhenUnsynchronized && settings.clockUnsynchronized,
                quality: quality,
                statistics: statistics,
                clock: clock,
                logger: logger
            )
        case Int32(SOCK_DGRAM.rawValue):
            let seconds = idleTimeout.components.seconds
            let microseconds = idleTimeout.components.attoseconds / 1_000_000_000_000
            let socket = try ListeningSocket.inherited(
                descriptor: descriptor,
                service: service,
                receiveTimeout: timeval(tv_sec: Int(seconds), tv_usec: Int(microseconds))
            )
            // Stopping from the start: the loop answers what comes, and returns at the first
            // receive that times out.
            let stopFlag = StopFlag()
            stopFlag.set()
            let context = LoopContext(
                configuration: configuration,
                stopFlag: stopFlag,
                settings: settingsBox,
                statistics: statistics,
                // One process per burst: inetd mode logs each answer to syslog at info instead.
                accessLog: nil,
                clock: clock,
                quality: quality,
                logger: logger
            )
            var loop = DatagramLoop(socket: socket, context: context)
            loop.run()
        default:
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .inetdService) got a socket that is neither TCP nor UDP (type \(kind)): "
                    + "use a `stream tcp nowait` or `dgram udp wait` entry"
            )
        }
        return statistics.snapshot()
    }

    /// One accepted connection: check, answer, close.
    private static func answerConnection(
        _ fd: Int32,
        service: TimeProtocolKind,
        configuration: ServerConfiguration,
        policy: SourcePolicy,
        refuses: Bool,
        quality: TimeQualitySource,
        statistics: ServerStatistics,
        clock: any WallClock,
        logger: Logger
    ) {
        defer { close(fd) }
        var peer = sockaddr_storage()
        var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &peer) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &peerLength) }
        }
        let address = named == 0 ? IPAddress(&peer) : nil
        let peerText = address == nil ? "a peer without an IP address" : SocketAddressText.describe(&peer)
        // A peer without an IP address (a Unix socket) is only answered when nobody is singled out.
        let refusal =
            refuses
            ? RefusalReason.unsynchronizedClock
            : address.flatMap { policy.refusal(for: $0, transport: .tcp) }
                ?? (address == nil && !configuration.sourcePolicy.allow.isEmpty ? RefusalReason.accessList : nil)
        if let refusal {
            statistics.countRefusal(refusal)
            logger.info(
                "Refused a connection from \(peerText)",
                metadata: ["protocol": "\(service)", "transport": "tcp", "reason": "\(refusal)"]
            )
            return
        }
        var renderer = DaytimeLineRenderer(
            format: configuration.format,
            timeZone: configuration.timeZone,
            quality: quality
        )
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: DaytimeLineRenderer.capacity, alignment: 8)
        defer { buffer.deallocate() }
        let length = renderer.writeAnswer(for: service, at: clock.now(), into: buffer)
        let sent = send(fd, buffer.baseAddress, length, Int32(MSG_NOSIGNAL))
        if sent == length {
            statistics.countAnswers(1, service: service, transport: .tcp)
            logger.info("Got a connection from \(peerText)", metadata: ["protocol": "\(service)", "transport": "tcp"])
        } else {
            statistics.countSendFailure()
            logger.info(
                "answer to \(peerText) not sent: \(sent < 0 ? String(cString: strerror(errno)) : "short write")"
            )
        }
    }
}
