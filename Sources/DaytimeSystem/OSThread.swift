import CDaytimeLinux

#if canImport(Glibc)
import Glibc
#endif

/// A plain OS thread, for work that blocks (accept and datagram loops, load generators) and so
/// must stay off Swift's cooperative pool.
package struct OSThread: Sendable {
    private let handle: pthread_t

    /// Starts a thread named `name` (the first 15 bytes: Linux's limit; it shows in `top -H` and
    /// debuggers) that runs `body`. Join it or detach it. `body` is sent to the new thread: the
    /// caller gives up what it captures.
    package static func start(name: String, _ body: sending @escaping () -> Void) throws(SystemError) -> OSThread {
        let box = Unmanaged.passRetained(ThreadBody(name: String(name.prefix(15)), body))
        var thread = pthread_t()
        let status = pthread_create(
            &thread,
            nil,
            { raw in
                let body = Unmanaged<ThreadBody>.fromOpaque(raw!).takeRetainedValue()
                c_daytime_set_thread_name(body.name)
                body.run()
                return nil
            },
            box.toOpaque()
        )
        guard status == 0 else {
            box.release()
            // pthread_create returns its error rather than setting errno.
            throw SystemError(call: "pthread_create", errno: status)
        }
        return OSThread(handle: thread)
    }

    /// Runs `body` on a new detached thread named `name` and returns its result (or its error) to
    /// the awaiting task, whose own thread stays free meanwhile. With no thread to be had (`EAGAIN`)
    /// `body` runs on the calling thread instead: the caller only waits longer.
    package static func run<Value: Sendable, Failure: Error>(
        name: String,
        _ body: @escaping @Sendable () throws(Failure) -> Value
    ) async throws(Failure) -> Value {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<Value, Failure>, Never>) in
            let job: @Sendable () -> Void = {
                continuation.resume(returning: Result { () throws(Failure) in try body() })
            }
            do {
                try OSThread.start(name: name, job).detach()
            } catch {
                job()
            }
        }
        return try result.get()
    }

    /// Waits for the thread to finish.
    package func join() {
        pthread_join(self.handle, nil)
    }

    /// Lets the thread finish on its own; it can no longer be joined.
    package func detach() {
        pthread_detach(self.handle)
    }
}

/// A closure and a name, handed to a new thread (through a raw pointer: never shared).
private final class ThreadBody {
    let name: String
    let run: () -> Void

    init(name: String, _ run: @escaping () -> Void) {
        self.name = name
        self.run = run
    }
}
