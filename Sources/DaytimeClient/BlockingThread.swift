import Glibc

/// Runs blocking work on an OS thread of its own and lets async code await its result.
///
/// Why not NIO's blocking pool: it has one thread per core and is shared (name resolution, the
/// caller's own blocking work); a measurement that waits seconds for slow servers would hold a
/// thread of it the whole time and starve the rest. A thread per measurement costs about 20 µs.
enum BlockingThread {
    /// Runs `body` on a new detached thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let job = Unmanaged.passRetained(Job { continuation.resume(returning: body()) })
            var thread = pthread_t()
            let status = pthread_create(
                &thread,
                nil,
                { raw in
                    let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
                    job.run()
                    return nil
                },
                job.toOpaque()
            )
            if status == 0 {
                pthread_detach(thread)
            } else {
                // No thread to be had (EAGAIN): run here rather than fail; the caller only waits longer.
                job.takeRetainedValue().run()
            }
        }
    }
}

private final class Job: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
