#if canImport(Glibc)
import Glibc
#endif

/// The precision NTP answers state: how finely the clock can be read, as log2 seconds.
public enum ClockPrecision {
    /// Measures the system clock: the smallest step between two successive readings of
    /// `CLOCK_REALTIME` over a few hundred reads (which includes the cost of a reading), as
    /// log2 seconds rounded up. Typically -24 to -20 on a machine of today; ntpd and chrony measure
    /// it the same way.
    public static func measureSystemClock() -> Int8 {
        var smallest = Int64.max
        var previous = timespec()
        clock_gettime(CLOCK_REALTIME, &previous)
        for _ in 0..<500 {
            var now = timespec()
            clock_gettime(CLOCK_REALTIME, &now)
            let step = Int64(now.tv_sec - previous.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec - previous.tv_nsec)
            if step > 0 && step < smallest { smallest = step }
            previous = now
        }
        return log2(nanoseconds: smallest == .max ? 1_000_000_000 : smallest)
    }

    /// ceil(log2(nanoseconds / 10^9)), for a positive interval.
    public static func log2(nanoseconds: Int64) -> Int8 {
        var exponent: Int8 = 0
        var bound = 1e9
        let value = Double(nanoseconds)
        while bound / 2 >= value && exponent > -32 {
            bound /= 2
            exponent -= 1
        }
        while bound < value && exponent < 8 {
            bound *= 2
            exponent += 1
        }
        return exponent
    }
}
