import Foundation
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
    /// The waiting happens on a Dispatch thread: Swift's cooperative pool has one thread per core
    /// (two here) and also runs the in-process servers of other tests, which must not starve.
    static func run(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: TimeInterval = 30
    ) async throws -> Result {
        try await offPool {
            try self.runBlocking(executable, arguments, environment: environment, timeout: timeout)
        }
    }

    /// Runs blocking `work` on a Dispatch thread and returns its result.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        // A thread of its own: Dispatch's global queue, like the cooperative pool, runs only about
        // one blocked job per core, and these jobs block for as long as a peer takes.
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    private static func runBlocking(
        _ executable: URL,
        _ arguments: [String],
        environment: [String: String],
        timeout: TimeInterval
    ) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        // Read while waiting so a chatty child cannot block on a full pipe.
        let outData = Locked(Data())
        let errData = Locked(Data())
        let group = DispatchGroup()
        for (pipe, sink) in [(out, outData), (err, errData)] {
            group.enter()
            Thread.detachNewThread {
                sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
                group.leave()
            }
        }
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        group.wait()
        return Result(
            status: process.terminationStatus,
            standardOutput: String(decoding: outData.get(), as: UTF8.self),
            standardError: String(decoding: errData.get(), as: UTF8.self),
            terminatedBySignal: process.terminationReason == .uncaughtSignal
        )
    }
}

/// A running background process (a server), stopped when the test is done with it.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    private let errPipe = Pipe()
    private let outPipe = Pipe()
    private let stderrText = Locked("")
    private let stdoutText = Locked("")

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        self.process.executableURL = executable
        self.process.arguments = arguments
        if !environment.isEmpty {
            self.process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        self.process.standardError = self.errPipe
        self.process.standardOutput = self.outPipe
        self.process.standardInput = FileHandle.nullDevice
        try self.process.run()
        // A thread per pipe doing blocking reads until end of file. Not FileHandle's
        // readabilityHandler: its Dispatch source can outlive the descriptor, and Dispatch then
        // crashes on a reused descriptor number (seen in CI).
        for (pipe, sink) in [(self.errPipe, self.stderrText), (self.outPipe, self.stdoutText)] {
            let handle = pipe.fileHandleForReading
            Thread.detachNewThread {
                while true {
                    let data = handle.availableData
                    if data.isEmpty { return }
                    sink.modify { $0 += String(decoding: data, as: UTF8.self) }
                }
            }
        }
    }

    var standardError: String { self.stderrText.get() }
    var standardOutput: String { self.stdoutText.get() }

    /// Waits until standard error contains `text` (or the process exits, or `timeout` passes).
    func waitForStandardError(containing text: String, timeout: TimeInterval = 20) async throws {
        try await Processes.offPool { try self.waitBlocking(containing: text, timeout: timeout) }
    }

    private func waitBlocking(containing text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if self.standardError.contains(text) { return }
            if !self.process.isRunning {
                throw Processes.Failure(
                    "process exited (\(self.process.terminationStatus)) before printing \"\(text)\"; stderr: \(self.standardError)"
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

    /// Sends `signal` and waits for the exit status (killing after `timeout`).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: TimeInterval = 10) -> Int32 {
        if self.process.isRunning { kill(self.process.processIdentifier, signal) }
        let deadline = Date().addingTimeInterval(timeout)
        while self.process.isRunning && Date() < deadline { usleep(10_000) }
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
            self.process.waitUntilExit()
            return -1
        }
        self.process.waitUntilExit()
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning {
            kill(self.process.processIdentifier, SIGKILL)
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
}
