import DaytimeTestSupport
import Foundation

/// Many TCP clients at once on 127.0.0.1, driven by one thread with `poll`: for tests that need
/// hundreds of connections in flight without hundreds of threads.
enum ManyConnections {
    /// What became of one connection.
    enum Outcome: Equatable, CustomStringConvertible {
        /// The server sent these bytes and closed.
        case answered(String)
        /// The server reset the connection, or closed it without a byte.
        case reset
        /// Nothing happened before the deadline.
        case pending

        var description: String {
            switch self {
            case .answered(let text): "answered \(text.debugDescription)"
            case .reset: "reset"
            case .pending: "pending"
            }
        }
    }

    /// Opens `count` connections to 127.0.0.1:`port` (non-blocking connects: they complete in the
    /// kernel's accept queue whether or not the server accepts).
    static func open(_ count: Int, port: Int) throws -> [Int32] {
        var address = try TestSocketAddress(host: "127.0.0.1", port: port)
        var descriptors: [Int32] = []
        for _ in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else {
                for fd in descriptors { close(fd) }
                throw TestFailure("socket: errno \(errno)")
            }
            let result = address.withSocketAddress { connect(fd, $0, $1) }
            if result != 0 && errno != EINPROGRESS {
                let code = errno
                close(fd)
                for fd in descriptors { close(fd) }
                throw TestFailure("connect to 127.0.0.1:\(port): errno \(code)")
            }
            descriptors.append(fd)
        }
        return descriptors
    }

    /// Reads every connection until the server closes it or `timeout` passes; closes them all.
    static func collect(_ descriptors: [Int32], timeout: TimeInterval) -> [Outcome] {
        var outcomes = [Outcome](repeating: .pending, count: descriptors.count)
        var received = [[UInt8]](repeating: [], count: descriptors.count)
        var open = Set(descriptors.indices)
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 512)
        while !open.isEmpty && Date() < deadline {
            let order = Array(open)
            var polls = order.map { pollfd(fd: descriptors[$0], events: Int16(POLLIN), revents: 0) }
            let ready = poll(&polls, nfds_t(polls.count), 100)
            if ready <= 0 { continue }
            for (slot, index) in order.enumerated() where polls[slot].revents != 0 {
                let n = chunk.withUnsafeMutableBytes { recv(descriptors[index], $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    received[index] += chunk[0..<n]
                    continue
                }
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                // End of file, or an error such as ECONNRESET.
                outcomes[index] =
                    received[index].isEmpty ? .reset : .answered(String(decoding: received[index], as: UTF8.self))
                open.remove(index)
            }
        }
        for fd in descriptors { close(fd) }
        return outcomes
    }

    /// Whether any of the connections has bytes or an end of file to read now (without reading).
    static func anyReadable(_ descriptors: [Int32]) -> Bool {
        var polls = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        return poll(&polls, nfds_t(polls.count), 0) > 0
    }
}

/// What /proc says about a running process: CPU time, resident memory, descriptors.
struct ProcessProbe {
    let pid: Int32

    /// User plus system CPU time in seconds (`/proc/PID/stat` fields 14 and 15).
    func cpuSeconds() throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(self.pid)/stat", encoding: .utf8)
        // The command name (field 2) is in parentheses and may hold spaces: split after it.
        guard let close = stat.lastIndex(of: ")") else { throw TestFailure("no ')' in \(stat)") }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw TestFailure("unreadable /proc/\(self.pid)/stat: \(stat)")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory in KiB (`VmRSS` of `/proc/PID/status`).
    func residentKiB() throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(self.pid)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            if let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) { return kib }
        }
        throw TestFailure("no VmRSS in /proc/\(self.pid)/status")
    }

    /// The open descriptor numbers.
    func descriptors() throws -> [Int] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/\(self.pid)/fd").compactMap { Int($0) }.sorted()
    }

    /// Waits up to `timeout` seconds for the process to hold `count` descriptors (or fewer); returns
    /// what each descriptor then open names, for the failure message when it still holds more.
    func settleDescriptors(to count: Int, timeout: Double = 2) async throws -> [String] {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while try self.descriptors().count > count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let open = try self.descriptors()
        guard open.count > count else { return [] }
        return open.map { fd in
            let target =
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(self.pid)/fd/\(fd)")) ?? "?"
            return "\(fd) -> \(target)"
        }
    }

    /// The lowest descriptor number not in use: with the soft RLIMIT_NOFILE set to it, the process
    /// can open nothing more.
    func lowestFreeDescriptor() throws -> Int {
        let used = Set(try self.descriptors())
        return (0...).first { !used.contains($0) }!
    }

    /// ``lowestFreeDescriptor()`` once the process has opened what it keeps open: its descriptor
    /// numbers unchanged for `quiet` seconds (at most `timeout`). daytimed logs "listening on"
    /// before its clock-health task first sleeps, and that first `Task.sleep` makes libdispatch
    /// create a timerfd (CLOCK_BOOTTIME) a moment later. Probed in between, the test took that
    /// descriptor's number for the spare one; under AddressSanitizer the moment is long enough that
    /// it happened, and only the two descriptors reserved by threads already in `accept4` were left.
    func lowestFreeDescriptorWhenSettled(quiet: Double = 1.5, timeout: Double = 15) async throws -> Int {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        var last = try self.descriptors()
        var unchangedSince = ContinuousClock.now
        while ContinuousClock.now - unchangedSince < .milliseconds(Int(quiet * 1000)) {
            guard ContinuousClock.now < deadline else {
                throw TestFailure("descriptors of \(self.pid) still changing after \(timeout) s: \(last)")
            }
            try await Task.sleep(for: .milliseconds(100))
            let now = try self.descriptors()
            if now != last {
                last = now
                unchangedSince = ContinuousClock.now
            }
        }
        return try self.lowestFreeDescriptor()
    }
}

extension DaytimedBinaryTests {
    /// Starts `daytimed` on 127.0.0.1 serving daytime only (TCP and UDP), on an ephemeral port.
    static func startDaytimeOnly(_ extra: [String] = []) async throws -> (BackgroundProcess, port: Int) {
        let server = try BackgroundProcess(
            try Processes.product("daytimed"),
            ["--host", "127.0.0.1", "--daytime-port", "0", "--time-port", "off"] + extra
        )
        return (server, try await server.listeningPort("daytime"))
    }
}
