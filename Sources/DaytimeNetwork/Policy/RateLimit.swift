/// A token-bucket rate: `rate` tokens a second, at most `burst` in the bucket, one token per
/// admission. The arithmetic shared by `TokenBucket` and `SourceRateLimiter`.
///
/// A bucket's whole state is one number, the monotonic time in nanoseconds at which it will be
/// full again (the "theoretical arrival time" of the generic cell rate algorithm, which is an exact
/// token bucket): admitting takes a token by moving that time one `nanosecondsPerToken` later,
/// and the bucket has a token to give while that time is at most `burst - 1` tokens' worth ahead of
/// now. A state of 0, or any time not after now, is a full bucket, so a new bucket costs nothing to
/// make and a bucket that has refilled can be forgotten without changing any answer.
///
/// Times come from the caller (DaytimeCore's `MonotonicClock.nanoseconds()` in a server, any numbers in a
/// test) and must not go backwards for one bucket.
public struct RateLimit: Sendable, Hashable, CustomStringConvertible {
    /// Tokens added per second.
    public let rate: Double
    /// The most tokens the bucket holds: how many admissions in a row a full bucket allows.
    public let burst: Int
    /// Nanoseconds per token: `1e9 / rate`, rounded, from 1 ns to about 52 days.
    @usableFromInline package let nanosecondsPerToken: UInt64
    /// How far ahead of now the full-again time may be for the bucket still to hold a token.
    @usableFromInline
    let tolerance: UInt64

    /// A rate of `rate` tokens a second (more than 0; a fraction such as 0.5 is one token every
    /// two seconds) with room for `burst` tokens (at least 1).
    public init(rate: Double, burst: Int) {
        precondition(rate > 0 && rate.isFinite, "a rate limit's rate must be a finite number above 0, not \(rate)")
        precondition(burst >= 1, "a rate limit's burst must be at least 1, not \(burst)")
        self.rate = rate
        self.burst = burst
        let interval = (1e9 / rate).rounded()
        self.nanosecondsPerToken = interval < 1 ? 1 : interval > 0x1p52 ? 1 << 52 : UInt64(interval)
        let (tolerance, overflow) = UInt64(burst - 1).multipliedReportingOverflow(by: self.nanosecondsPerToken)
        self.tolerance = overflow || tolerance > 1 << 62 ? 1 << 62 : tolerance
    }

    /// The state after admitting one more at `now`, or `nil` if the bucket at `state` is empty.
    ///
    /// The pure step, for a bucket kept in an atomic and shared by threads: load the state,
    /// compute this, and compare-exchange; retry on a lost race.
    @inlinable
    package func stateAfterAdmitting(_ state: UInt64, now: UInt64) -> UInt64? {
        if state > now && state - now > self.tolerance {
            return nil
        }
        let (next, overflow) = max(state, now).addingReportingOverflow(self.nanosecondsPerToken)
        return overflow ? .max : next
    }

    /// Takes a token from the bucket at `state` if it has one: returns whether it did, and
    /// updates `state` when it does.
    @inlinable
    package func admit(_ state: inout UInt64, now: UInt64) -> Bool {
        guard let next = self.stateAfterAdmitting(state, now: now) else {
            return false
        }
        state = next
        return true
    }

    /// The tokens in the bucket at `state` at time `now`, from 0 to ``burst`` (fractional while
    /// refilling).
    package func tokens(state: UInt64, now: UInt64) -> Double {
        let owed = state > now ? Double(state - now) / Double(self.nanosecondsPerToken) : 0
        return max(0, Double(self.burst) - owed)
    }

    /// `5/s, burst 10`.
    public var description: String {
        "\(self.rate)/s, burst \(self.burst)"
    }
}
