import DaytimeCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// How a serving loop waits out a failing system call (out of descriptors, memory or buffers):
/// it sleeps for a fixed pause instead of spinning, and warns at most once every ten seconds, so
/// that a flood does not become a log flood.
struct Backoff {
    private let pause: timespec
    private var lastWarning: UInt64 = 0

    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.pause = timespec(tv_sec: Int(max(0, seconds)), tv_nsec: Int(max(0, attoseconds) / 1_000_000_000))
    }

    /// Sleeps for the whole pause, resuming after signals.
    func sleep() {
        var pause = self.pause
        var remaining = timespec()
        while nanosleep(&pause, &remaining) != 0 && errno == EINTR { pause = remaining }
    }

    /// Whether to log a warning now: true at most once every ten seconds.
    mutating func shouldWarn() -> Bool {
        let now = MonotonicClock.nanoseconds()
        guard self.lastWarning == 0 || now &- self.lastWarning > 10_000_000_000 else { return false }
        self.lastWarning = now
        return true
    }

    /// What a datagram loop does after a failed receive: at its wake-up timeout (`EAGAIN`), look at
    /// the stop flag; after a signal, nothing; after anything else (`ENOMEM`, `ENOBUFS`, a pending
    /// ICMP error reported on the socket), warn at most once every ten seconds and pause, never
    /// spin. Returns whether the loop should return.
    mutating func afterFailedReceive(_ code: Int32, on service: TimeProtocolKind, context: LoopContext) -> Bool {
        switch code {
        case EAGAIN, EWOULDBLOCK:
            return context.stopFlag.isSet
        case EINTR:
            return false
        default:
            if self.shouldWarn() {
                context.logger.warning(
                    "cannot receive on \(service)/udp: \(String(cString: strerror(code))) (errno \(code)); pausing this thread briefly"
                )
            }
            self.sleep()
            return context.stopFlag.isSet
        }
    }
}
