import DaytimeCore

/// How far the service's time can be trusted right now: what a health endpoint and metrics report.
public struct TimeStatus: Sendable, Hashable {
    /// The state of the leap-second list.
    public var leapSeconds: LeapSecondsStatus
    /// The leap-second warning for the current UTC month (NIST's `L`).
    public var leapIndicator: LeapIndicator
    /// The kernel's clock state at the last check, nil if it could not be read.
    public var clock: KernelClockState?
    /// The health that state maps to (NIST's `H`).
    public var health: ClockHealth
    /// How many of the once-a-second checks found the clock unsynchronized or unreadable, since
    /// the service was created: a counter for metrics.
    public var unsynchronizedChecks: Int
}

/// The state of the leap-second list a service reads.
public struct LeapSecondsStatus: Sendable, Hashable {
    /// What the service knows about leap seconds.
    public enum State: String, Sendable, Hashable {
        /// No file is configured: the NIST line's `L` says unknown.
        case notConfigured = "not-configured"
        /// A list passed its checks and has not expired.
        case valid
        /// The list in use is past its expiry: leap seconds announced since are unknown.
        case expired
        /// No list could be loaded (missing, unreadable, malformed, failed its hash).
        case failed
    }

    /// The state.
    public var state: State
    /// The file configured, if any.
    public var path: String?
    /// The expiry of the list in use.
    public var expiry: Instant?
    /// When the list in use was last updated by its publisher.
    public var lastUpdate: Instant?
    /// The last load's error, if the last load failed (a previous list may still be in use).
    public var lastError: LeapSecondTableError?
}
