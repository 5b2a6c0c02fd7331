import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork
import DaytimeSystem
import Logging
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A Daytime (RFC 867) and Time (RFC 868) server over TCP, as a swift-service-lifecycle `Service`.
///
/// Creating the service binds every listening socket, so that a port in use or a missing
/// permission is reported before anything runs, and tests can read the ephemeral ports from
/// ``listeners``. ``run()`` serves on ``ServerConfiguration/threads`` threads until graceful
/// shutdown (or cancellation), then answers the connections already queued and returns.
///
/// ```swift
/// let service = try DaytimeService(configuration: .init(daytimePort: 1313, timePort: 3737), logger: logger)
/// let group = ServiceGroup(services: [service], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
/// try await group.run()
/// ```
public final class DaytimeService: Service, Sendable {
    /// The configuration in force: the one the service was created with, as changed by the
    /// latest successful ``reload(_:)``.
    public var configuration: ServerConfiguration {
        self.currentConfiguration.withLock { $0 }
    }
    /// Every bound socket of the plain ports (served by the accept and datagram loops), with its
    /// real port.
    public let listeners: [ListeningSocket]
    /// The TCP sockets that expect a PROXY protocol header (``ServerConfiguration/proxyProtocol``).
    public let proxyListeners: [ListeningSocket]
    /// What the service has answered and refused so far.
    public let statistics: ServerStatistics
    /// The access log, if ``ServerConfiguration/accessLog`` asked for one.
    public let accessLog: AccessLog?

    private let currentConfiguration: Mutex<ServerConfiguration>
    private let settings: LiveSettingsBox
    private let clock: any WallClock
    /// The clock's one state, and what NTP answers say (when NTP is served).
    private let clockMonitor: ClockMonitor
    private let logger: Logger
    private let stopFlag = StopFlag()
    /// False when the sockets were passed in (socket activation): they stay open after the service.
    private let bindsItsSockets: Bool
    /// The sockets of ``listeners`` and ``proxyListeners``, closed when the service goes away.
    private let descriptors: DescriptorGroup
    private let state = Mutex(RunState.idle)
    private let proxyServer: ProxyProtocolServer?

    private enum RunState {
        case idle, starting, running, finished
    }

    /// Binds the listeners described by `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: addresses, ports, format and threads.
    ///   - clock: where the time comes from; inject a fixed or shifted clock in tests.
    ///   - kernelClock: where the clock's state comes from (`adjtimex`, read only), unless SNTP is
    ///     served; inject fixed states in tests.
    ///   - statistics: the counters to add to; pass the previous service's to carry them over.
    ///   - logger: the service logs its start at `notice` and one line per connection at `info`;
    ///     a missing or expired leap-second list, and a change of the clock's condition, at `warning`.
    /// - Throws: ``ServerError`` naming the address (or access-log path) that failed and how to fix it.
    public init(
        configuration: ServerConfiguration,
        clock: any WallClock = SystemWallClock(),
        kernelClock: any KernelClockReading = SystemKernelClock(),
        statistics: ServerStatistics = ServerStatistics(),
        logger: Logger
    ) throws(ServerError) {
        try Self.validate(configuration)
        self.bindsItsSockets = true
        self.currentConfiguration = Mutex(configuration)
        self.settings = LiveSettingsBox(LiveSettings(configuration, reusing: nil))
        self.clock = clock
        self.logger = logger
        self.statistics = statistics
        self.accessLog = try configuration.accessLog.map { (accessLog) throws(ServerError) in
            try AccessLog(configuration: accessLog, clock: clock, statistics: statistics, logger: logger)
        }

        // On an error, `descriptors` goes away and closes what was bound.
        var descriptors = DescriptorGroup()
        var listeners: [ListeningSocket] = []
        for service in TimeProtocolKind.allCases {
            guard let port = configuration.port(for: service) else { continue }
            listeners += try Self.bind(service, port: port, configuration, owner: &descriptors)
        }
        listeners += try Self.bindProxyListeners(configuration, owner: &descriptors)
        self.descriptors = descriptors
        self.listeners = listeners.filter { !$0.expectsProxyHeader }
        self.proxyListeners = listeners.filter(\.expectsProxyHeader)
        // After binding, so that a port in use is the one line a failed start prints; a missing or
        // expired leap-second list and an unsynchronized clock are reported here, at start.
        self.clockMonitor = ClockMonitor(
            leapSecondsFile: configuration.leapSecondsFile,
            limits: configuration.clockHealth,
            reader: kernelClock,
            ntp: Self.makeNTPClock(configuration, listeners: self.listeners, clock: clock, logger: logger),
            settings: self.settings,
            clock: clock,
            logger: logger
        )
        self.proxyServer =
            self.proxyListeners.isEmpty
            ? nil
            : ProxyProtocolServer(configuration: configuration, logger: logger)
    }

