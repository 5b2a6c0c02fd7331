import DaytimeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Who gets an answer: the access list, then the per-source rate limit, then (UDP only) the global
/// cap on answers per second. Shared by every thread of a server (DaytimeServer's `DaytimeService`).
///
/// Order matters: a denied source never costs a slot in the rate limiter's table, and a
/// rate-limited source never spends the global UDP budget. Sources in ``SourcePolicyConfiguration/exempt``
/// (loopback by default: it cannot be forged from outside, and local monitoring and benchmarks
/// live there) skip both limits, but not the access list.
package final class SourcePolicy: Sendable {
    private let accessList: AccessList
    private let exempt: AccessList?
    private let limiter: SharedRateLimiter?
    private let udpCap: SharedUDPCap?

    /// Builds the policy for `configuration`. A policy `reusing` the one it replaces (on reload)
    /// keeps that one's rate-limiter table and UDP budget when their parameters did not change, so
    /// a reload does not hand every source a fresh burst.
    package init(_ configuration: SourcePolicyConfiguration, reusing previous: SourcePolicy? = nil) {
        self.accessList = AccessList(allow: configuration.allow, deny: configuration.deny)
        self.exempt = configuration.exempt.isEmpty ? nil : AccessList(allow: configuration.exempt)
        let limiterParameters = configuration.rateLimit.map {
            SharedRateLimiter.Parameters(
                rate: $0.rate,
                burst: $0.burst,
                capacity: configuration.rateLimitTableSize,
                ipv4PrefixLength: configuration.ipv4PrefixLength,
                ipv6PrefixLength: configuration.ipv6PrefixLength
            )
        }
        if let limiterParameters {
            if let kept = previous?.limiter, kept.parameters == limiterParameters {
                self.limiter = kept
            } else {
                self.limiter = SharedRateLimiter(limiterParameters)
            }
        } else {
            self.limiter = nil
        }
        if let rate = configuration.udpAnswersPerSecond {
            if let kept = previous?.udpCap, kept.rate == rate {
                self.udpCap = kept
            } else {
                self.udpCap = SharedUDPCap(rate: rate)
            }
        } else {
            self.udpCap = nil
        }
    }

    /// Why `address` may not get an answer over `transport` now, or nil if it may; an admitted
    /// source has spent a token. `now` (monotonic nanoseconds) is read only if a limit applies.
    @inline(__always)
    package func refusal(
        for address: IPAddress,
        transport: Transport,
        now: @autoclosure () -> UInt64 = monotonicNanoseconds()
    ) -> RefusalReason? {
        let address = address.unmappingIPv4
        guard self.accessList.permits(address) else { return .accessList }
        if let exempt = self.exempt, exempt.permits(address) { return nil }
        let now = now()
        if let limiter = self.limiter, !limiter.admit(address, now: now) {
            return .rateLimit
        }
        if transport == .udp, let cap = self.udpCap, !cap.take(now: now) {
            return .udpCap
        }
        return nil
    }

    /// The number of source groups the rate limiter tracks now (bounded by its capacity).
    package var trackedSources: (entries: Int, capacity: Int, evictions: Int) {
        self.limiter?.tracked ?? (0, 0, 0)
    }
}

/// One per-source rate-limiter table, shared by every thread (and kept across reloads that do not
/// change its parameters).
final class SharedRateLimiter: Sendable {
    struct Parameters: Equatable, Sendable {
        var rate: Double
        var burst: Int
        var capacity: Int
        var ipv4PrefixLength: Int
        var ipv6PrefixLength: Int
    }

    let parameters: Parameters
    private let table: Mutex<SourceRateLimiter>

    init(_ parameters: Parameters) {
        self.parameters = parameters
        self.table = Mutex(
            SourceRateLimiter(
                rate: parameters.rate,
                burst: parameters.burst,
                capacity: parameters.capacity,
                ipv4PrefixLength: parameters.ipv4PrefixLength,
                ipv6PrefixLength: parameters.ipv6PrefixLength
            )
        )
    }

    @inline(__always)
    func admit(_ address: IPAddress, now: UInt64) -> Bool {
        self.table.withLock { $0.admit(address, now: now) }
    }

    var tracked: (entries: Int, capacity: Int, evictions: Int) {
        self.table.withLock { ($0.entries, $0.capacity, Int($0.evictions)) }
    }
}

/// The global budget of UDP answers a second: a token bucket whose whole state is one number, so
/// threads take tokens lock-free.
final class SharedUDPCap: Sendable {
    let rate: Double
    private let limit: RateLimit
    private let state = Atomic<UInt64>(0)

    init(rate: Double) {
        self.rate = rate
        self.limit = RateLimit(rate: rate, burst: max(1, Int(rate / 10)))
    }

    func take(now: UInt64) -> Bool {
        var state = self.state.load(ordering: .relaxed)
        while true {
            guard let next = self.limit.stateAfterAdmitting(state, now: now) else { return false }
            let (exchanged, current) = self.state.compareExchange(
                expected: state,
                desired: next,
                ordering: .relaxed
            )
            if exchanged { return true }
            state = current
        }
    }
}

/// The access list and limits of a server (DaytimeServer's `DaytimeService`), with defaults safe for
/// the public internet.
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
        AddressRange(validNetwork: IPAddress(ipv4: 0x7F00_0000), prefixLength: 8),  // 127.0.0.0/8
        AddressRange(validNetwork: IPAddress(ipv6High: 0, low: 1), prefixLength: 128),  // ::1/128
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

}

/// `CLOCK_MONOTONIC` in nanoseconds: the time the rate limits count in when the caller gives none.
@usableFromInline
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
