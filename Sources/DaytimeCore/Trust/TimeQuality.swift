import Synchronization

/// The state outside the instant that NIST's line reports: the leap-second warning for the current
/// month and the clock's health.
public struct TimeQuality: Sendable, Hashable {
    /// NIST's `L`.
    public var leap: LeapIndicator
    /// NIST's `H`.
    public var health: ClockHealth

    /// Creates a snapshot.
    public init(leap: LeapIndicator, health: ClockHealth) {
        self.leap = leap
        self.health = health
    }

    /// Nothing known: no leap table, no clock state.
    public static let unknown = TimeQuality(leap: .unknown, health: .unknown)
}

/// The shared, current knowledge behind ``TimeQuality``: the leap-second table and the kernel's
/// clock state, mapped to a health by the thresholds.
///
/// One instance is shared by every renderer of a server. Writers (start, reload, a once-a-second
/// clock check) replace a field under a lock; each renderer reads at most once per second, when it
/// renders a new second, so answers never make a system call and never wait for a writer for long.
public final class TimeQualitySource: Sendable {
    private struct State: Sendable {
        var leapTable: LeapSecondTable?
        var clock: KernelClockState?
        var health: ClockHealth
        var thresholds: ClockHealthThresholds
    }

    private let state: Mutex<State>

    /// Creates a source with what is known now (nothing, by default: `L` and `H` say unknown).
    public init(
        leapTable: LeapSecondTable? = nil,
        clock: KernelClockState? = nil,
        thresholds: ClockHealthThresholds = ClockHealthThresholds()
    ) {
        self.state = Mutex(
            State(leapTable: leapTable, clock: clock, health: thresholds.health(of: clock), thresholds: thresholds)
        )
    }

    /// The snapshot for `instant`: the leap warning for its UTC month and the current health.
    public func quality(at instant: Instant) -> TimeQuality {
        self.state.withLock { state in
            TimeQuality(
                leap: state.leapTable?.indicator(forMonthContaining: instant) ?? .unknown,
                health: state.health
            )
        }
    }

    /// Replaces the leap table (nil when the file is gone or invalid).
    public func setLeapTable(_ table: LeapSecondTable?) {
        self.state.withLock { $0.leapTable = table }
    }

    /// Records the kernel's clock state (nil when unreadable) and returns the health it maps to.
    @discardableResult
    public func setClock(_ clock: KernelClockState?) -> ClockHealth {
        self.state.withLock {
            $0.clock = clock
            $0.health = $0.thresholds.health(of: clock)
            return $0.health
        }
    }

    /// The limits that turn a kernel state into a health.
    public var thresholds: ClockHealthThresholds {
        self.state.withLock { $0.thresholds }
    }

    /// Replaces the thresholds and maps the last clock state again with them.
    public func setThresholds(_ thresholds: ClockHealthThresholds) {
        self.state.withLock {
            $0.thresholds = thresholds
            $0.health = thresholds.health(of: $0.clock)
        }
    }

    /// The current leap table, if any.
    public var leapTable: LeapSecondTable? {
        self.state.withLock { $0.leapTable }
    }

    /// The last kernel clock state recorded, if any.
    public var clock: KernelClockState? {
        self.state.withLock { $0.clock }
    }

    /// The current health.
    public var health: ClockHealth {
        self.state.withLock { $0.health }
    }
}
