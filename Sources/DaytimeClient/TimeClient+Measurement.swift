import DaytimeCore
import Glibc

/// What one server said over one or more exchanges.
public struct ServerMeasurement: Sendable {
    /// The question asked.
    public var query: TimeQuery
    /// Every answer, in the order they came.
    public var samples: [TimeSample]
    /// Every failed exchange.
    public var errors: [TimeClientError]

    /// Creates a measurement from its parts.
    public init(query: TimeQuery, samples: [TimeSample], errors: [TimeClientError]) {
        self.query = query
        self.samples = samples
        self.errors = errors
    }

    /// The answer to trust most: among those with an offset, the one with the least delay (the
    /// round trip, or NTP's delay, which leaves out the server's own time), whose bound is the
    /// tightest, as chrony's filter and ntpdig choose; else the first answer; nil if none came.
    public var best: TimeSample? {
        self.samples.filter { $0.offset != nil }.min { $0.delay < $1.delay } ?? self.samples.first
    }

    /// The best answer, or the first error when no answer came.
    public var result: Result<TimeSample, TimeClientError> {
        if let best = self.best {
            return .success(best)
        }
        return .failure(self.errors.first ?? TimeClientError(.networkError, "no exchange was made"))
    }

    /// Whether the best answer can take part in a combined estimate: it has an offset, and a NIST
    /// line does not say the server is unhealthy.
    public var isUsable: Bool {
        guard let best = self.best, best.offset != nil else { return false }
        return best.nist?.isHealthy ?? true
    }
}

/// What several servers said, and what they agree on.
public struct TimeMeasurement: Sendable {
    /// One measurement per query, in the order of the queries.
    public var servers: [ServerMeasurement]
    /// The combined estimate over the usable servers (``ServerMeasurement/isUsable``); its
    /// truechimers and falsetickers are indexes into ``servers``.
    public var combined: Result<CombinedEstimate, CombinedEstimate.Disagreement>

    /// Measures are combined from their parts with ``CombinedEstimate/combine(_:)``.
    public init(servers: [ServerMeasurement]) {
        self.servers = servers
        var usable: [Int] = []
        var intervals: [(lower: Double, upper: Double)] = []
        for i in servers.indices where servers[i].isUsable {
            if let interval = servers[i].best?.offsetInterval {
                usable.append(i)
                intervals.append(interval)
            }
        }
        self.combined = CombinedEstimate.combine(intervals).map { estimate in
            var mapped = estimate
            mapped.truechimers = estimate.truechimers.map { usable[$0] }
            mapped.falsetickers = estimate.falsetickers.map { usable[$0] }
            return mapped
        }
    }
}

extension TimeClient {
    /// Asks every server `samples` times (all servers at once in each round, rounds `spacing`
    /// apart), keeps each server's best answer, and combines them.
    ///
    /// An NTP server that sends a Kiss-o'-Death RATE, DENY or RSTR is not asked again in this
    /// measurement (RFC 4330 section 8): its error says so.
    ///
    /// The exchanges run on a thread of their own, with non-blocking sockets and `poll(2)`, TCP or
    /// UDP as each query says. Failures are recorded per server, not thrown.
    ///
    /// ```swift
    /// let measurement = await TimeClient().measure(
    ///     [TimeQuery(host: "127.0.0.1"), TimeQuery(host: "::1", protocol: .time, transport: .udp)],
    ///     samples: 4
    /// )
    /// if case .success(let estimate) = measurement.combined {
    ///     print("offset", estimate.offset, "±", estimate.bound)
    /// }
    /// ```
    public func measure(
        _ queries: [TimeQuery],
        samples: Int = 1,
        spacing: Duration = .zero
    ) async -> TimeMeasurement {
        let wallClock = self.wallClock
        return await BlockingThread.run {
            Self.measureBlocking(queries, samples: samples, spacing: spacing, wallClock: wallClock)
        }
    }

