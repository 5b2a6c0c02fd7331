import DaytimeSystem
import Synchronization

#if canImport(Glibc)
import CDaytimeLinux
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A program started with `posix_spawnp` (found on `PATH`), for interop tests with real peers.
public struct ChildProcess: Sendable {
    /// The child's process id.
    public let pid: pid_t

    /// A child that could not be started.
    public struct SpawnError: Error, CustomStringConvertible {
        /// The program that was to run.
        public var program: String
        /// Why it could not: posix_spawn's error.
        public var errno: Int32
        /// The failure to start `program`, for `errno`.
        public init(program: String, errno: Int32) {
            self.program = program
            self.errno = errno
        }
        /// The program and the reason, for the test's report.
        public var description: String {
            "cannot start \(self.program): \(String(cString: strerror(self.errno)))"
        }
    }

    /// Starts `program` with `arguments`, the environment of this process plus `environment`, and
    /// standard output and error sent to `outputs` (two descriptors), or to /dev/null.
    public static func spawn(
        _ program: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        outputs: (Int32, Int32)? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let (out, err) = outputs {
            posix_spawn_file_actions_adddup2(&actions, out, 1)
            posix_spawn_file_actions_adddup2(&actions, err, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }
        // The child gets standard input, output and error, and nothing else of ours. SwiftNIO opens
        // its sockets without close-on-exec, and so do the tests' plain sockets: a child started
        // while another test's server had a connection open kept a copy of that connection, and the
        // server's close sent no FIN until the child exited (openbsd-inetd, started by the interop
        // tests, held the NIO test servers' connections for seconds: "did not close within 5 s").
        #if canImport(Glibc)
        guard c_daytime_spawn_close_from(&actions, 3) == 0 else {
            throw SpawnError(program: program, errno: ENOSYS)
        }
        #endif

        var env: [String] = []
        var index = 0
        while let entry = environ[index] {
            let text = String(cString: entry)
            let name = String(text.prefix(while: { $0 != "=" }))
            if environment[name] == nil {
                env.append(text)
            }
            index += 1
        }
        env += environment.map { "\($0.key)=\($0.value)" }

        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp {
                free(pointer)
            }
        }
        // The calling thread may block signals (libdispatch's threads do), and a child inherits its
        // mask: unblock everything and restore SIGTERM's default, or terminate() could not stop it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGTERM)
        sigaddset(&defaults, SIGINT)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, program, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SpawnError(program: program, errno: rc)
        }
        return ChildProcess(pid: pid)
    }

    /// Starts `program` writing to the write ends (`[1]`) of `standardOutput` and `standardError`
    /// (pipes, or a terminal's master and slave), which it then closes here: only the child holds
    /// them, so reading the read ends (`[0]`, the caller's to close) ends when it exits. Every end
    /// is made close-on-exec first, so that no other child started meanwhile inherits one (the
    /// child's own copies are dup2's, which do not inherit the flag). On failure all four are closed.
    public static func spawn(
        _ program: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        standardOutput: [Int32],
        standardError: [Int32]
    ) throws -> ChildProcess {
        for fd in standardOutput + standardError {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let child: ChildProcess
        do {
            child = try spawn(
                program,
                arguments,
                environment: environment,
                outputs: (standardOutput[1], standardError[1])
            )
        } catch {
            for fd in standardOutput + standardError {
                close(fd)
            }
            throw error
        }
        close(standardOutput[1])
        close(standardError[1])
        return child
    }

    /// Whether the program is still running; reaps it if it has exited.
    public func exitStatus() -> Int32? {
        var status: Int32 = 0
        guard waitpid(self.pid, &status, WNOHANG) == self.pid else { return nil }
        return (status >> 8) & 0xFF
    }

    /// Stops the program (SIGKILL, which nothing can block or catch) and waits for it to end.
    /// Blocks: call it off the cooperative thread pool.
    public func terminate() {
        kill(self.pid, SIGKILL)
        var status: Int32 = 0
        _ = waitpid(self.pid, &status, 0)
    }

    /// Runs `program` to the end and returns its exit status. Blocks: call it off the cooperative
    /// thread pool.
    public static func run(_ program: String, _ arguments: [String]) throws -> Int32 {
        let child = try spawn(program, arguments)
        var status: Int32 = 0
        _ = waitpid(child.pid, &status, 0)
        return (status >> 8) & 0xFF
    }

    /// What a finished child printed, and its exit status.
    public struct Output: Sendable {
        /// The exit status, or -1 if a signal ended the child.
        public var status: Int32
        /// Everything the child wrote to standard output.
        public var standardOutput: String
        /// Everything the child wrote to standard error.
        public var standardError: String
        /// Whether the child was killed (by a signal, or by the timeout).
        public var terminatedBySignal = false
    }

    /// Runs `program` to completion and returns what it printed. With a `timeout`, a child still
    /// running then is killed (SIGKILL) and the output so far returned. Blocks: call it off the
    /// cooperative thread pool.
    public static func capture(
        _ program: String,
        _ arguments: [String],
        environment: [String: String] = [:],
        timeout: Double? = nil
    ) throws -> Output {
        var out: [Int32] = [0, 0]
        var err: [Int32] = [0, 0]
        guard pipe(&out) == 0, pipe(&err) == 0 else {
            throw SpawnError(program: program, errno: errno)
        }
        let child = try spawn(program, arguments, environment: environment, standardOutput: out, standardError: err)
        let killer = try timeout.map { (seconds) throws(SystemError) in try Watchdog(pid: child.pid, seconds: seconds) }
        // Standard error on a thread of its own: a chatty child must not block on a full pipe.
        let errorText = Collected()
        let errorEnd = err[0]
        let errorReader = try OSThread.start(name: "child-stderr") { errorText.set(readAll(errorEnd)) }
        let standardOutput = readAll(out[0])
        errorReader.join()
        close(out[0])
        close(err[0])
        var status: Int32 = 0
        _ = waitpid(child.pid, &status, 0)
        killer?.cancel()
        let signalled = (status & 0x7F) != 0
        return Output(
            status: signalled ? -1 : (status >> 8) & 0xFF,
            standardOutput: standardOutput,
            standardError: errorText.get(),
            terminatedBySignal: signalled
        )
    }

    /// Everything until end of file.
    public static func readAll(_ fd: Int32) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 {
                break
            }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Kills a child (SIGKILL) if it is still running after `seconds`, unless cancelled first.
private final class Watchdog: Sendable {
    private let state: Mutex<Bool> = Mutex(false)

    init(pid: pid_t, seconds: Double) throws(SystemError) {
        // Detached: nobody waits for the watchdog. Dropped undetached, each one's thread (and its
        // stack) stayed allocated until the process ended: ThreadSanitizer's "thread leak", 81 in
        // one run of the integration tests.
        try OSThread.start(name: "child-watchdog") { [self] in
            var remaining = seconds
            while remaining > 0 {
                if self.state.withLock({ $0 }) { return }
                usleep(20_000)
                remaining -= 0.02
            }
            if !self.state.withLock({ $0 }) { kill(pid, SIGKILL) }
        }.detach()
    }

    func cancel() {
        self.state.withLock { $0 = true }
    }
}

/// Text one thread fills and another reads.
final class Collected: Sendable {
    private let text = Mutex("")
    func set(_ value: String) { self.text.withLock { $0 = value } }
    func append(_ value: String) { self.text.withLock { $0 += value } }
    func get() -> String { self.text.withLock { $0 } }
}
