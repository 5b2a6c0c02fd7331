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
    /// it estimates and bounds, if any.
    public init(
        synchronized: Bool?,
        estimatedError: Duration?,
        maximumError: Duration?,
        source: String,
        limits: ClockHealthThresholds
    ) {
        self.estimatedError = estimatedError
        self.maximumError = maximumError
        self.source = source
        switch synchronized {
        case nil:
            (self.condition, self.healthDigit) = (.unknown, 3)
        case false:
            (self.condition, self.healthDigit) = (.unsynchronized, 3)
        case true:
            if let estimatedError, estimatedError > limits.wrongEstimatedError {
                (self.condition, self.healthDigit) = (.unsynchronized, 2)
            } else if let maximumError, maximumError <= limits.healthyMaximumError {
                (self.condition, self.healthDigit) = (.synchronized, 0)
            } else {
                (self.condition, self.healthDigit) = (.synchronized, 1)
            }
        }
    }

    /// What the kernel says; nil (unreadable) is unknown.
    public init(kernel: KernelClockState?, limits: ClockHealthThresholds) {
        self.init(
            synchronized: kernel?.isSynchronized,
            estimatedError: kernel.map { .microseconds($0.estimatedErrorMicroseconds) },
            maximumError: kernel.map { .microseconds($0.maximumErrorMicroseconds) },
            source: kernel == nil ? "none" : "kernel",
            limits: limits
        )
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
            self.init(
                synchronized: true,
                estimatedError: distance,
                maximumError: distance,
                source: "upstream \(NTPPacket.describe(referenceID: referenceID)), stratum \(clock.stratum)",
                limits: limits
            )
        case .local:
            let kernel = kernel?.isSynchronized == true ? kernel : nil
            self.init(
                synchronized: true,
                estimatedError: kernel.map { .microseconds($0.estimatedErrorMicroseconds) },
                maximumError: kernel.map { .microseconds($0.maximumErrorMicroseconds) },
                source: "local stratum \(clock.stratum)",
                limits: limits
            )
        case .unsynchronized:
            self.init(
                synchronized: false,
                estimatedError: nil,
                maximumError: nil,
                source: "no NTP upstream",
                limits: limits
            )
        }
    }

    /// Nothing known: `H` 3.
    public static let unknown = ClockState(
        synchronized: nil,
        estimatedError: nil,
        maximumError: nil,
        source: "none",
        limits: ClockHealthThresholds()
    )

    /// A line for logs and status pages: the condition, the source, the estimated error and `H`.
    public var summary: String {
        var text = "\(self.condition.rawValue) (\(self.source))"
        if self.condition != .unknown, let error = self.estimatedError ?? self.maximumError {
            let microseconds = error.components.seconds * 1_000_000 + error.components.attoseconds / 1_000_000_000_000
            text += ", estimated error \(microseconds) µs"
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
