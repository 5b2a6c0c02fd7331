/// A point on the POSIX time scale: seconds since 1970-01-01T00:00:00Z, not counting leap seconds,
/// plus a fraction in nanoseconds.
///
/// This is the scale `clock_gettime(CLOCK_REALTIME)` reports and the one RFC 868 servers send
/// (shifted to 1900). It is a plain value with no time zone; ``CivilDateTime`` gives it a calendar.
public struct Instant: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since the Unix epoch; negative before 1970.
    public var seconds: Int64
    /// The fraction of the second, always in `0..<1_000_000_000`.
    public var nanoseconds: Int32

    /// Creates an instant, normalising `nanoseconds` into `0..<1_000_000_000`.
    public init(seconds: Int64, nanoseconds: Int32 = 0) {
        var s = seconds
        var ns = Int64(nanoseconds)
        if ns >= 1_000_000_000 || ns < 0 {
            s += ns / 1_000_000_000
            ns %= 1_000_000_000
            if ns < 0 {
                ns += 1_000_000_000
                s -= 1
            }
        }
        self.seconds = s
        self.nanoseconds = Int32(ns)
    }

    /// The Unix epoch, 1970-01-01T00:00:00Z.
    public static let unixEpoch = Instant(seconds: 0)

    /// Seconds since the Unix epoch as a `Double` (about 0.1 µs precision today).
    public var secondsSinceEpoch: Double {
        Double(self.seconds) + Double(self.nanoseconds) / 1e9
    }

    /// Creates an instant from seconds since the Unix epoch as a `Double`.
    public init(secondsSinceEpoch value: Double) {
        let whole = value.rounded(.down)
        self.init(seconds: Int64(whole), nanoseconds: Int32(((value - whole) * 1e9).rounded()))
    }

    /// The signed distance `self - other`, in seconds.
    public func seconds(since other: Instant) -> Double {
        Double(self.seconds - other.seconds) + Double(self.nanoseconds - other.nanoseconds) / 1e9
    }

    /// This instant moved by `offset` seconds.
    public func advanced(by offset: Double) -> Instant {
        let whole = offset.rounded(.down)
        return Instant(
            seconds: self.seconds + Int64(whole),
            nanoseconds: self.nanoseconds + Int32(((offset - whole) * 1e9).rounded())
        )
    }

    public static func < (lhs: Instant, rhs: Instant) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// `seconds.nanoseconds` since the epoch, for logs and test failures.
    public var description: String {
        var fraction = String(self.nanoseconds)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        return "\(self.seconds).\(fraction)"
    }
}
