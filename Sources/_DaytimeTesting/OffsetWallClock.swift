import DaytimeCore

/// A clock that reads another clock shifted by a fixed offset, for tests of offset estimation.
///
/// A server given `OffsetWallClock(SystemWallClock(), offset: 2.5)` runs 2.5 s ahead of this
/// machine without anyone touching the machine's clock.
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

    /// What `base` reads now, shifted by ``offset``.
    public func now() -> Instant {
        self.base.now().advanced(by: self.offset)
    }

    /// What `base` read at `systemTime`, shifted by ``offset``.
    public func reading(atSystemTime systemTime: Instant) -> Instant {
        self.base.reading(atSystemTime: systemTime).advanced(by: self.offset)
    }
}