    /// One exchange with one server on the calling thread, which it blocks until the answer or
    /// the query's deadline: ``measureBlocking(_:samples:spacing:wallClock:)`` for the common
    /// case, without the bookkeeping for several servers and samples (a command that asks once
    /// spends most of its life starting up, and each type it touches first costs). Never call it
    /// from a Swift task.
    public static func queryBlocking(
        _ query: TimeQuery,
        wallClock: any WallClock = SystemWallClock()
    ) throws(TimeClientError) -> TimeSample {
        switch PollingExchange.run([query], wallClock: wallClock)[0] {
        case .answered(let sample): return sample
        case .failed(let error): throw error
        case .pending: preconditionFailure("PollingExchange.run returned before the exchange ended")
        }
    }

    /// The offset from a server that answers in whole seconds (Daytime, Time), narrowed from
    /// ±0.5 s to a few milliseconds on loopback by finding when the server's second changes: at
    /// most 12 queries within 3 seconds, timed so that the server reads its clock near that
    /// instant. The sample returned is the last answer, with its ``TimeSample/secondEdge``; its
    /// ``TimeSample/offset`` and ``TimeSample/offsetBound`` are the search's.
    ///
    /// It assumes the server truncates its clock to the second, as `ctime` and RFC 868 servers do;
    /// one that rounds shows 0.5 s more than its offset. An NTP query, or an answer with a fraction
    /// of a second, is returned as it is.
    ///
    /// - Throws: ``TimeClientError`` when the first query fails, or with
    ///   `TimeClientError.Code.inconsistentAnswers` when the answers allow no common offset.
    public func measurePrecisely(_ query: TimeQuery) async throws(TimeClientError) -> TimeSample {
        let wallClock = self.wallClock
        let result = await BlockingThread.run { () -> Result<TimeSample, TimeClientError> in
            do throws(TimeClientError) {
                return .success(try SecondEdgeSearch.run(query, wallClock: wallClock))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// ``measurePrecisely(_:)`` on the calling thread, which it blocks for up to about 3 seconds
    /// plus the query's timeout. Never call it from a Swift task.
    public static func measurePreciselyBlocking(
        _ query: TimeQuery,
        wallClock: any WallClock = SystemWallClock()
    ) throws(TimeClientError) -> TimeSample {
        try SecondEdgeSearch.run(query, wallClock: wallClock)
    }

    /// ``measure(_:samples:spacing:)`` on the calling thread, which it blocks until the last
    /// answer or deadline: for command-line tools, which have nothing else to do meanwhile and
    /// gain by not starting threads. Never call it from a Swift task.
    public static func measureBlocking(
        _ queries: [TimeQuery],
        samples: Int = 1,
        spacing: Duration = .zero,
        wallClock: any WallClock = SystemWallClock()
    ) -> TimeMeasurement {
        var servers = queries.map { ServerMeasurement(query: $0, samples: [], errors: []) }
        // The servers still asked: those that sent a Kiss-o'-Death to back off or stop are not.
        var asked = Array(queries.indices)
        for round in 0..<max(1, samples) {
            if asked.isEmpty { break }
            if round > 0 && spacing > .zero {
                let (seconds, attoseconds) = spacing.components
                var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
                var remaining = timespec()
                while nanosleep(&request, &remaining) != 0 && errno == EINTR {
                    request = remaining
                }
            }
            let results = PollingExchange.run(asked.map { queries[$0] }, wallClock: wallClock)
            for slot in results.indices {
                let i = asked[slot]
                switch results[slot] {
                case .answered(let sample): servers[i].samples.append(sample)
                case .failed(let error): servers[i].errors.append(error)
                case .pending: preconditionFailure("PollingExchange.run returned before an exchange ended")
                }
            }
            asked.removeAll { i in
                servers[i].errors.last.map { $0.code == .rateLimited || $0.code == .accessDenied } ?? false
            }
        }
        return TimeMeasurement(servers: servers)
    }
}
