import DaytimeCore
import DaytimeNetwork
import Synchronization

/// Counters of what the server did, kept with relaxed atomics so the hot paths count for free.
///
/// The loops only add: an answer costs an add to its series, its bytes and its latency bucket; the
/// metrics endpoint (`DaytimeMetrics`) and tests read everything through ``snapshot()``. One
/// instance may outlive a ``DaytimeService``: pass it to a new service (after a reload, say) and
/// the counters go on from where they were.
public final class ServerStatistics: Sendable {
    /// Answers sent, per series (``series(_:_:)``).
    private let answers = AtomicCounters(count: ServerStatistics.seriesCount)
    /// Refusals, indexed by the reason's place in `RefusalReason.allCases`.
    private let refusalCounts = AtomicCounters(count: RefusalReason.allCases.count)
    /// NTP datagrams dropped as not being client requests, indexed like `NTPDropReason.allCases`.
    private let ntpDropCounts = AtomicCounters(count: NTPDropReason.allCases.count)
    private let ntpLeaked = Atomic<Int>(0)
    private let ntpKissesOfDeath = Atomic<Int>(0)
    private let sendFailures = Atomic<Int>(0)
    private let openConnectionCount = Atomic<Int>(0)
    private let reloadsSucceeded = Atomic<Int>(0)
    private let reloadsFailed = Atomic<Int>(0)
    private let accessLogDropped = Atomic<Int>(0)
    /// Bytes sent, per series (``series(_:_:)``).
    private let bytes = AtomicCounters(count: ServerStatistics.seriesCount)
    /// Per series, ``AnswerLatency/bucketCount`` buckets (not cumulative), then the sum in nanoseconds.
    private let latency = AtomicCounters(count: ServerStatistics.seriesCount * (AnswerLatency.bucketCount + 1))

    /// Creates counters at zero.
    public init() {}

    /// A copy of every counter at one moment (each read on its own: the copy is not atomic as a whole).
    public struct Snapshot: Sendable, Hashable {
        /// Answers sent, keyed `daytime/tcp`, `daytime/udp`, `time/tcp`, `time/udp`, `ntp/tcp`
        /// (always 0) and `ntp/udp`.
        public var answered: [String: Int]
        /// Connections and datagrams refused an answer, keyed by `RefusalReason` raw value.
        public var refused: [RefusalReason: Int]
        /// Answers the kernel refused to send.
        public var sendFailures: Int
        /// Bytes of answers sent, keyed like ``answered``.
        public var bytesSent: [String: Int]
        /// TCP connections accepted and not yet closed.
        public var openConnections: Int
        /// Per series (keyed like ``answered``): answers per ``AnswerLatency`` bucket, not cumulative.
        public var latencyBuckets: [String: [Int]]
        /// Per series: the sum of the latencies counted in ``latencyBuckets``, in nanoseconds.
        public var latencySumNanoseconds: [String: Int]
        /// Configuration reloads that took effect.
        public var reloadsSucceeded: Int
        /// Configuration reloads that failed (the previous configuration stayed).
        public var reloadsFailed: Int
        /// Access-log lines dropped because the writer could not keep up.
        public var accessLogLinesDropped: Int
        /// NTP datagrams dropped because they were not client requests, by reason.
        public var ntpDropped: [NTPDropReason: Int]
        /// NTP requests over their source's rate limit that were answered anyway (the leak).
        public var ntpLeaked: Int
        /// Kiss-o'-Death RATE answers sent to NTP clients over their rate limit.
        public var ntpKissesOfDeath: Int

        /// Answers sent for `service` over `transport`.
        public func answered(_ service: TimeProtocolKind, _ transport: Transport) -> Int {
            self.answered["\(service)/\(transport)"] ?? 0
        }
    }

