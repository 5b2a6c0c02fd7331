import DaytimeCore
import Synchronization

/// Who gets an answer: the access list, then the per-source rate limit, then (UDP only) the global
/// cap on answers per second. Shared by every thread of a ``DaytimeService``.
///
/// Order matters: a denied source never costs a slot in the rate limiter's table, and a
/// rate-limited source never spends the global UDP budget. Sources in ``SourcePolicyConfiguration/exempt``
/// (loopback by default: it cannot be forged from outside, and local monitoring and benchmarks
/// live there) skip both limits, but not the access list.
final class SourcePolicy: Sendable {
    private let accessList: AccessList
    private let exempt: AccessList?
    private let limiter: Mutex<SourceRateLimiter?>
    private let limitsRate: Bool
    private let udpCap: RateLimit?
    private let udpCapState = Atomic<UInt64>(0)

    init(_ configuration: SourcePolicyConfiguration) {
        self.accessList = AccessList(allow: configuration.allow, deny: configuration.deny)
        self.exempt = configuration.exempt.isEmpty ? nil : AccessList(allow: configuration.exempt)
        if let rate = configuration.rateLimit {
            self.limitsRate = true
            self.limiter = Mutex(
                SourceRateLimiter(
                    rate: rate.rate,
                    burst: rate.burst,
                    capacity: configuration.rateLimitTableSize,
                    ipv4PrefixLength: configuration.ipv4PrefixLength,
                    ipv6PrefixLength: configuration.ipv6PrefixLength
                )
            )
        } else {
            self.limitsRate = false
            self.limiter = Mutex(nil)
        }
        self.udpCap = configuration.udpAnswersPerSecond.map { RateLimit(rate: $0, burst: max(1, Int($0 / 10))) }
    }

    /// Why `address` may not get an answer over `transport` now, or nil if it may; an admitted
    /// source has spent a token. `now` (monotonic nanoseconds) is read only if a limit applies.
    @inline(__always)
    func refusal(
        for address: IPAddress,
        transport: Transport,
        now: @autoclosure () -> UInt64 = MonotonicClock.nanoseconds()
    ) -> RefusalReason? {
        let address = address.unmappingIPv4
        guard self.accessList.permits(address) else { return .accessList }
        if let exempt = self.exempt, exempt.permits(address) { return nil }
        let now = now()
        if self.limitsRate, self.limiter.withLock({ $0?.admit(address, now: now) }) == false {
            return .rateLimit
        }
        if transport == .udp, let cap = self.udpCap, !self.takeUDPToken(cap, now: now) {
            return .udpCap
        }
        return nil
    }

    /// The number of source groups the rate limiter tracks now (bounded by its capacity).
    var trackedSources: (entries: Int, capacity: Int, evictions: Int) {
        self.limiter.withLock { limiter in
            guard let limiter else { return (0, 0, 0) }
            return (limiter.entries, limiter.capacity, Int(limiter.evictions))
        }
    }

    /// One token from the global UDP bucket, lock-free: the bucket's state is one number.
    private func takeUDPToken(_ cap: RateLimit, now: UInt64) -> Bool {
        var state = self.udpCapState.load(ordering: .relaxed)
        while true {
            guard let next = cap.stateAfterAdmitting(state, now: now) else { return false }
            let (exchanged, current) = self.udpCapState.compareExchange(
                expected: state,
                desired: next,
                ordering: .relaxed
            )
            if exchanged { return true }
            state = current
        }
    }
}

/// The access list and limits of a ``DaytimeService``, with defaults safe for the public internet.
public struct SourcePolicyConfiguration: Sendable {
    /// Only sources in these ranges are answered; empty (the default) means everyone not denied.
    public var allow: [AddressRange]
    /// Sources in these ranges are never answered; deny wins over allow. Default empty.
    public var deny: [AddressRange]
    /// Per-source token bucket (connections plus datagrams); nil turns it off.
    /// Default 4 answers a second with a burst of 16: plenty for a person or a monitoring probe,
    /// useless to a reflection attack.
    public var rateLimit: (rate: Double, burst: Int)?
    /// Source groups the rate limiter tracks at most; when full, it forgets the bucket closest to
    /// full. Default 65,536 (1.5 MiB): a flood of forged sources cannot grow it.
    public var rateLimitTableSize: Int
    /// IPv4 sources are limited per prefix of this length. Default 32 (each address).
    public var ipv4PrefixLength: Int
    /// IPv6 sources are limited per prefix of this length. Default 64 (one site's subnet).
    public var ipv6PrefixLength: Int
    /// Sources exempt from the rate limit and the UDP cap (not from the access list).
    /// Default loopback: 127.0.0.0/8 and ::1.
    public var exempt: [AddressRange]
    /// The most UDP answers a second to non-exempt sources, all together; nil for no cap.
    /// Default 20,000 (about 4 Mbit/s of daytime lines): the ceiling of what the server can be
    /// made to reflect.
    public var udpAnswersPerSecond: Double?

    /// Loopback, exempt from limits by default.
    public static let loopback: [AddressRange] = [
        try! AddressRange("127.0.0.0/8"),  // a constant known to parse
        try! AddressRange("::1/128"),
    ]

    /// Creates a policy; every parameter has the default described on its property.
    public init(
        allow: [AddressRange] = [],
        deny: [AddressRange] = [],
        rateLimit: (rate: Double, burst: Int)? = (4, 16),
        rateLimitTableSize: Int = 65_536,
        ipv4PrefixLength: Int = 32,
        ipv6PrefixLength: Int = 64,
        exempt: [AddressRange] = SourcePolicyConfiguration.loopback,
        udpAnswersPerSecond: Double? = 20_000
    ) {
        self.allow = allow
        self.deny = deny
        self.rateLimit = rateLimit
        self.rateLimitTableSize = rateLimitTableSize
        self.ipv4PrefixLength = ipv4PrefixLength
        self.ipv6PrefixLength = ipv6PrefixLength
        self.exempt = exempt
        self.udpAnswersPerSecond = udpAnswersPerSecond
    }

    /// Checks the numbers; the limiter's own preconditions would trap on these.
    func validate() throws(ServerError) {
        if let limit = self.rateLimit {
            guard limit.rate > 0, limit.rate.isFinite, limit.burst >= 1 else {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "--rate-limit must be above 0 (or off) and --rate-burst at least 1"
                )
            }
        }
        guard (1...(1 << 24)).contains(self.rateLimitTableSize) else {
            throw ServerError(code: .invalidConfiguration, description: "--rate-limit-table must be 1 to 16777216")
        }
        guard (0...32).contains(self.ipv4PrefixLength), (0...128).contains(self.ipv6PrefixLength) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "--rate-limit-ipv4-prefix must be 0 to 32 and --rate-limit-ipv6-prefix 0 to 128"
            )
        }
        if let cap = self.udpAnswersPerSecond, !(cap > 0 && cap.isFinite) {
            throw ServerError(code: .invalidConfiguration, description: "--udp-max-rate must be above 0 (or off)")
        }
    }
}
