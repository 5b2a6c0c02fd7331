import DaytimeCore

/// How far the service's time can be trusted right now: what the health endpoint and the metrics
/// report, read from the same state as the answers.
public struct TimeStatus: Sendable, Hashable {
    /// What the service knows about leap seconds.
    public enum LeapSecondsState: String, Sendable, Hashable {
        /// No file is configured: the NIST line's `L` says unknown.
        case notConfigured = "not-configured"
        /// A list passed its checks and has not expired.
        case valid
        /// The list in use is past its expiry: leap seconds announced since are unknown.
        case expired
        /// No list could be loaded (missing, unreadable, malformed, failed its hash).
        case failed
    }

    /// The clock's one state: NIST's `H`, SNTP's leap indicator and the refusals follow it.
    public var clock: ClockState
    /// The kernel's clock state at the last check, nil if it could not be read.
    public var kernel: KernelClockState?
    /// Whether Daytime and Time refuse every request now (unsynchronized, and set to refuse then).
    public var refusesAnswers: Bool
    /// The header fields NTP answers carry now; nil when the service does not serve NTP.
    public var ntp: NTPServerClock?
    /// The NTP upstreams configured, as `host:port`.
    public var ntpUpstreams: [String]
    /// Polls of an NTP upstream that got no usable answer, since the service was created.
    public var ntpFailedPolls: Int
    /// The leap-second warning for the current UTC month (NIST's `L`).
    public var leapIndicator: LeapIndicator
    /// The state of the leap-second list.
    public var leapSeconds: LeapSecondsState
    /// The leap-second file configured, if any.
    public var leapSecondsPath: String?
    /// The expiry of the leap-second list in use.
    public var leapSecondsExpiry: Instant?
    /// The last load's error, if the last load failed (a previous list may still be in use).
    public var leapSecondsError: LeapSecondTableError?
}
