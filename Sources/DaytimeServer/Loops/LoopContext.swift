import DaytimeCore
import DaytimeNetwork
import Logging
import NIOConcurrencyHelpers
import Synchronization

/// What every serving loop of one ``DaytimeService`` shares, whatever it serves: fixed when the
/// service starts, read by the loops' threads without locks.
///
/// The TCP, UDP, PROXY and NTP loops each take one; what a reload may change lives behind
/// ``settings`` and reaches each loop through its own ``LoopSettings``.
struct LoopContext: Sendable {
    /// Set once when the service stops.
    let stopFlag: StopFlag
    /// The live settings and their generation.
    let settings: LiveSettingsBox
    /// Where answers and refusals are counted.
    let statistics: ServerStatistics
    /// Where each answer and refusal is recorded; nil when the access log is off.
    let accessLog: AccessLog?
    /// Where the time comes from.
    let clock: any WallClock
    /// The leap-second and clock-health state that NIST lines and NTP answers carry.
    let quality: TimeQualitySource
    /// The service's logger: a line per answer at `info`, problems at `warning`.
    let logger: Logger
    /// Whether answers are timed for the latency histogram (``ServerConfiguration/measuresLatency``).
    let measuresLatency: Bool
    /// How long a loop pauses when the system is out of descriptors or memory.
    let backoff: Duration
    /// The most queued requests a stopping loop still answers (the backlog).
    let drainLimit: Int
    /// Where answered TCP connections go to be closed when they may linger; nil: closed at once.
    let lingeringCloser: LingeringCloser?

    init(
        configuration: ServerConfiguration,
        stopFlag: StopFlag,
        settings: LiveSettingsBox,
        statistics: ServerStatistics,
        accessLog: AccessLog?,
        clock: any WallClock,
        quality: TimeQualitySource,
        logger: Logger,
        lingeringCloser: LingeringCloser? = nil
    ) {
        self.stopFlag = stopFlag
        self.settings = settings
        self.statistics = statistics
        self.accessLog = accessLog
        self.clock = clock
        self.quality = quality
        self.logger = logger
        self.measuresLatency = configuration.measuresLatency
        self.backoff = configuration.acceptBackoff
        self.drainLimit = configuration.backlog
        self.lingeringCloser = lingeringCloser
    }
}

/// One loop's copy of the live settings: the policy, the renderer and the UDP source check of one
/// generation, renewed between two answers after a reload, never during one.
///
/// Confined to the loop (or the event loop) that owns it, so reading it costs no lock; checking for
/// a reload costs one relaxed atomic load (``refresh(from:logger:)``).
struct LoopSettings: Sendable {
    private(set) var generation: Int
    /// Who gets an answer.
    private(set) var policy: SourcePolicy
    /// The answer's bytes, for Daytime and Time.
    private(set) var renderer: DaytimeLineRenderer
    /// The UDP loop and spoofing guard of the socket the loop serves.
    private(set) var sourceCheck: DatagramSourceCheck
    /// Whether the log level asks for a line per answer (`info` or lower).
    private(set) var logsAnswers: Bool
    /// Over the rate limit, NTP still answers one request in this many (0: none).
    private(set) var ntpLeak: Int
    /// Over the rate limit (and not leaked), NTP sends a Kiss-o'-Death RATE.
    private(set) var ntpKissOfDeath: Bool
    /// Daytime and Time answer nothing now: the clock is unsynchronized and the settings say refuse.
    private(set) var refusesAnswers: Bool
    private let quality: TimeQualitySource?
    private let boundAddress: IPAddress?
    private let blocksSourcePorts: Bool

