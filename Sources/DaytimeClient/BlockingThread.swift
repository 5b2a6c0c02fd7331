import DaytimeSystem

/// Runs blocking work on an OS thread of its own and lets async code await its result.
///
/// Why not NIO's blocking pool: it has one thread per core and is shared (name resolution, the
/// caller's own blocking work); a measurement that waits seconds for slow servers would hold a
/// thread of it the whole time and starve the rest. A thread per measurement costs about 20 µs.
enum BlockingThread {
    /// Runs `body` on a new detached thread and returns its result.
    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await OSThread.run(name: "daytime-query", body)
    }
}