    /// Reads every counter.
    public func snapshot() -> Snapshot {
        var bytesSent: [String: Int] = [:]
        var buckets: [String: [Int]] = [:]
        var sums: [String: Int] = [:]
        for service in TimeProtocolKind.allCases {
            for transport in Transport.allCases {
                let series = Self.series(service, transport)
                let key = "\(service)/\(transport)"
                bytesSent[key] = self.bytes.load(series)
                let base = series * (AnswerLatency.bucketCount + 1)
                buckets[key] = (0..<AnswerLatency.bucketCount).map { self.latency.load(base + $0) }
                sums[key] = self.latency.load(base + AnswerLatency.bucketCount)
            }
        }
        var answered: [String: Int] = [:]
        for service in TimeProtocolKind.allCases {
            for transport in Transport.allCases {
                answered["\(service)/\(transport)"] = self.answers.load(Self.series(service, transport))
            }
        }
        return Snapshot(
            answered: answered,
            refused: Dictionary(
                uniqueKeysWithValues: RefusalReason.allCases.enumerated().map { ($1, self.refusalCounts.load($0)) }
            ),
            sendFailures: self.sendFailures.load(ordering: .relaxed),
            bytesSent: bytesSent,
            openConnections: self.openConnectionCount.load(ordering: .relaxed),
            latencyBuckets: buckets,
            latencySumNanoseconds: sums,
            reloadsSucceeded: self.reloadsSucceeded.load(ordering: .relaxed),
            reloadsFailed: self.reloadsFailed.load(ordering: .relaxed),
            accessLogLinesDropped: self.accessLogDropped.load(ordering: .relaxed),
            ntpDropped: Dictionary(
                uniqueKeysWithValues: NTPDropReason.allCases.enumerated().map { ($1, self.ntpDropCounts.load($0)) }
            ),
            ntpLeaked: self.ntpLeaked.load(ordering: .relaxed),
            ntpKissesOfDeath: self.ntpKissesOfDeath.load(ordering: .relaxed)
        )
    }

    /// Counts a configuration reload: call it once per attempt, after the new configuration took
    /// effect (`succeeded: true`) or was rejected and the old one kept (`false`).
    public func countReload(succeeded: Bool) {
        if succeeded {
            self.reloadsSucceeded.add(1, ordering: .relaxed)
        } else {
            self.reloadsFailed.add(1, ordering: .relaxed)
        }
    }

    /// The (protocol, transport) pairs a service can answer on: Daytime and Time over TCP and UDP,
    /// NTP over UDP.
    public static let servedSeries: [(TimeProtocolKind, Transport)] = TimeProtocolKind.allCases.flatMap { service in
        Transport.allCases.filter { service != .ntp || $0 == .udp }.map { (service, $0) }
    }

    /// The number of (protocol, transport) series.
    static let seriesCount = TimeProtocolKind.allCases.count * Transport.allCases.count

    /// The index of a (protocol, transport) series in the per-series counters.
    @inline(__always)
    static func series(_ service: TimeProtocolKind, _ transport: Transport) -> Int {
        let row: Int
        switch service {
        case .daytime: row = 0
        case .time: row = 1
        case .ntp: row = 2
        }
        return row * 2 + (transport == .tcp ? 0 : 1)
    }

    @inline(__always)
    func countAnswers(_ count: Int, service: TimeProtocolKind, transport: Transport) {
        self.answers.add(count, at: Self.series(service, transport))
    }

    /// Counts `count` answers of `bytes` bytes in all that took `nanoseconds` each, in the series
    /// `series`: three relaxed adds and a scan of a constant table.
    @inline(__always)
    func countSent(_ count: Int, bytes: Int, nanoseconds: Int, series: Int) {
        self.bytes.add(bytes, at: series)
        let base = series * (AnswerLatency.bucketCount + 1)
        self.latency.add(count, at: base + AnswerLatency.bucket(nanoseconds))
        self.latency.add(count &* nanoseconds, at: base + AnswerLatency.bucketCount)
    }

    /// Counts `count` answers of `bytes` bytes in all in the series `series`, untimed (the
    /// configuration turned latency off): they are left out of the latency histogram.
    @inline(__always)
    func countSent(_ count: Int, bytes: Int, series: Int) {
        self.bytes.add(bytes, at: series)
    }

    /// A TCP connection was accepted (`+1`) or closed (`-1`).
    @inline(__always)
    func countOpenConnections(_ delta: Int) {
        self.openConnectionCount.add(delta, ordering: .relaxed)
    }

    func countRefusal(_ reason: RefusalReason) {
        // A linear search of a few cases: cheaper than the refusal's log line or access-log record.
        if let index = RefusalReason.allCases.firstIndex(of: reason) {
            self.refusalCounts.add(1, at: index)
        }
    }

    func countNTPDrop(_ reason: NTPDropReason) {
        if let index = NTPDropReason.allCases.firstIndex(of: reason) {
            self.ntpDropCounts.add(1, at: index)
        }
    }

    func countNTPLeak() {
        self.ntpLeaked.add(1, ordering: .relaxed)
    }

    func countNTPKissOfDeath() {
        self.ntpKissesOfDeath.add(1, ordering: .relaxed)
    }

    func countSendFailure() {
        self.sendFailures.add(1, ordering: .relaxed)
    }

    func countAccessLogDrop() {
        self.accessLogDropped.add(1, ordering: .relaxed)
    }
}