    /// - Parameters:
    ///   - settings: the service's live settings.
    ///   - quality: the leap-second and clock-health state NIST lines carry.
    ///   - boundAddress: the local address of the socket served, for the UDP source check's
    ///     loopback rule; nil for a wildcard socket.
    ///   - blocksSourcePorts: whether the source check drops the blocked source ports. NTP clients
    ///     may send from port 123 or any other, and only NTP requests are answered there, so the NTP
    ///     loop passes false.
    ///   - logger: its level decides ``logsAnswers``.
    init(
        _ settings: LiveSettingsBox,
        quality: TimeQualitySource?,
        boundAddress: IPAddress? = nil,
        blocksSourcePorts: Bool = true,
        logger: Logger
    ) {
        let (current, generation) = settings.current()
        self.quality = quality
        self.boundAddress = boundAddress
        self.blocksSourcePorts = blocksSourcePorts
        self.generation = generation
        self.policy = current.policy
        self.renderer = DaytimeLineRenderer(format: current.format, timeZone: current.timeZone, quality: quality)
        self.sourceCheck = DatagramSourceCheck(
            blockedSourcePorts: blocksSourcePorts ? current.blockedSourcePorts : [],
            boundAddress: boundAddress
        )
        self.logsAnswers = logger.logLevel <= .info
        self.ntpLeak = current.ntpLeak
        self.ntpKissOfDeath = current.ntpKissOfDeath
        self.refusesAnswers = current.refusesWhenUnsynchronized && current.clockUnsynchronized
    }

    /// Why `address` may not get a Daytime or Time answer over `transport` now, or nil if it may:
    /// the clock's state first (no token is spent then), then the source policy.
    @inline(__always)
    func refusal(
        for address: IPAddress,
        transport: Transport,
        now: @autoclosure () -> UInt64 = MonotonicClock.nanoseconds()
    ) -> RefusalReason? {
        if self.refusesAnswers { return .unsynchronizedClock }
        return self.policy.refusal(for: address, transport: transport, now: now())
    }

    /// Writes the answer for `service` at `now` into `buffer`; returns its length.
    @inline(__always)
    mutating func writeAnswer(
        for service: TimeProtocolKind,
        at now: Instant,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        self.renderer.writeAnswer(for: service, at: now, into: buffer)
    }

    /// Takes the settings of the latest reload, if there was one since.
    @inline(__always)
    mutating func refresh(from settings: LiveSettingsBox, logger: Logger) {
        guard settings.generation != self.generation else { return }
        self.take(settings.current(), logger: logger)
    }

    private mutating func take(_ latest: (settings: LiveSettings, generation: Int), logger: Logger) {
        let current = latest.settings
        self.generation = latest.generation
        self.policy = current.policy
        if current.format != self.renderer.format || current.timeZone != self.renderer.timeZone {
            self.renderer = DaytimeLineRenderer(
                format: current.format,
                timeZone: current.timeZone,
                quality: self.quality
            )
        }
        self.sourceCheck = DatagramSourceCheck(
            blockedSourcePorts: self.blocksSourcePorts ? current.blockedSourcePorts : [],
            boundAddress: self.boundAddress
        )
        self.ntpLeak = current.ntpLeak
        self.ntpKissOfDeath = current.ntpKissOfDeath
        self.refusesAnswers = current.refusesWhenUnsynchronized && current.clockUnsynchronized
        // The log level may have changed too (the handler reads it live).
        self.logsAnswers = logger.logLevel <= .info
    }
}

/// Set once when the service stops; read by every serving loop after each wake-up, and waited on
/// by the threads that sleep between rounds of work (the NTP upstream poller).
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    /// The same value, for ``sleep(for:)``: the loops read the atomic, which costs no lock.
    private let condition = ConditionLock(value: false)

    var isSet: Bool {
        self.flag.load(ordering: .relaxed)
    }

    func set() {
        self.flag.store(true, ordering: .relaxed)
        self.condition.lock()
        self.condition.unlock(withValue: true)
    }

    /// Sleeps for `duration`, or until the flag is set if that comes first: a thread that waits
    /// between rounds wakes once per round, not every few milliseconds to look at the flag.
    /// Returns whether the flag is set.
    func sleep(for duration: Duration) -> Bool {
        let (seconds, attoseconds) = duration.components
        let timeout = max(0, Double(seconds) + Double(attoseconds) / 1e18)
        if self.condition.lock(whenValue: true, timeoutSeconds: timeout) {
            self.condition.unlock()
            return true
        }
        return self.isSet
    }
}
