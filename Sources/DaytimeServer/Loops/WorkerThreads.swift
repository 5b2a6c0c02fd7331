import DaytimeCore
import DaytimeSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Starts plain OS threads for blocking loops and lets async code wait for them to finish.
///
/// The accept loops block in `accept4`, the datagram loops in `recvmmsg` or `recvfrom`/`recvmsg`, and
/// the access log's writer on a semaphore; running them on Swift's cooperative pool would starve it,
/// so they get threads of their own, and ``wait()`` bridges their end back to async code.
final class WorkerThreads: Sendable {
    private struct State {
        var running = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init() {}

    /// Starts a detached thread running `body`.
    func start(name: String, _ body: @escaping @Sendable () -> Void) throws(ServerError) {
        self.state.withLock { $0.running += 1 }
        do {
            try OSThread.start(name: name) { [self] in
                body()
                self.finished()
            }.detach()
        } catch {
            self.finished()
            throw ServerError(
                code: .systemResource,
                description: "cannot start thread \(name): \(error.reason); lower \(setting: .threads)",
                systemError: error.errno
            )
        }
    }

    /// Returns once every started thread has finished.
    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = self.state.withLock { state -> Bool in
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func finished() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
