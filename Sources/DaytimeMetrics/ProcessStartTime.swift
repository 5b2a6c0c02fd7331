import DaytimeCore
import DaytimeSystem

#if canImport(Glibc)
import Glibc
#endif

/// When this process started, for the standard `process_start_time_seconds` metric.
///
/// Read the way Prometheus's own client libraries do on Linux: the start time in clock ticks since
/// boot (field 22 of `/proc/self/stat`) plus the boot time (`btime` in `/proc/stat`), so the value
/// is the kernel's, not the moment some code first ran.
package enum ProcessStartTime {
    /// Seconds since the Unix epoch; the current time if `/proc` cannot be read.
    package static func secondsSinceEpoch() -> Double {
        guard let stat = self.read("/proc/self/stat"), let system = self.read("/proc/stat"),
            let ticks = self.startTicks(stat: stat), let boot = self.bootTime(stat: system)
        else {
            let now = SystemWallClock().now()
            return Double(now.seconds) + Double(now.nanoseconds) / 1e9
        }
        return Double(boot) + Double(ticks) / Double(max(1, sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Field 22 (`starttime`) of a `/proc/PID/stat` line. The command name (field 2) is in
    /// parentheses and may hold spaces or parentheses itself, so fields are counted after the last `)`.
    static func startTicks(stat: String) -> UInt64? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    /// The `btime` line of `/proc/stat`: boot time in seconds since the epoch.
    static func bootTime(stat: String) -> UInt64? {
        for line in stat.split(separator: "\n") where line.hasPrefix("btime ") {
            return UInt64(line.dropFirst("btime ".count))
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        (try? readFile(path)).map { String(decoding: $0, as: UTF8.self) }
    }
}
