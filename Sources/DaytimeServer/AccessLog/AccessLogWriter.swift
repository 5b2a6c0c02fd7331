import DaytimeSystem
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Appends access-log lines to a file descriptor from a thread of its own.
///
/// A line is appended to a memory buffer under a lock and the writer thread is woken; the thread
/// swaps the buffer out and writes it with as few `write` calls as the kernel allows. A full disk
/// or a slow terminal therefore never stalls an accepting thread: past ``AccessLogConfiguration/bufferLimit``
/// bytes waiting, lines are dropped and counted instead.
final class AccessLogWriter: @unchecked Sendable {
    // Unchecked: `wakeUp` is a POSIX semaphore, safe to post and wait on from any thread, allocated
    // once and destroyed in deinit; everything else is in the Mutex or immutable.
    private struct State: ~Copyable {
        var pending: [UInt8] = []
        /// The file written to, closed when replaced or when the writer goes away; nil for
        /// standard error, which is not the writer's to close.
        var file: Descriptor?
        var reopenRequested = false
        var closing = false

        var descriptor: CInt {
            switch self.file {
            case .some(let file): file.rawValue
            case .none: STDERR_FILENO
            }
        }
    }

    private let state: Mutex<State>
    private let wakeUp: UnsafeMutablePointer<sem_t>
    private let destination: AccessLogConfiguration.Destination
    private let bufferLimit: Int
    private let statistics: ServerStatistics
    private let logger: Logger
    private let thread = WorkerThreads()

    /// Opens the destination (a file is created with mode 0640 and appended to).
    init(
        _ configuration: AccessLogConfiguration,
        statistics: ServerStatistics,
        logger: Logger
    ) throws(ServerError) {
        self.destination = configuration.destination
        self.bufferLimit = max(1, configuration.bufferLimit)
        self.statistics = statistics
        self.logger = logger
        self.state = Mutex(State(file: try Self.open(configuration.destination)))
        self.wakeUp = .allocate(capacity: 1)
        sem_init(self.wakeUp, 0, 0)
    }

    deinit {
        sem_destroy(self.wakeUp)
        self.wakeUp.deallocate()
    }

    /// Starts the writing thread.
    func start() throws(ServerError) {
        try self.thread.start(name: "access-log") { [self] in self.run() }
    }

    /// Queues one line (which ends with a newline); drops it and counts the drop if too much is waiting.
    func append(_ line: some Collection<UInt8>) {
        let wasEmpty = self.state.withLock { state -> Bool? in
            guard state.pending.count + line.count <= self.bufferLimit else { return nil }
            let wasEmpty = state.pending.isEmpty
            state.pending.append(contentsOf: line)
            return wasEmpty
        }
        switch wasEmpty {
        case nil: self.statistics.countAccessLogDrop()
        case true?: sem_post(self.wakeUp)
        case false?: break  // the thread is already woken for the bytes before
        }
    }

    /// Reopens a file destination before the next write, for log rotation; nothing for standard error.
    func reopen() {
        self.state.withLock { $0.reopenRequested = true }
        sem_post(self.wakeUp)
    }

    /// Writes what is queued, closes a file destination and returns once the thread is done.
    func close() async {
        self.state.withLock { $0.closing = true }
        sem_post(self.wakeUp)
        await self.thread.wait()
    }

    private func run() {
        var batch: [UInt8] = []
        while true {
            while sem_wait(self.wakeUp) != 0 && errno == EINTR {}
            var reopen = false
            let (descriptor, closing) = self.state.withLock { state in
                swap(&batch, &state.pending)
                reopen = state.reopenRequested
                state.reopenRequested = false
                return (state.descriptor, state.closing)
            }
            var current = descriptor
            if reopen { current = self.reopened(descriptor) }
            if !batch.isEmpty {
                self.write(batch, to: current)
                batch.removeAll(keepingCapacity: true)
            }
            if closing {
                self.state.withLock { $0.file = nil }
                return
            }
        }
    }

    private func write(_ bytes: [UInt8], to descriptor: Int32) {
        var written = 0
        let failure = bytes.withUnsafeBytes { buffer -> SystemError? in
            do throws(SystemError) {
                try writeAll(descriptor, buffer, written: &written)
                return nil
            } catch {
                return error
            }
        }
        guard let failure else { return }
        // ENOSPC, EIO, EBADF: the rest of this batch is lost; count its lines as dropped.
        let lost = bytes[written...].reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
        for _ in 0..<lost { self.statistics.countAccessLogDrop() }
        self.logger.error(
            "cannot write the access log \(self.destination): \(failure.reason); \(lost) line\(lost == 1 ? "" : "s") lost"
        )
    }

    /// Opens the file again and swaps it in; on failure keeps writing to the old one and says why.
    private func reopened(_ old: Int32) -> Int32 {
        guard case .file = self.destination else { return old }
        do {
            var new = try Self.open(self.destination)
            var replaced: Descriptor?
            let current = self.state.withLock { state in
                replaced = state.file.take()
                state.file = new.take()
                return state.descriptor
            }
            // Closed after the lock, which the accepting threads take for every line.
            if let replaced = replaced.take() { replaced.close() }
            return current
        } catch {
            self.logger.error("\(error.description); still writing to the file opened before")
            return old
        }
    }

    /// The file at a file destination, opened (created with mode 0640) for appending; nil for
    /// standard error.
    private static func open(_ destination: AccessLogConfiguration.Destination) throws(ServerError) -> Descriptor? {
        switch destination {
        case .standardError:
            return nil
        case .file(let path):
            do {
                return try Descriptor.open(path, O_WRONLY | O_APPEND | O_CREAT, mode: 0o640)
            } catch {
                let code = error.errno
                let fix =
                    code == EACCES || code == EROFS
                    ? "give a path the server may write (check the directory's owner and mode), or - for standard error"
                    : "check that the directory exists, or give - for standard error"
                throw ServerError(
                    code: code == EACCES ? .permissionDenied : .invalidConfiguration,
                    description: "cannot open access log \(path): \(error.reason); \(fix)",
                    systemError: code
                )
            }
        }
    }
}
