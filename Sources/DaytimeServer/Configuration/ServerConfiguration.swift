import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork

#if canImport(Glibc)
import Glibc
#endif

/// Everything a ``DaytimeService`` needs to know, with defaults that match inetd's internal
/// services: both protocols on their well-known ports, on every address, ctime in local time.
public struct ServerConfiguration: Sendable {
    /// Addresses (or names) to listen on. Empty means every IPv4 and IPv6 address of the machine,
    /// through one dual-stack socket. An IPv6 address given here listens on IPv6 only.
    public var hosts: [String]
    /// TCP port for Daytime, `0` for an ephemeral port, `nil` to not serve Daytime. Default 13.
    public var daytimePort: Int?
    /// TCP port for Time, `0` for an ephemeral port, `nil` to not serve Time. Default 37.
    public var timePort: Int?
    /// UDP port for SNTP, `0` for an ephemeral port, `nil` (the default) to not serve NTP.
    public var ntpPort: Int?
    /// Where the NTP answers' reference data comes from and how clients over their limit are
    /// treated; used when ``ntpPort`` is set.
    public var ntp: NTPServerConfiguration
    /// Transports Daytime is served over. Default both TCP and UDP, on the same port.
    public var daytimeTransports: Transports
    /// Transports Time is served over. Default both TCP and UDP, on the same port.
    public var timeTransports: Transports
    /// UDP source ports whose datagrams get no answer (port 0 always gets none): services that
    /// answer whatever arrives, so that answering them would start a packet loop. Default
    /// ``defaultBlockedSourcePorts``: echo 7, discard 9, daytime 13, qotd 17, chargen 19, time 37.
    public var blockedSourcePorts: [Int]
    /// Access list, per-source rate limit and UDP cap. Defaults: everyone allowed, 4 answers a
    /// second (burst 16) per source, 20,000 UDP answers a second in all, loopback exempt from limits.
    public var sourcePolicy: SourcePolicyConfiguration
    /// The layout of the daytime line. Default `DaytimeFormat.ctime`, like Python's `time.ctime()` server and inetd.
    public var format: DaytimeFormat
    /// The zone daytime lines are written in. Default: the machine's local zone, like Python's `time.ctime()` server.
    public var timeZone: TimeZoneRules
    /// Accepting threads. Default: one per CPU this process may run on.
    public var threads: Int
    /// Length of each listening socket's queue of connections not yet accepted (the kernel caps it
    /// at `net.core.somaxconn`). Default 4,096: the `listen(5)` of Python's `time.ctime()` server drops
    /// connections under load.
    public var backlog: Int
    /// How long a thread stops accepting when the process or the system is out of file descriptors
    /// or memory, so that it neither spins nor gives up. Default 100 ms.
    public var acceptBackoff: Duration
    /// The tz database's leap-second list, for NIST's `L`; nil for none (`L` then says unknown).
    /// Default `LeapSecondTable.defaultPath` (Debian's tzdata). Read again on every
    /// ``DaytimeService/reload(_:)``, which may also change it.
    public var leapSecondsFile: String?
    /// When the kernel's clock state counts as healthy or wrong (NIST's `H`, logs, status).
    /// Defaults: healthy up to 1 s maximum error, wrong beyond 5 s estimated error.
    public var clockHealth: ClockHealthThresholds
    /// Whether Daytime and Time get no answer while the clock is unsynchronized (RFC 868: close
    /// the connection without sending anything); SNTP answers then say so (leap indicator 3)
    /// either way. Default false: answer, as inetd, xinetd and nginx do. Reloadable.
    public var refusesWhenUnsynchronized: Bool
    /// Listeners behind a load balancer, which read a PROXY protocol header first. Default: none.
    public var proxyProtocol: ProxyProtocolConfiguration
    /// Sets `SO_REUSEPORT` on every socket, so that several `daytimed` processes can serve the same
    /// port, the kernel spreading connections over them. Default false: a port in use is an error.
    public var reusePort: Bool
    /// How long an answered TCP connection may linger for a client that sends something before it
    /// reads: the FIN goes out with the answer, and the socket is closed once the client has
    /// closed its side or this time has passed, so that its unread bytes do not turn the close
    /// into a reset (nginx's `lingering_close`). Default nil: closed at once, the cheapest path.
    public var lingeringClose: Duration?
    /// The access log: a line per answer or refusal. Default nil: off.
    public var accessLog: AccessLogConfiguration?
    /// Whether the serving loops time each answer for ``ServerStatistics``' latency histogram.
    /// Default true. Timing costs two monotonic clock reads per TCP answer (per UDP answer sent
    /// alone), about 1% of a core's answers per second: `daytimed` turns it off when no metrics
    /// endpoint would export the histogram. Counts of answers and bytes are kept either way.
    public var measuresLatency: Bool

