import DaytimeCore

/// A clock that always reads the same instant, for tests.
///
/// A server given this clock answers every request with the same line and the same RFC 868
/// value, so a test can compare an answer byte for byte.
public struct FixedWallClock: WallClock {
    /// The instant every call to ``now()`` returns.
    public var instant: Instant

    /// Creates a clock stopped at `instant`.
    public init(_ instant: Instant) {
        self.instant = instant
    }

    /// The instant the clock is stopped at.
    public func now() -> Instant {
        self.instant
    }

    /// The instant the clock is stopped at, whatever the system clock read.
    public func reading(atSystemTime systemTime: Instant) -> Instant {
        self.instant
    }
}
