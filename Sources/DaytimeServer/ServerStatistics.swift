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
    private let daytimeTCP = Atomic<Int>(0)
    private let daytimeUDP = Atomic<Int>(0)
    private let timeTCP = Atomic<Int>(0)
    private let timeUDP = Atomic<Int>(0)
    private let blockedSourcePort = Atomic<Int>(0)
    private let invalidSource = Atomic<Int>(0)
    private let spoofedLoopback = Atomic<Int>(0)
    private let accessList = Atomic<Int>(0)
    private let rateLimit = Atomic<Int>(0)
    private let udpCap = Atomic<Int>(0)
    private let sendFailures = Atomic<Int>(0)
    private let untrustedProxy = Atomic<Int>(0)
    private let badProxyHeader = Atomic<Int>(0)
    private let proxyHeaderTimeout = Atomic<Int>(0)
    private let proxyPendingLimit = Atomic<Int>(0)
    private let openConnectionCount = Atomic<Int>(0)
    private let reloadsSucceeded = Atomic<Int>(0)
    private let reloadsFailed = Atomic<Int>(0)
    private let accessLogDropped = Atomic<Int>(0)
    /// Bytes sent, per series (``series(_:_:)``).
    private let bytes = AtomicCounters(count: 4)
    /// Per series, ``AnswerLatency/bucketCount`` buckets (not cumulative), then the sum in nanoseconds.
    private let latency = AtomicCounters(count: 4 * (AnswerLatency.bucketCount + 1))

    /// Creates counters at zero.
    public init() {}

    /// A copy of every counter at one moment (each read on its own: the copy is not atomic as a whole).
    public struct Snapshot: Sendable, Hashable {
        /// Answers sent, keyed `daytime/tcp`, `daytime/udp`, `time/tcp`, `time/udp`.
        public var answered: [String: Int]
        /// Connections and datagrams refused an answer, keyed by ``RefusalReason`` raw value.
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
        return Snapshot(
            answered: [
                "daytime/tcp": self.daytimeTCP.load(ordering: .relaxed),
                "daytime/udp": self.daytimeUDP.load(ordering: .relaxed),
                "time/tcp": self.timeTCP.load(ordering: .relaxed),
                "time/udp": self.timeUDP.load(ordering: .relaxed),
            ],
            refused: Dictionary(uniqueKeysWithValues: RefusalReason.allCases.map { ($0, self.refusals($0)) }),
            sendFailures: self.sendFailures.load(ordering: .relaxed),
            bytesSent: bytesSent,
            openConnections: self.openConnectionCount.load(ordering: .relaxed),
            latencyBuckets: buckets,
            latencySumNanoseconds: sums,
            reloadsSucceeded: self.reloadsSucceeded.load(ordering: .relaxed),
            reloadsFailed: self.reloadsFailed.load(ordering: .relaxed),
            accessLogLinesDropped: self.accessLogDropped.load(ordering: .relaxed)
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

    /// The index of a (protocol, transport) series in the per-series counters.
    @inline(__always)
    static func series(_ service: TimeProtocolKind, _ transport: Transport) -> Int {
        (service == .daytime ? 0 : 2) + (transport == .tcp ? 0 : 1)
    }

    @inline(__always)
    func countAnswers(_ count: Int, service: TimeProtocolKind, transport: Transport) {
        switch (service, transport) {
        case (.daytime, .tcp): self.daytimeTCP.add(count, ordering: .relaxed)
        case (.daytime, .udp): self.daytimeUDP.add(count, ordering: .relaxed)
        case (.time, .tcp): self.timeTCP.add(count, ordering: .relaxed)
        case (.time, .udp): self.timeUDP.add(count, ordering: .relaxed)
        }
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
        switch reason {
        case .blockedSourcePort: self.blockedSourcePort.add(1, ordering: .relaxed)
        case .invalidSource: self.invalidSource.add(1, ordering: .relaxed)
        case .spoofedLoopback: self.spoofedLoopback.add(1, ordering: .relaxed)
        case .accessList: self.accessList.add(1, ordering: .relaxed)
        case .rateLimit: self.rateLimit.add(1, ordering: .relaxed)
        case .udpCap: self.udpCap.add(1, ordering: .relaxed)
        case .untrustedProxy: self.untrustedProxy.add(1, ordering: .relaxed)
        case .badProxyHeader: self.badProxyHeader.add(1, ordering: .relaxed)
        case .proxyHeaderTimeout: self.proxyHeaderTimeout.add(1, ordering: .relaxed)
        case .proxyPendingLimit: self.proxyPendingLimit.add(1, ordering: .relaxed)
        }
    }

    private func refusals(_ reason: RefusalReason) -> Int {
        switch reason {
        case .blockedSourcePort: return self.blockedSourcePort.load(ordering: .relaxed)
        case .invalidSource: return self.invalidSource.load(ordering: .relaxed)
        case .spoofedLoopback: return self.spoofedLoopback.load(ordering: .relaxed)
        case .accessList: return self.accessList.load(ordering: .relaxed)
        case .rateLimit: return self.rateLimit.load(ordering: .relaxed)
        case .udpCap: return self.udpCap.load(ordering: .relaxed)
        case .untrustedProxy: return self.untrustedProxy.load(ordering: .relaxed)
        case .badProxyHeader: return self.badProxyHeader.load(ordering: .relaxed)
        case .proxyHeaderTimeout: return self.proxyHeaderTimeout.load(ordering: .relaxed)
        case .proxyPendingLimit: return self.proxyPendingLimit.load(ordering: .relaxed)
        }
    }

    func countSendFailure() {
        self.sendFailures.add(1, ordering: .relaxed)
    }

    func countAccessLogDrop() {
        self.accessLogDropped.add(1, ordering: .relaxed)
    }
}
