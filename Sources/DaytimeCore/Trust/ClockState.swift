/// How far the server's clock can be trusted now: the one state that NIST's `H` digit, SNTP's
/// leap indicator, the health check, the metrics and the log all read, so that none of them can
/// say something another does not.
///
/// It comes from one source: the kernel's clock discipline (``init(kernel:limits:)``), or, when
/// the server serves SNTP, what its answers vouch for (``init(ntp:clock:kernel:limits:)``).
public struct ClockState: Sendable, Hashable {
    /// Whether the clock may be trusted.
    public enum Condition: String, Sendable, Hashable {
        /// The source says synchronized, and the clock is not known to be wrong.
        case synchronized
        /// There is no source to ask (no `adjtimex`, in some containers): nothing is known.
        case unknown
        /// The source says not synchronized, or the estimated error is beyond the wrong limit.
        case unsynchronized
    }

    /// Whether the clock may be trusted.
    public let condition: Condition
    /// The source's estimate of the clock's error; nil when it gives none.
    public let estimatedError: Duration?
    /// The source's bound on the clock's error; nil when it gives none.
    public let maximumError: Duration?
    /// Where the state comes from, for logs and status pages: `kernel`, `upstream 192.0.2.1,
    /// stratum 3`, `local stratum 8`, `no NTP upstream`, `none`.
    public let source: String
    /// NIST's `H`: 0 synchronized with a maximum error within the healthy limit; 1 synchronized
    /// beyond it (or with no bound known); 2 known wrong, the estimated error beyond the wrong limit;
    /// 3 not synchronized or unknown, the error unknown.
    public let healthDigit: Int

    /// The state a source gives: `synchronized` nil when the source cannot be read, and the error
    /// it estimates and bounds, if it gives them.
    public init(
        synchronized: Bool?,
        errors: (estimated: Duration, maximum: Duration)?,
        source: String,
        limits: ClockHealthThresholds
    ) {
        (self.estimatedError, self.maximumError, self.source) = (errors?.estimated, errors?.maximum, source)
        switch (synchronized, errors) {
        case (nil, _): (self.condition, self.healthDigit) = (.unknown, 3)
        case (false?, _): (self.condition, self.healthDigit) = (.unsynchronized, 3)
        case (true?, let errors?) where errors.estimated > limits.wrongEstimatedError:
            (self.condition, self.healthDigit) = (.unsynchronized, 2)
        case (true?, let errors?) where errors.maximum <= limits.healthyMaximumError:
            (self.condition, self.healthDigit) = (.synchronized, 0)
        case (true?, _): (self.condition, self.healthDigit) = (.synchronized, 1)
        }
    }

    /// What the kernel says; nil (unreadable) is unknown.
    public init(kernel: KernelClockState?, limits: ClockHealthThresholds) {
        let source = kernel == nil ? "none" : "kernel"
        self.init(synchronized: kernel?.isSynchronized, errors: kernel?.errors, source: source, limits: limits)
    }

    /// What SNTP answers would vouch for: synchronized to an upstream, with the root distance the
    /// answers carry (half the root delay plus the root dispersion) as the error; serving the local
    /// stratum, with the kernel's error if it is synchronized; or not synchronized.
    public init(
        ntp state: NTPUpstreamTracker.State,
        clock: NTPServerClock,
        kernel: KernelClockState?,
        limits: ClockHealthThresholds
    ) {
        switch state {
        case .synchronized(let referenceID):
            let distance = Duration.seconds(clock.rootDelay / 2 + clock.rootDispersion)
            let source = "upstream \(NTPPacket.describe(referenceID: referenceID)), stratum \(clock.stratum)"
            self.init(synchronized: true, errors: (distance, distance), source: source, limits: limits)
        case .local:
            let errors = kernel?.isSynchronized == true ? kernel?.errors : nil
            self.init(synchronized: true, errors: errors, source: "local stratum \(clock.stratum)", limits: limits)
        case .unsynchronized:
            self.init(synchronized: false, errors: nil, source: "no NTP upstream", limits: limits)
        }
    }

    /// Nothing known: `H` 3.
    public static let unknown = ClockState(kernel: nil, limits: ClockHealthThresholds())

    /// A line for logs and status pages: the condition, the source, the estimated error and `H`.
    public var summary: String {
        var text = "\(self.condition.rawValue) (\(self.source))"
        if let error = self.estimatedError {
            text += ", estimated error \(Int((error / .microseconds(1)).rounded())) µs"
        }
        return text + "; NIST H=\(self.healthDigit)"
    }
}

/// The limits that turn a source's errors into a ``ClockState``.
public struct ClockHealthThresholds: Sendable, Hashable {
    /// A synchronized clock whose maximum error is at most this is healthy (`H` 0). Default 1 s:
    /// the resolution of every whole-second format, and far above what an NTP daemon on a network
    /// keeps (milliseconds).
    public var healthyMaximumError: Duration
    /// A clock whose estimated error exceeds this is wrong (`H` 2, unsynchronized). Default 5 s,
    /// NIST's line between `H` 1 and 2.
    public var wrongEstimatedError: Duration

    /// Creates thresholds; the defaults are described on each property.
    public init(healthyMaximumError: Duration = .seconds(1), wrongEstimatedError: Duration = .seconds(5)) {
        self.healthyMaximumError = healthyMaximumError
        self.wrongEstimatedError = wrongEstimatedError
    }

    /// Nil if the thresholds make sense, else a message saying what to change.
    public func validationError() -> String? {
        if self.healthyMaximumError <= .zero {
            return "the healthy maximum clock error must be above 0 (for example 1000 ms)"
        }
        if self.wrongEstimatedError <= .zero {
            return "the wrong estimated clock error must be above 0 (for example 5000 ms)"
        }
        return nil
    }
}

extension KernelClockState {
    /// `esterror` and `maxerror`.
    fileprivate var errors: (estimated: Duration, maximum: Duration) {
        (.microseconds(self.estimatedErrorMicroseconds), .microseconds(self.maximumErrorMicroseconds))
    }
}
