import Foundation
import ProcessTesting
import Testing

/// Finding and running the package's own binaries and the real peers the interop tests talk to.
enum Processes {
    /// The directory holding the built products (`.build/debug`), found from this test binary.
    static let productsDirectory: URL = {
        // The test bundle is `<products>/swift-daytimePackageTests.xctest`; on Linux it is an
        // executable, and /proc/self/exe names it.
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent()
    }()

    /// The package root (the directory with Package.swift).
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `shared/` beside the package (CI clones the package with a copy of shared/ next to it).
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")

    static func product(_ name: String) throws -> URL {
        let url = productsDirectory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw Failure(
                "\(url.path) is missing: `swift test` builds it; run `swift build` first if running tests alone"
            )
        }
        return url
    }

    /// The full path of a program on the PATH or in the sbin directories, or a failure that says
    /// which Debian package provides it (scripts/test installs them).
    static func tool(_ name: String, package: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for dir in path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin"] {
            let url = URL(fileURLWithPath: dir).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw Failure("\(name) is not installed: run scripts/test, which installs it (apt-get install \(package))")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    struct Result {
        let status: Int32
        let standardOutput: String
        let standardError: String
        let terminatedBySignal: Bool
    }

    /// Runs a program to completion (killing it after `timeout` seconds) and captures its output.
    ///
    /// The waiting happens on a thread of its own: Swift's cooperative pool has one thread per core
    /// (two here) and also runs the in-process servers of other tests, which must not starve. The
    /// child is started with posix_spawn (``ChildProcess``), not Foundation's Process.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: TimeInterval = 30
    ) async throws -> Result {
        try await offPool {
            let output = try ChildProcess.capture(
                executable.path,
                arguments,
                environment: environment,
                timeout: timeout
            )
            return Result(
                status: output.status,
                standardOutput: output.standardOutput,
                standardError: output.standardError,
                terminatedBySignal: output.terminatedBySignal
            )
        }
    }

    /// Runs blocking `work` on a thread of its own and returns its result.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await ProcessTesting.offPool(work)
    }
}

/// A running background process (a server), stopped when the test is done with it.
final class BackgroundProcess: @unchecked Sendable {
    /// The child's process id.
    let pid: pid_t
    private let stderrText = Locked("")
    private let stdoutText = Locked("")
    private let exit = Locked<Int32?>(nil)

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else { throw Processes.Failure("pipe: errno \(errno)") }
        for fd in out + err { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable.path,
                arguments,
                environment: environment,
                outputs: (out[1], err[1])
            )
        } catch {
            for fd in out + err { close(fd) }
            throw error
        }
        close(out[1])
        close(err[1])
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

    var standardError: String { self.stderrText.get() }
    var standardOutput: String { self.stdoutText.get() }

    /// Whether the process has not exited yet (reaping it if it has).
    var isRunning: Bool {
        self.reap(blocking: false) == nil
    }

    /// The exit status (or -1 if a signal ended it), once it has exited.
    var terminationStatus: Int32? {
        self.reap(blocking: false)
    }

    /// Waits until standard error contains `text` (or the process exits, or `timeout` passes).
    func waitForStandardError(containing text: String, timeout: TimeInterval = 20) async throws {
        try await Processes.offPool { try self.waitBlocking(containing: text, timeout: timeout) }
    }

    private func waitBlocking(containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.standardError.contains(text) { return }
            if let status = self.terminationStatus {
                usleep(50_000)  // let the reader threads take the last output
                if self.standardError.contains(text) { return }
                throw Processes.Failure(
                    "process exited (\(status)) before printing \"\(text)\"; stderr: \(self.standardError)"
                )
            }
            usleep(10_000)
        }
        throw Processes.Failure("no \"\(text)\" after \(timeout) s; stderr: \(self.standardError)")
    }

    /// The port of the first `daytimed` listener for `service`, read from its `listening on` log line.
    func listeningPort(_ service: String) async throws -> Int {
        try await self.waitForStandardError(containing: "listening on \(service)/tcp")
        for line in self.standardError.split(separator: "\n") where line.contains("listening on \(service)/tcp") {
            if let port = line.split(separator: ":").last.flatMap({ Int($0) }) { return port }
        }
        throw Processes.Failure("no port in \(self.standardError)")
    }

    /// Sends `signal` and waits for the exit status (killing after `timeout`; -1 then).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32 {
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

/// A value behind a lock, for output collected on other threads.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func get() -> Value { self.lock.withLock { self.value } }
    func set(_ newValue: Value) { self.lock.withLock { self.value = newValue } }
    func modify(_ body: (inout Value) -> Void) { self.lock.withLock { body(&self.value) } }
    func modifyReturning<T>(_ body: (inout Value) -> T) -> T { self.lock.withLock { body(&self.value) } }
}
