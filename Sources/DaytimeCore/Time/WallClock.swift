#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A source of the current wall-clock time.
///
/// Servers and clients read the time only through this protocol, so tests can inject a clock that
/// stands still or is shifted by a known amount (`_DaytimeTesting` has both), and nothing ever has
/// to touch the machine's real clock.
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