    /// Creates a configuration; every parameter has the default described on its property.
    public init(
        hosts: [String] = [],
        daytimePort: Int? = TimeProtocolKind.daytime.defaultPort,
        timePort: Int? = TimeProtocolKind.time.defaultPort,
        ntpPort: Int? = nil,
        ntp: NTPServerConfiguration = NTPServerConfiguration(),
        daytimeTransports: Transports = .both,
        timeTransports: Transports = .both,
        blockedSourcePorts: [Int] = ServerConfiguration.defaultBlockedSourcePorts,
        sourcePolicy: SourcePolicyConfiguration = SourcePolicyConfiguration(),
        format: DaytimeFormat = .ctime,
        timeZone: TimeZoneRules = .local(),
        threads: Int = ServerConfiguration.defaultThreadCount,
        backlog: Int = 4096,
        acceptBackoff: Duration = .milliseconds(100),
        leapSecondsFile: String? = LeapSecondTable.defaultPath,
        clockHealth: ClockHealthThresholds = ClockHealthThresholds(),
        refusesWhenUnsynchronized: Bool = false,
        proxyProtocol: ProxyProtocolConfiguration = ProxyProtocolConfiguration(),
        reusePort: Bool = false,
        lingeringClose: Duration? = nil,
        accessLog: AccessLogConfiguration? = nil,
        measuresLatency: Bool = true
    ) {
        self.hosts = hosts
        self.daytimePort = daytimePort
        self.timePort = timePort
        self.ntpPort = ntpPort
        self.ntp = ntp
        self.daytimeTransports = daytimeTransports
        self.timeTransports = timeTransports
        self.blockedSourcePorts = blockedSourcePorts
        self.sourcePolicy = sourcePolicy
        self.format = format
        self.timeZone = timeZone
        self.threads = threads
        self.backlog = backlog
        self.acceptBackoff = acceptBackoff
        self.leapSecondsFile = leapSecondsFile
        self.clockHealth = clockHealth
        self.refusesWhenUnsynchronized = refusesWhenUnsynchronized
        self.proxyProtocol = proxyProtocol
        self.reusePort = reusePort
        self.lingeringClose = lingeringClose
        self.accessLog = accessLog
        self.measuresLatency = measuresLatency
    }

    /// One thread per CPU in this process's affinity mask (so `taskset -c 0` gives one thread).
    public static var defaultThreadCount: Int {
        let available = Int(c_daytime_available_cpus())
        if available > 0 { return available }
        return max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// echo, discard, daytime, qotd, chargen and time: the UDP services that answer any datagram.
    public static let defaultBlockedSourcePorts: [Int] = DatagramSourceCheck.defaultBlockedSourcePorts

    /// The transports configured for `service` (NTP: UDP only).
    public func transports(for service: TimeProtocolKind) -> Transports {
        switch service {
        case .daytime: return self.daytimeTransports
        case .time: return self.timeTransports
        case .ntp: return .udp
        }
    }

    /// The port configured for `service`, or nil if it is off.
    public func port(for service: TimeProtocolKind) -> Int? {
        switch service {
        case .daytime: return self.daytimePort
        case .time: return self.timePort
        case .ntp: return self.ntpPort
        }
    }

    /// The listener settings that differ between `self` and `other`: the ones a running service
    /// cannot change without closing its sockets.
    func listenerSettingsChanged(in other: ServerConfiguration) -> [ServerSetting] {
        var changed: [ServerSetting] = []
        if self.hosts != other.hosts { changed.append(.hosts) }
        if self.daytimePort != other.daytimePort { changed.append(.daytimePort) }
        if self.timePort != other.timePort { changed.append(.timePort) }
        if self.ntpPort != other.ntpPort { changed.append(.ntpPort) }
        if self.daytimeTransports != other.daytimeTransports { changed.append(.daytimeTransports) }
        if self.timeTransports != other.timeTransports { changed.append(.timeTransports) }
        if self.threads != other.threads { changed.append(.threads) }
        if self.backlog != other.backlog { changed.append(.backlog) }
        if self.reusePort != other.reusePort { changed.append(.reusePort) }
        if self.lingeringClose != other.lingeringClose { changed.append(.lingeringClose) }
        changed += self.proxyProtocol.settingsChanged(in: other.proxyProtocol)
        // The access log's file is opened once, with the service.
        if self.accessLog != other.accessLog { changed.append(.accessLog) }
        return changed
    }
}
