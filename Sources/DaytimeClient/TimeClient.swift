import DaytimeCore

/// Asks Daytime (RFC 867) and Time (RFC 868) servers for the time, over TCP or UDP, and NTP servers
/// (SNTP, RFC 4330) over UDP.
///
/// A client is a small value: keep one, or make one per query. It reads the local clock only
/// through its ``wallClock`` (inject a shifted or fixed clock in tests). Each call runs its
/// exchanges on a thread of its own, with non-blocking sockets and `poll(2)`; the Swift task
/// waits without holding a thread.
///
/// ```swift
/// let sample = try await TimeClient().query(TimeQuery(host: "time.example.net"))
/// print(sample.line ?? "", sample.offset ?? .nan)
/// ```
public struct TimeClient: Sendable {
    /// The local clock the exchange is timed with (T1, T4).
    public var wallClock: any WallClock

    /// Creates a client. The default reads the system clock.
    public init(wallClock: any WallClock = SystemWallClock()) {
        self.wallClock = wallClock
    }

    /// Connects to the server, reads its answer to the end, and returns it with the local clock
    /// readings around it.
    ///
    /// The query's timeout covers everything: resolving the name, connecting and reading. The answer
    /// is read until the server closes the connection. A host with addresses of both IP versions
    /// (``TimeQuery/AddressFamily/any``) gets the attempts of RFC 8305: the next address after
    /// 250 ms without a connection, and the first to connect wins.
    ///
    /// - Throws: ``TimeClientError`` when the server cannot be reached or its answer is not a time;
    ///   `CancellationError` when the task is cancelled. A Daytime line in an unknown layout is not
    ///   an error: the sample then has no ``TimeSample/offset``.
    public func query(_ query: TimeQuery) async throws -> TimeSample {
        try query.validate()
        try Task.checkCancellation()
        // Without a descriptor for the pipe, a cancelled query still ends, at its deadline.
        let cancellation = ExchangeCancellation()
        let wallClock = self.wallClock
        let outcome = await withTaskCancellationHandler {
            await BlockingThread.run {
                PollingExchange.run([query], wallClock: wallClock, cancellation: cancellation)[0]
            }
        } onCancel: {
            cancellation?.cancel()
        }
        try Task.checkCancellation()
        switch outcome {
        case .answered(let sample): return sample
        case .failed(let error): throw error
        case .pending: preconditionFailure("PollingExchange.run returned before the exchange ended")
        }
    }
}

extension TimeQuery {
    /// Checks what can be checked before asking; every exchange starts here.
    func validate() throws(TimeClientError) {
        guard !self.host.isEmpty else {
            throw .invalidQuery("the host is empty; name a server")
        }
        guard (1...65_535).contains(self.effectivePort) else {
            throw .invalidQuery("port \(self.effectivePort) is outside 1...65535")
        }
        guard self.timeout > .zero else {
            throw .invalidQuery("the timeout must be more than 0 seconds")
        }
        guard self.maximumLineLength >= 1 else {
            throw .invalidQuery("the maximum line length must be at least 1 byte")
        }
    }
}
