import DaytimeCore

/// What one `daytime bench` run does: where, over which transport and protocol, how hard, and for how long.
///
/// A plain value; ``LoadGenerator/run(_:progressInterval:progress:)`` checks it and reports what is
/// out of range as a ``BenchError``.
public struct BenchConfiguration: Sendable, Hashable {
    /// How transactions are started.
    public enum Loop: Sendable, Hashable {
        /// Each of ``BenchConfiguration/concurrency`` slots starts a new transaction as soon as its
        /// previous one ends: the server sets the pace (what `loadgen`, `wrk` and `h2load` do by default).
        case closed
        /// Transactions start on a fixed schedule, `perSecond` in all, whatever the server does;
        /// latency is measured from each one's scheduled start, so a server that stalls is charged
        /// for the whole wait of every transaction it delayed (no coordinated omission, as in wrk2).
        case open(perSecond: Double)
    }

    /// The server's address.
    public var target: BenchTarget
    /// TCP (connect, read to end of stream, close) or UDP (one datagram out, one back).
    public var transport: BenchTarget.Transport
    /// What the answers must be: a Daytime line, or a Time value.
    public var `protocol`: TimeProtocolKind
    /// Closed or open loop.
    public var loop: Loop
    /// The most transactions in flight at once, over all threads.
    public var concurrency: Int
    /// OS threads generating load; each owns `concurrency / threads` slots (the first ones one more).
    public var threads: Int
    /// Stop starting transactions after this many nanoseconds; nil: no time limit (then
    /// ``requests`` must be set). Transactions still in flight at the deadline are abandoned, not counted.
    public var durationNanoseconds: UInt64?
    /// Start exactly this many transactions, then wait for each to end; nil: no limit.
    public var requests: Int?
    /// A transaction that has not ended this long after its start is a ``BenchErrorKind/timeout``.
    public var timeoutNanoseconds: UInt64
    /// Bind each TCP connection to a source address from 127.0.0.2 up (250 addresses), so that
    /// long runs against a loopback target do not run out of ephemeral ports (each source
    /// address has its own 28,000). Only used when the target is IPv4 loopback.
    public var spreadSourceAddresses: Bool
    /// The longest answer accepted; a longer one is ``BenchErrorKind/malformed``.
    public var maximumAnswerLength: Int
    /// UDP: open a new socket for every transaction (socket, connect, send, recv, close), as
    /// `shared/bench/loadgen.c` does, instead of one per slot for the whole run. Costs the client
    /// about three times the CPU per transaction; for like-for-like comparisons with loadgen.
    public var udpSocketPerTransaction: Bool

    /// A configuration with the defaults of `daytime bench`: TCP, closed loop, 32 in flight on one
    /// thread, 5 seconds, a 5-second timeout, source addresses spread.
    public init(
        target: BenchTarget,
        transport: BenchTarget.Transport = .tcp,
        protocol: TimeProtocolKind = .daytime,
        loop: Loop = .closed,
        concurrency: Int = 32,
        threads: Int = 1,
        durationNanoseconds: UInt64? = 5_000_000_000,
        requests: Int? = nil,
        timeoutNanoseconds: UInt64 = 5_000_000_000,
        spreadSourceAddresses: Bool = true,
        maximumAnswerLength: Int = 1024,
        udpSocketPerTransaction: Bool = false
    ) {
        self.target = target
        self.transport = transport
        self.protocol = `protocol`
        self.loop = loop
        self.concurrency = concurrency
        self.threads = threads
        self.durationNanoseconds = durationNanoseconds
        self.requests = requests
        self.timeoutNanoseconds = timeoutNanoseconds
        self.spreadSourceAddresses = spreadSourceAddresses
        self.maximumAnswerLength = maximumAnswerLength
        self.udpSocketPerTransaction = udpSocketPerTransaction
    }

    /// Whether TCP connections will be spread over 127.0.0.2 and up.
    public var spreadsSources: Bool {
        self.spreadSourceAddresses && self.transport == .tcp && self.target.isIPv4Loopback
    }

    /// Throws if a setting is out of range, with what to give instead.
    public func validate() throws(BenchError) {
        guard (1...65_536).contains(self.concurrency) else {
            throw BenchError(.invalidConfiguration, "concurrency \(self.concurrency) is out of range; give 1 to 65536")
        }
        guard (1...self.concurrency).contains(self.threads), self.threads <= 1024 else {
            throw BenchError(
                .invalidConfiguration,
                "\(self.threads) threads for \(self.concurrency) in flight; give 1 to min(concurrency, 1024)"
            )
        }
        if case .open(let rate) = self.loop, !(rate.isFinite && rate > 0 && rate <= 10_000_000) {
            throw BenchError(
                .invalidConfiguration,
                "rate \(rate) is out of range; give transactions per second above 0 and at most 10000000"
            )
        }
        if let requests = self.requests, requests < 1 {
            throw BenchError(.invalidConfiguration, "requests \(requests) is out of range; give 1 or more")
        }
        guard self.durationNanoseconds != nil || self.requests != nil else {
            throw BenchError(.invalidConfiguration, "neither a duration nor a request count: give one, or both")
        }
        guard self.timeoutNanoseconds > 0 else {
            throw BenchError(.invalidConfiguration, "the timeout is 0; give a positive time")
        }
        guard (4...65_536).contains(self.maximumAnswerLength) else {
            throw BenchError(
                .invalidConfiguration,
                "maximum answer length \(self.maximumAnswerLength) is out of range; give 4 to 65536"
            )
        }
    }
}
