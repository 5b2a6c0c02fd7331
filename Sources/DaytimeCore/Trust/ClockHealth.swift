/// How far to trust the server's clock, as NIST's health digit `H` says it.
///
/// NIST's digits: 0 healthy; 1 "may be in error by up to 5 seconds"; 2 "known to be wrong by more
/// than 5 seconds"; 3 "hardware or software failure", error unknown; 4 maintenance. A server that
/// is not NIST learns its clock's health from the kernel (``KernelClockState``), mapped by
/// ``ClockHealthThresholds``.
public enum ClockHealth: Int, Sendable, Hashable, CaseIterable {
    /// Synchronized, with a maximum error within the healthy threshold.
    case healthy = 0
    /// Synchronized, but the maximum error exceeds the healthy threshold.
    case degraded = 1
    /// The estimated error exceeds the "wrong" threshold (5 s by default, as in NIST's wording).
    case wrong = 2
    /// Not synchronized, or the state cannot be read: the error is unknown.
    case unknown = 3

    /// The digit written in NIST's `H` field.
    public var digit: Int { self.rawValue }

    /// A word for logs and status pages.
    public var name: String {
        switch self {
        case .healthy: return "healthy"
        case .degraded: return "degraded"
        case .wrong: return "wrong"
        case .unknown: return "unknown"
        }
    }
}

/// The limits that map the kernel's clock state to a ``ClockHealth``.
public struct ClockHealthThresholds: Sendable, Hashable {
    /// A synchronized clock whose maximum error is at most this is healthy. Default 1 s: the
    /// resolution of every whole-second format, and far above what an NTP daemon on a network
    /// keeps (milliseconds).
    public var healthyMaximumError: Duration
    /// A clock whose estimated error exceeds this is wrong. Default 5 s, NIST's line between `H` 1
    /// and 2.
    public var wrongEstimatedError: Duration

    /// Creates thresholds; the defaults are described on each property.
    public init(healthyMaximumError: Duration = .seconds(1), wrongEstimatedError: Duration = .seconds(5)) {
        self.healthyMaximumError = healthyMaximumError
        self.wrongEstimatedError = wrongEstimatedError
    }

    /// The health the kernel's `state` means; nil (unreadable) is ``ClockHealth/unknown``.
    public func health(of state: KernelClockState?) -> ClockHealth {
        guard let state, state.isSynchronized else { return .unknown }
        if Duration.microseconds(state.estimatedErrorMicroseconds) > self.wrongEstimatedError { return .wrong }
        if Duration.microseconds(state.maximumErrorMicroseconds) > self.healthyMaximumError { return .degraded }
        return .healthy
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
