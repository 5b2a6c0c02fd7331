import DaytimeTestSupport
import Foundation
import Testing

/// SIGTERM while clients loop: every connection established before the signal is answered; later
/// clients are refused, never reset after connecting and never left hanging; the exit status is 0.
@Suite("daytimed stopped under load")
struct StopUnderLoadTests {
    /// One query's fate, with the moment its connect returned.
    struct Attempt: Sendable {
        enum Outcome: Sendable, Equatable {
            case answered
            case refused
            case reset
            case hung
            case other(String)
        }

        let connectedAt: ContinuousClock.Instant?
        let outcome: Outcome
    }

    /// One query on a fresh connection, with a 5 s limit on the whole exchange.
    static func attempt(port: Int) -> Attempt {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return Attempt(connectedAt: nil, outcome: .other("socket: errno \(errno)")) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard var address = try? TestSocketAddress(host: "127.0.0.1", port: port) else {
            return Attempt(connectedAt: nil, outcome: .other("port \(port)"))
        }
        let connected = address.withSocketAddress { connect(fd, $0, $1) }
        if connected != 0 {
            let code = errno
            return Attempt(
                connectedAt: nil,
                outcome: code == ECONNREFUSED ? .refused : .other("connect: errno \(code)")
            )
        }
        let connectedAt = ContinuousClock.now
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                bytes += chunk[0..<n]
                continue
            }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return Attempt(connectedAt: connectedAt, outcome: .hung)
            }
            if n < 0 && errno != ECONNRESET {
                return Attempt(connectedAt: connectedAt, outcome: .other("recv: errno \(errno)"))
            }
            break
        }
        if bytes.isEmpty { return Attempt(connectedAt: connectedAt, outcome: .reset) }
        let whole = bytes.count == 26 && bytes.suffix(2) == [0x0D, 0x0A]
        return Attempt(connectedAt: connectedAt, outcome: whole ? .answered : .other("got \(bytes)"))
    }

    @Test("SIGTERM while 8 clients loop: answered before, refused after, none reset or hung")
    func sigtermWhileClientsLoop() async throws {
        let (server, port) = try await DaytimedBinaryTests.startDaytimeOnly(["--threads", "2"])
        defer { server.stop(signal: SIGKILL) }
        let stopped = Locked(false)
        let attempts = Locked([Attempt]())
        let finished = DispatchGroup()
        for _ in 0..<8 {
            finished.enter()
            Thread.detachNewThread {
                // Keep going a little after the server is gone, to see what late clients get.
                var lateAttempts = 0
                while lateAttempts < 20 {
                    let attempt = Self.attempt(port: port)
                    attempts.modify { $0.append(attempt) }
                    if stopped.get() { lateAttempts += 1 }
                }
                finished.leave()
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        let signalled = ContinuousClock.now
        let status = await offPool { () -> Int32 in
            // Waits as long as the stop takes (the server's own shutdown timeout bounds it).
            server.stop(signal: SIGTERM, timeout: 120)
        }
        stopped.set(true)
        await offPool { finished.wait() }

        #expect(status == 0)
        let all = attempts.get()
        let before = all.filter { ($0.connectedAt.map { $0 < signalled }) ?? false }
        #expect(before.count > 10)
        let lost = before.filter { $0.outcome != .answered }
        #expect(lost.isEmpty, "connections established before SIGTERM not answered: \(lost.prefix(3).map(\.outcome))")
        let hung = all.filter { $0.outcome == .hung }
        #expect(hung.isEmpty, "\(hung.count) connections hung")
        // The listener drops new SYNs before it drains and closes: a connection the kernel
        // completed is answered, a later one refused; none is reset.
        let reset = all.filter { $0.outcome == .reset }
        #expect(reset.isEmpty, "\(reset.count) connections reset")
        let odd = all.filter {
            if case .other = $0.outcome { true } else { false }
        }
        #expect(odd.isEmpty, "\(odd.prefix(3).map(\.outcome))")
        #expect(all.contains { $0.outcome == .refused }, "late clients are refused once the server is gone")
    }
}
