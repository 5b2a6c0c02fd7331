/// What the kernel says about its clock discipline: the read-only part of `adjtimex(2)` /
/// `ntp_adjtime(3)` that tells how far to trust the time.
///
/// An NTP daemon (chrony, ntpd, systemd-timesyncd) keeps these up to date; with none running the
/// kernel reports the clock unsynchronized and the maximum error at its 16 s ceiling.
public struct KernelClockState: Sendable, Hashable {
    /// Whether the kernel considers the clock synchronized (`STA_UNSYNC` clear and the call did
    /// not return `TIME_ERROR`).
    public var isSynchronized: Bool
    /// The kernel's bound on the clock's error, in microseconds (`maxerror`); it grows by 500 ppm
    /// between updates from the NTP daemon.
    public var maximumErrorMicroseconds: Int
    /// The NTP daemon's estimate of the clock's error, in microseconds (`esterror`).
    public var estimatedErrorMicroseconds: Int

    /// Creates a state from its fields.
    public init(isSynchronized: Bool, maximumErrorMicroseconds: Int, estimatedErrorMicroseconds: Int) {
        self.isSynchronized = isSynchronized
        self.maximumErrorMicroseconds = maximumErrorMicroseconds
        self.estimatedErrorMicroseconds = estimatedErrorMicroseconds
    }
}

/// Reads the kernel's clock state. The server's reader calls `adjtimex` in read-only mode; tests
/// inject fixed states.
public protocol KernelClockReading: Sendable {
    /// The current state, or nil if it cannot be read (not Linux, or the call failed).
    func read() -> KernelClockState?
}
