import Synchronization

/// Where NIST lines and NTP answers read what they say besides the time: the leap-second table and
/// the one ``ClockState``.
///
/// One instance is shared by every renderer of a server. Writers (start, reload, the once-a-second
/// clock check) replace a field under a lock; each renderer reads at most once per second, when it
/// renders a new second, so answers never make a system call and never wait for a writer for long.
public final class TimeQualitySource: Sendable {
    private let state: Mutex<(leapTable: LeapSecondTable?, clock: ClockState)>

    /// Creates a source with what is known now (nothing, by default: `L` and `H` say unknown).
    public init(leapTable: LeapSecondTable? = nil, clock: ClockState = .unknown) {
        self.state = Mutex((leapTable, clock))
    }

    /// NIST's `L` and `H` for `instant`: the leap warning for its UTC month and the clock's health.
    public func nistDigits(at instant: Instant) -> (leap: LeapIndicator, health: Int) {
        self.state.withLock { ($0.leapTable?.indicator(forMonthContaining: instant) ?? .unknown, $0.clock.healthDigit) }
    }

    /// The leap warning for the UTC month containing `instant`.
    public func leap(at instant: Instant) -> LeapIndicator {
        self.state.withLock { $0.leapTable?.indicator(forMonthContaining: instant) ?? .unknown }
    }

    /// The leap table in use, if any: nil when the file is gone or invalid.
    public var leapTable: LeapSecondTable? {
        get { self.state.withLock { $0.leapTable } }
        set { self.state.withLock { $0.leapTable = newValue } }
    }

    /// The clock's state now.
    public var clock: ClockState {
        get { self.state.withLock { $0.clock } }
        set { self.state.withLock { $0.clock = newValue } }
    }
}
