/// One token bucket: a global cap such as "at most this many UDP answers a second".
///
/// A value type of two numbers, not thread-safe by itself: give each thread its own bucket with a
/// share of the rate, or guard one with a lock. For one bucket shared by threads without a lock,
/// keep its state in an `Atomic<UInt64>` and update it with
/// ``RateLimit/stateAfterAdmitting(_:now:)`` in a compare-exchange loop.
package struct TokenBucket: Sendable, Hashable {
    /// The bucket's rate and size.
    package let limit: RateLimit
    /// The bucket's state: when it will be full again (see ``RateLimit``); 0 when new.
    package private(set) var state: UInt64 = 0
    /// How many calls to ``admit(now:)`` found the bucket empty.
    package private(set) var rejections: UInt64 = 0

    /// A full bucket that refills at `rate` tokens a second and holds at most `burst`.
    package init(rate: Double, burst: Int) {
        self.limit = RateLimit(rate: rate, burst: burst)
    }

    /// A full bucket with the rate and size of `limit`.
    package init(_ limit: RateLimit) {
        self.limit = limit
    }

    /// Takes a token if there is one at `now` (monotonic nanoseconds, see
    /// DaytimeCore's `MonotonicClock.nanoseconds()`): true to go ahead, false if over the limit.
    package mutating func admit(now: UInt64) -> Bool {
        if self.limit.admit(&self.state, now: now) {
            return true
        }
        self.rejections &+= 1
        return false
    }

    /// The tokens in the bucket at `now`, from 0 to the burst.
    package func tokens(now: UInt64) -> Double {
        self.limit.tokens(state: self.state, now: now)
    }
}
