import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A running background process (a server), stopped when the test is done with it.
public final class BackgroundProcess: @unchecked Sendable {
    /// The child's process id.
    public let pid: pid_t
    private let stderrText = Locked("")
    private let stdoutText = Locked("")
    private let exit = Locked<Int32?>(nil)

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw TestFailure("pipe: errno \(errno)") }
        let child = try ChildProcess.spawn(
            executable.path,
            arguments,
            environment: environment,
            standardOutput: out,
            standardError: err
        )
        self.pid = child.pid
        // A thread per pipe doing blocking reads until end of file. Not FileHandle's
        // readabilityHandler: its Dispatch source can outlive the descriptor, and Dispatch then
        // crashes on a reused descriptor number (seen in CI).
        for (fd, sink) in [(err[0], self.stderrText), (out[0], self.stdoutText)] {
            Thread.detachNewThread {
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    if n <= 0 { break }
                    sink.modify { $0 += String(decoding: chunk[0..<n], as: UTF8.self) }
                }
                close(fd)
            }
        }
    }

    /// What it wrote to standard error so far.
    public var standardError: String { self.stderrText.get() }
    /// What it wrote to standard output so far.
    public var standardOutput: String { self.stdoutText.get() }

    /// Whether the process has not exited yet (reaping it if it has).
    public var isRunning: Bool {
        self.reap(blocking: false) == nil
    }

    /// The exit status (or -1 if a signal ended it), once it has exited.
    public var terminationStatus: Int32? {
        self.reap(blocking: false)
    }

    /// Waits until standard error contains `text` (or the process exits, or `timeout` passes).
    public func waitForStandardError(containing text: String, timeout: TimeInterval = 20) async throws {
        try await offPool { try self.waitBlocking(containing: text, timeout: timeout) }
    }

    private func waitBlocking(containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.standardError.contains(text) { return }
            if let status = self.terminationStatus {
                usleep(50_000)  // let the reader threads take the last output
                if self.standardError.contains(text) { return }
                throw TestFailure(
                    "process exited (\(status)) before printing \"\(text)\"; stderr: \(self.standardError)"
                )
            }
            usleep(10_000)
        }
        throw TestFailure("no \"\(text)\" after \(timeout) s; stderr: \(self.standardError)")
    }

    /// Waits until `host:port` accepts TCP connections, or fails (with the process's output) when
    /// the process exits or `timeout` passes first.
    public func waitUntilAccepting(host: String, port: Int, timeout: TimeInterval = 15) async throws {
        try await offPool {
            let deadline = Date().addingTimeInterval(timeout)
            while !LoopbackClient.accepts(host: host, port: port) {
                guard Date() < deadline, self.isRunning else {
                    throw TestFailure(
                        "nothing listens on \(host):\(port); stdout: \(self.standardOutput) stderr: \(self.standardError)"
                    )
                }
                usleep(20_000)
            }
        }
    }

    /// The port of the first `daytimed` listener for `service`, read from its `listening on` log line.
    public func listeningPort(_ service: String) async throws -> Int {
        try await self.waitForStandardError(containing: "listening on \(service)/tcp")
        for line in self.standardError.split(separator: "\n") where line.contains("listening on \(service)/tcp") {
            if let port = line.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw TestFailure("no port in \(self.standardError)")
    }

    /// Sends `signal` and waits for the exit status (killing after `timeout`; -1 then).
    @discardableResult
    public func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32 {
        if let status = self.terminationStatus { return status }
        kill(self.pid, signal)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = self.terminationStatus { return status }
            usleep(10_000)
        }
        kill(self.pid, SIGKILL)
        _ = self.reap(blocking: true)
        return -1
    }

    /// The exit status if the child has exited (reaped once, then remembered), else nil.
    private func reap(blocking: Bool) -> Int32? {
        self.exit.modifyReturning { exit in
            if let exit { return exit }
            var status: Int32 = 0
            let reaped = waitpid(self.pid, &status, blocking ? 0 : WNOHANG)
            guard reaped == self.pid else { return nil }
            exit = (status & 0x7F) != 0 ? -1 : (status >> 8) & 0xFF
            return exit
        }
    }

    deinit {
        if self.reap(blocking: false) == nil {
            kill(self.pid, SIGKILL)
            _ = self.reap(blocking: true)
        }
    }
}
