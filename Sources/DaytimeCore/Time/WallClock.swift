#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A source of the current wall-clock time.
///
/// Servers and clients read the time only through this protocol, so tests can inject a clock that
/// stands still (``FixedWallClock``) or is shifted by a known amount, and nothing ever has to touch
/// the machine's real clock.
public protocol WallClock: Sendable {
    /// The current time on the POSIX scale.
    func now() -> Instant

    /// What this clock read when the system's real-time clock read `systemTime`: for instants the
    /// kernel took, such as a datagram's arrival. The system clock returns `systemTime`; a fixed
    /// clock its instant; a shifted clock `systemTime` shifted.
    func reading(atSystemTime systemTime: Instant) -> Instant
}

extension WallClock {
    /// `systemTime` itself: right for the system clock and any clock that reads it unchanged.
    public func reading(atSystemTime systemTime: Instant) -> Instant {
        systemTime
    }
}

/// The system's real-time clock (`CLOCK_REALTIME`), with nanosecond resolution.
///
/// Reading it is a vDSO call on Linux: no system call, no allocation.
public struct SystemWallClock: WallClock {
    /// Creates the system clock.
    public init() {}

    @inlinable
    public func now() -> Instant {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Instant(seconds: Int64(ts.tv_sec), nanoseconds: Int32(ts.tv_nsec))
    }
}

/// A clock that always reads the same instant, for tests.
public struct FixedWallClock: WallClock {
    /// The instant every call to ``now()`` returns.
    public var instant: Instant

    /// Creates a clock stopped at `instant`.
    public init(_ instant: Instant) {
        self.instant = instant
    }

    public func now() -> Instant {
        self.instant
    }

    public func reading(atSystemTime systemTime: Instant) -> Instant {
        self.instant
    }
}

/// A clock that reads another clock shifted by a fixed offset, for tests of offset estimation.
public struct OffsetWallClock<Base: WallClock>: WallClock {
    /// The clock being shifted.
    public var base: Base
    /// Seconds added to every reading of `base`; negative to run behind.
    public var offset: Double

    /// Creates a clock that reads `base` plus `offset` seconds.
    public init(_ base: Base, offset: Double) {
        self.base = base
        self.offset = offset
    }

    public func now() -> Instant {
        self.base.now().advanced(by: self.offset)
    }

    public func reading(atSystemTime systemTime: Instant) -> Instant {
        self.base.reading(atSystemTime: systemTime).advanced(by: self.offset)
    }
}

/// Monotonic time in nanoseconds (`CLOCK_MONOTONIC`), for measuring intervals such as round trips.
///
/// Unlike ``WallClock`` it never jumps when the wall clock is stepped.
public enum MonotonicClock {
    /// Nanoseconds since an arbitrary fixed point (usually boot).
    @inlinable
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}
