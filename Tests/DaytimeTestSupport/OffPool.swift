import DaytimeSystem

/// Runs blocking `work` on a thread of its own and returns its result: Swift's cooperative pool
/// and Dispatch's global queue run only about one blocked job per core (two here) and also run the
/// services under test, and NIO's blocking pool serves the client's own name resolution, so a
/// socket read or a child process that blocks for seconds must hold none of them. Work that cannot
/// fail needs no `try`.
public func offPool<T: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> T
) async throws(Failure) -> T {
    try await OSThread.run(name: "test-off-pool", work)
}