    /// Serves sockets that are already bound, such as those systemd passes by socket activation
    /// (``SocketActivation/inheritedListeners()``). The configuration's hosts, ports and transports
    /// are not used; everything else is. The service owns the sockets and closes them.
    ///
    /// - Throws: ``ServerError`` if `listeners` is empty or the rest of the configuration is invalid;
    ///   the sockets are closed then too.
    public init(
        configuration: ServerConfiguration,
        listeners: [ListeningSocket],
        clock: any WallClock = SystemWallClock(),
        kernelClock: any KernelClockReading = SystemKernelClock(),
        statistics: ServerStatistics = ServerStatistics(),
        logger: Logger
    ) throws(ServerError) {
        // Owned from here: an error below closes them.
        let descriptors = DescriptorGroup(adopting: listeners.map(\.descriptor))
        guard !configuration.proxyProtocol.isEnabled else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "PROXY protocol ports are not served from passed sockets (socket activation): "
                    + "start the server without a .socket unit to use \(setting: .proxyDaytimePort) or "
                    + "\(setting: .proxyTimePort)"
            )
        }
        guard !listeners.isEmpty else {
            throw ServerError(code: .invalidConfiguration, description: "no socket to serve")
        }
        try Self.validateServing(configuration)
        let accessLog = try configuration.accessLog.map { (accessLog) throws(ServerError) in
            try AccessLog(configuration: accessLog, clock: clock, statistics: statistics, logger: logger)
        }
        self.descriptors = descriptors
        self.bindsItsSockets = false
        self.statistics = statistics
        self.accessLog = accessLog
        self.currentConfiguration = Mutex(configuration)
        self.settings = LiveSettingsBox(LiveSettings(configuration, reusing: nil))
        self.clock = clock
        self.logger = logger
        self.listeners = listeners
        self.clockMonitor = ClockMonitor(
            leapSecondsFile: configuration.leapSecondsFile,
            limits: configuration.clockHealth,
            reader: kernelClock,
            ntp: Self.makeNTPClock(configuration, listeners: listeners, clock: clock, logger: logger),
            settings: self.settings,
            clock: clock,
            logger: logger
        )
        // PROXY ports are bound by the service itself; passed sockets are all plain.
        self.proxyListeners = []
        self.proxyServer = nil
    }

    /// The NTP clock state, if any listener serves NTP; asks the kernel to timestamp each of their
    /// datagrams on arrival.
    private static func makeNTPClock(
        _ configuration: ServerConfiguration,
        listeners: [ListeningSocket],
        clock: any WallClock,
        logger: Logger
    ) -> NTPClockMonitor? {
        let ntpListeners = listeners.filter { $0.service == .ntp }
        guard !ntpListeners.isEmpty else { return nil }
        for listener in ntpListeners where c_daytime_enable_receive_timestamps(listener.descriptor) != 0 {
            // Then the loop takes the time when it reads the request instead: later, still correct.
            logger.warning(
                "cannot ask the kernel for receive timestamps on \(listener): \(String(cString: strerror(errno)))"
            )
        }
        return NTPClockMonitor(configuration: configuration.ntp, clock: clock, logger: logger)
    }

    /// TCP sockets for the PROXY protocol ports, on every host; port 0 picks one port per service.
    private static func bindProxyListeners(
        _ configuration: ServerConfiguration,
        owner: inout DescriptorGroup
    ) throws(ServerError) -> [ListeningSocket] {
        var listeners: [ListeningSocket] = []
        for service in TimeProtocolKind.allCases {
            guard var port = configuration.proxyProtocol.port(for: service) else { continue }
            for host in configuration.hosts.isEmpty ? [nil] : configuration.hosts.map(Optional.some) {
                let bound = try ListeningSocket.bind(
                    host: host,
                    port: port,
                    service: service,
                    transport: .tcp,
                    backlog: configuration.backlog,
                    reusePort: configuration.reusePort,
                    portSetting: .proxyPort(for: service),
                    owner: &owner
                )
                if port == 0, let first = bound.first { port = first.port }
                listeners += bound.map {
                    var listener = $0
                    listener.expectsProxyHeader = true
                    // accept4 returns once the balancer's first bytes (the header) are in, or
                    // after a second without them; the accepting thread then reads it at once.
                    var seconds: Int32 = 1
                    setsockopt(
                        listener.descriptor,
                        Int32(IPPROTO_TCP),
                        TCP_DEFER_ACCEPT,
                        &seconds,
                        socklen_t(MemoryLayout<Int32>.size)
                    )
                    return listener
                }
            }
        }
        return listeners
    }

    /// Sources the rate limiter tracks now, and its fixed capacity (0 and 0 when it is off).
    package var trackedSources: (entries: Int, capacity: Int) {
        let tracked = self.settings.current().settings.policy.trackedSources
        return (tracked.entries, tracked.capacity)
    }

    /// How far the time the service sends can be trusted now: the clock's one state, what NTP
    /// answers say, the leap-second list's state and the current month's leap warning. For a
    /// health endpoint and metrics; cheap (a few short locks), no system call.
    public func timeStatus() -> TimeStatus {
        self.clockMonitor.status()
    }

    /// Reads the leap-second list (``ServerConfiguration/leapSecondsFile``) again, for example
    /// after tzdata was upgraded. Answers use the new list from their next second on.
    ///
    /// - Returns: the list now in use, or nil if no file is configured.
    /// - Throws: `LeapSecondTableError` if the file is missing or fails its checks; the list
    ///   loaded before (if any) then stays in use, and ``timeStatus()`` reports the error.
    @discardableResult
    public func reloadLeapSeconds() throws(LeapSecondTableError) -> LeapSecondTable? {
        try self.clockMonitor.reloadLeapSeconds()
    }

    /// Whether ``run()`` has started its threads and not yet returned: from then on, connections
    /// and datagrams are answered as soon as they arrive.
    public var isRunning: Bool {
        self.state.withLock { $0 == .running }
    }

    /// The port `service` listens on (the first listener's), or nil if it is off.
    public func port(for service: TimeProtocolKind) -> Int? {
        self.listeners.first { $0.service == service }?.port
    }

    /// The PROXY protocol port of `service` (the first such listener's), or nil if it has none.
    public func proxyPort(for service: TimeProtocolKind) -> Int? {
        self.proxyListeners.first { $0.service == service }?.port
    }

    /// Connections to the PROXY protocol listeners that are still waiting for their header.
    package var pendingProxyConnections: Int {
        self.proxyServer?.pending.current ?? 0
    }

    /// Serves until graceful shutdown or cancellation; then answers what is queued and returns.
    ///
    /// - Throws: ``ServerError`` if the threads cannot start, or if called a second time.
    public func run() async throws {
        try self.state.withLock { state throws(ServerError) in
            guard case .idle = state else {
                throw ServerError(code: .alreadyRunning, description: "this DaytimeService has already run")
            }
            state = .starting
        }
        defer { self.state.withLock { $0 = .finished } }

        let threads = WorkerThreads()
        let configuration = self.configuration
        let ntpClock = self.clockMonitor.ntp
        let proxyServer = self.proxyServer
        let accessLog = self.accessLog
        let lingeringCloser = try configuration.lingeringClose.map { (linger) throws(ServerError) in
            try LingeringCloser(linger: linger)
        }
        let context = LoopContext(
            configuration: configuration,
            stopFlag: self.stopFlag,
            settings: self.settings,
            statistics: self.statistics,
            accessLog: accessLog,
            clock: self.clock,
            quality: self.clockMonitor.source,
            logger: self.logger,
            lingeringCloser: lingeringCloser
        )
        do {
            try accessLog?.start()
            self.proxyServer?.start(context: context)
            if let lingeringCloser {
                let stopFlag = self.stopFlag
                try threads.start(name: "lingering-close") { lingeringCloser.run(until: stopFlag) }
            }
            // `threads` threads per socket; the kernel wakes one per connection or datagram batch.
            for listener in self.listeners + self.proxyListeners {
                // A PROXY listener's connections share one context; an incomplete header waits
                // on the proxy server's event loops.
                let proxy = proxyServer.flatMap { server in
                    listener.expectsProxyHeader
                        ? (
                            ProxyListenerContext(
                                service: listener.service,
                                configuration: configuration.proxyProtocol,
                                pending: server.pending,
                                loop: context
                            ), server
                        ) : nil
                }
                for index in 0..<configuration.threads {
                    try threads.start(name: "\(listener.service)-\(listener.transport)-\(index)") {
                        switch (listener.service, listener.transport) {
                        case (.ntp, _):
                            if let ntpClock {
                                var loop = NTPLoop(socket: listener, context: context, clock: ntpClock.responder)
                                loop.run()
                            }
                        case (_, .tcp):
                            var loop = AcceptLoop(
                                listener: listener,
                                context: context,
                                proxy: proxy
                            )
                            loop.run()
                        case (_, .udp):
                            var loop = DatagramLoop(socket: listener, context: context)
                            loop.run()
                        }
                    }
                }
            }
            if let ntpClock {
                // Polls the upstreams (a reload may add some); idle while there are none.
                let (stopFlag, clockMonitor) = (self.stopFlag, self.clockMonitor)
                try threads.start(name: "ntp-upstream") {
                    ntpClock.pollUntilStopped(stopFlag) { clockMonitor.check() }
                }
            }
        } catch {
            self.stop()
            await threads.wait()
            await self.proxyServer?.shutdown()
            await accessLog?.close()
            throw error
        }
        self.state.withLock { $0 = .running }
        for listener in self.listeners + self.proxyListeners {
            self.logger.notice("listening on \(listener)")
        }
        self.logger.info(
            "accepting on \(configuration.threads) thread\(configuration.threads == 1 ? "" : "s")",
            metadata: [
                "format": "\(configuration.format.name)",
                "timezone": "\(configuration.timeZone.identifier)",
            ]
        )

        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    // The clock's state, once a second: a system call here, none per answer. It also
                    // ages the NTP reference's dispersion and notices a lost upstream.
                    group.addTask {
                        while (try? await Task.sleep(for: .seconds(1))) != nil {
                            self.clockMonitor.check()
                        }
                    }
                    await threads.wait()
                    group.cancelAll()
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
        await self.proxyServer?.shutdown()
        await accessLog?.close()
        self.logger.notice("stopped")
    }

    /// Applies a new configuration without closing a listener or dropping a connection.
    ///
    /// What can change live: the format, the time zone, the blocked source ports, the access list
    /// and the limits (a rate limiter whose parameters did not change keeps its table). Each thread
    /// switches at its next connection or datagram batch. Listener settings (hosts, ports,
    /// transports, threads, backlog) cannot change while the sockets are open: a configuration
    /// that changes them is refused whole, and the one in force stays. The clock thresholds,
    /// whether to refuse while unsynchronized, and the leap-second file's path apply at once, and
    /// the list is read again (see ``reloadLeapSeconds()``).
    ///
    /// - Throws: ``ServerError`` with code `ServerError.Code.invalidConfiguration` if the new
    ///   configuration is invalid, or `ServerError.Code.restartRequired` naming the listener
    ///   settings that differ. Nothing changes when it throws.
    public func reload(_ new: ServerConfiguration) throws(ServerError) {
        try Self.validate(new)
        try self.currentConfiguration.withLock { current throws(ServerError) in
            let changed = current.listenerSettingsChanged(in: new)
            guard changed.isEmpty else {
                throw ServerError(
                    code: .restartRequired,
                    description: "reload refused: \(settings: changed) changed, and listener settings need a "
                        + "restart; the running configuration stays"
                )
            }
            self.settings.update {
                $0 = LiveSettings(new, reusing: $0.policy, clockUnsynchronized: $0.clockUnsynchronized)
            }
            current = new
        }
        // A reload is also when an upgraded tzdata is picked up; a failure keeps the list in use
        // (unless the path changed) and is logged and reported by timeStatus(), but does not undo
        // the new configuration.
        self.clockMonitor.ntp?.reconfigure(new.ntp)
        self.clockMonitor.reconfigure(leapSecondsFile: new.leapSecondsFile, limits: new.clockHealth)
        _ = try? self.clockMonitor.reloadLeapSeconds()
    }

    /// Asks every accept loop to finish: they answer what is queued and return. Idempotent.
    private func stop() {
        // New peers first: from here a SYN or a datagram is dropped (the client tries again and
        // meets a closed port), so that what is queued is served and the close resets no one. Not
        // on passed sockets: they outlive the service, and the next process serves their queue.
        if self.bindsItsSockets {
            for listener in self.listeners + self.proxyListeners {
                _ = c_daytime_refuse_new_peers(listener.descriptor, listener.transport == .tcp ? 1 : 0)
            }
        }
        self.stopFlag.set()
        // Non-blocking from now on: a busy loop drains the queue and then sees EAGAIN; an idle one
        // wakes within AcceptLoop.wakeInterval.
        for listener in self.listeners + self.proxyListeners {
            let flags = fcntl(listener.descriptor, F_GETFL)
            _ = fcntl(listener.descriptor, F_SETFL, flags | O_NONBLOCK)
        }
    }

    /// Binds every transport and host of one service. Port 0 picks a port once, with the first
    /// socket, and every further host and transport uses the same number; when that number is
    /// taken there (by another program's UDP socket, say), it starts over with a fresh pick, a few
    /// times, rather than fail a start that asked for any free port.
    private static func bind(
        _ service: TimeProtocolKind,
        port requested: Int,
        _ configuration: ServerConfiguration,
        owner: inout DescriptorGroup
    ) throws(ServerError) -> [ListeningSocket] {
        let hosts = configuration.hosts.isEmpty ? [nil] : configuration.hosts.map(Optional.some)
        var attempt = 1
        while true {
            var port = requested
            var bound: [ListeningSocket] = []
            // A failed attempt's sockets are closed before the next one.
            var attemptOwner = DescriptorGroup()
            do {
                for transport in Transport.allCases where configuration.transports(for: service).contains(transport) {
                    for host in hosts {
                        bound += try ListeningSocket.bind(
                            host: host,
                            port: port,
                            service: service,
                            transport: transport,
                            backlog: configuration.backlog,
                            reusePort: configuration.reusePort,
                            owner: &attemptOwner
                        )
                        if port == 0, let first = bound.first { port = first.port }
                    }
                }
                owner.adopt(attemptOwner)
                return bound
            } catch {
                guard requested == 0, error.code == .addressInUse, !bound.isEmpty, attempt < 8 else { throw error }
                attempt += 1
            }
        }
    }

    private static func validate(_ configuration: ServerConfiguration) throws(ServerError) {
        guard
            configuration.daytimePort != nil || configuration.timePort != nil || configuration.ntpPort != nil
                || configuration.proxyProtocol.isEnabled
        else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "every service is off: give \(setting: .daytimePort), \(setting: .timePort) or "
                    + "\(setting: .ntpPort) a port number"
            )
        }
        // An empty host is a mistake (an unset variable in a unit file, say), not a request for
        // every address: that is written as no host at all, or as ::.
        if configuration.hosts.contains(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .hosts) has an empty host: give an address or a name (127.0.0.1, ::1, "
                    + "localhost), or no host at all for every address"
            )
        }
        if configuration.ntpPort != nil, let problem = configuration.ntp.validationError() {
            throw ServerError(code: .invalidConfiguration, description: problem)
        }
        for service in TimeProtocolKind.allCases {
            if let port = configuration.port(for: service), !(0...65535).contains(port) {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "\(setting: .port(for: service)) \(port) is not a port: use 1-65535, 0 for any "
                        + "free port, or off"
                )
            }
        }
        try Self.validateServing(configuration)
        for service in TimeProtocolKind.allCases where configuration.port(for: service) != nil {
            guard !configuration.transports(for: service).isEmpty else {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "\(service) has a port but no transport: give \(setting: .transports(for: service)) "
                        + "tcp, udp or tcp,udp, or \(setting: .port(for: service)) off"
                )
            }
        }
    }

    /// The checks that apply however the sockets came: threads, backlog, source policy.
    private static func validateServing(_ configuration: ServerConfiguration) throws(ServerError) {
        guard (1...1024).contains(configuration.threads) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .threads) \(configuration.threads) is out of range: use 1 to 1024 "
                    + "(default: one per CPU)"
            )
        }
        try configuration.sourcePolicy.validate()
        if let problem = configuration.clockHealth.validationError() {
            throw ServerError(code: .invalidConfiguration, description: SettingMessage(problem))
        }
        try configuration.proxyProtocol.validate()
        guard configuration.backlog >= 1 else {
            throw ServerError(code: .invalidConfiguration, description: "\(setting: .backlog) must be at least 1")
        }
        if let linger = configuration.lingeringClose, linger <= .zero || linger > .seconds(3600) {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .lingeringClose) must be above 0 and at most 3600 seconds"
            )
        }
    }
}
