import DaytimeCore

/// The offset from a server that answers in whole seconds, narrowed from ±0.5 s to milliseconds by
/// finding when its second changes (the idea htpdate applies to HTTP `Date` headers).
///
/// Each answer says the server read `s` (truncated to its resolution `r`) somewhere between T1 and
/// T4 of the local clock, so the offset θ (server minus local) lies in `[s - T4, s + r - T1]`. One
/// answer leaves an interval about a second wide. Answers timed so that the server reads its clock
/// just before or just after its second changes cut it: a round of queries spread evenly over the
/// current interval, each sent so that it reaches the server at the instant its second would change
/// if the offset were that query's split point, leaves one of the pieces. Every answer's interval
/// is intersected: the result is `offset ± bound` with the middle and half-width of what is left.
///
/// The plan within the limits: one query, then four more spread over the next 0.8 s (wherever the
/// server's second changes, it falls between two of the five: about 0.2 s left), then a round of
/// five timed across that (about 35 ms left), then two (about 12 ms); at most ``maximumQueries``
/// in all and no query sent after ``timeLimit``. On an idle loopback the bound comes to a few
/// milliseconds within 1 to 3 seconds; over a network the round trip and its spread set the floor.
/// Twelve queries fit in `daytimed`'s default per-source burst of 16 (refilled at 4 a second), so
/// one search is never refused there; searches run back to back drain it.
///
/// Assumptions: the server's clock runs at the local clock's rate during the search, and it
/// truncates (as `ctime`, `strftime` and RFC 868 servers do). A server that rounds to the nearest
/// second shows an offset 0.5 s too large whose bound does not contain the truth; nothing in its
/// answers tells rounding from an offset of 0.5 s. Answers whose intervals do not meet (a server
/// whose clock stepped, or that answers from a cache) end the search with
/// `TimeClientError.Code.inconsistentAnswers`.
enum SecondEdgeSearch {
    /// The most queries one search sends.
    static let maximumQueries = 12
    /// No query of a search is sent later than this after its first, in seconds.
    static let timeLimit = 3.0
    /// The queries of each round after the first query: the first round spreads its queries over a
    /// second, the others over the interval left.
    static let rounds = [4, 5, 2]

    /// Searches `query`'s server on the calling thread. An NTP query, or an answer with a fraction
    /// of a second or no time that can be read, is returned as it is: there is no second to find.
    static func run(_ query: TimeQuery, wallClock: any WallClock) throws(TimeClientError) -> TimeSample {
        try query.validate()
        var addresses = try PollingExchange.resolve(query)
        let start = MonotonicClock.nanoseconds()
        var first = try Self.answer(
            PollingExchange.run(query, addresses: addresses, startingAt: [start], wallClock: wallClock)[0]
        )
        guard query.protocol != .ntp, let interval = Self.interval(of: first), let resolution = first.resolution,
            resolution >= 0.5
        else {
            return first
        }
        // The rest go to the address that answered, so that every answer is from one clock.
        addresses = addresses.filter { $0.ipAddress == first.serverAddress && $0.port == first.serverPort }
        var lower = interval.lower
        var upper = interval.upper
        var queries = 1
        var answers = 1
        // Where in the exchange the server reads its clock, from the start: after the handshake for
        // TCP (the accept comes with the client's ACK, 1.5 round trips of 2), after half a round trip for UDP.
        let roundTrip = first.roundTrip
        let lead = roundTrip * (query.effectiveTransport == .tcp ? 0.75 : 0.5)
        let endNanoseconds = start &+ UInt64(Self.timeLimit * 1e9)
        // A lost datagram or a stalled connection must not hold a round for the whole timeout.
        var timed = query
        timed.timeout = min(query.timeout, .seconds(1) + .nanoseconds(Int64(4 * roundTrip * 1e9)))
        for (round, size) in Self.rounds.enumerated() {
            let count = min(size, Self.maximumQueries - queries)
            guard count > 0, upper - lower > 2 * roundTrip else { break }
            let starts: [UInt64]
            if round == 0 {
                // With the first answer's second-wide interval, the server's second changes once in
                // any second: queries spread evenly over the second that began with the first cut
                // it, wherever the change falls, without waiting for it.
                let spacing = 1.0 / Double(count + 1)
                starts = (1...count).map { start &+ UInt64(Double($0) * spacing * 1e9) }
            } else {
                starts = Self.timed(count, in: (lower, upper), lead: lead, wallClock: wallClock)
            }
            guard let last = starts.max(), last <= endNanoseconds else { break }
            queries += count
            for outcome in PollingExchange.run(timed, addresses: addresses, startingAt: starts, wallClock: wallClock) {
                guard case .answered(let sample) = outcome, let cut = Self.interval(of: sample) else { continue }
                answers += 1
                lower = max(lower, cut.lower)
                upper = min(upper, cut.upper)
                first = sample
            }
            guard lower <= upper else {
                throw .inconsistentAnswers(endpoint: endpointText(host: first.serverAddress, port: first.serverPort))
            }
        }
        first.secondEdge = SecondEdge(lower: lower, upper: upper, queries: queries, answers: answers)
        return first
    }

    /// The start times (monotonic nanoseconds) of `count` queries that split `interval` (offsets,
    /// seconds) evenly: each reaches the server `lead` seconds after it starts, at the local instant
    /// the server's second would change if the offset were its split point, all at the same change.
    static func timed(
        _ count: Int,
        in interval: (lower: Double, upper: Double),
        lead: Double,
        wallClock: any WallClock
    ) -> [UInt64] {
        let step = (interval.upper - interval.lower) / Double(count + 1)
        let splits = (1...count).map { interval.lower + Double($0) * step }
        // The server's second changes at local time N - offset; the first N after a short margin
        // puts every query of the round in the future.
        let now = wallClock.now().secondsSinceEpoch
        let monotonicNow = MonotonicClock.nanoseconds()
        let edge = (now + 0.005 + lead + splits[count - 1]).rounded(.up)
        return splits.map { split in
            monotonicNow &+ UInt64(max(0, edge - split - lead - now) * 1e9)
        }
    }

    /// The offsets an answer allows: `[s - T4, s + r - T1]`; nil without a time that can be read.
    static func interval(of sample: TimeSample) -> (lower: Double, upper: Double)? {
        guard let instant = sample.serverInstant, let resolution = sample.resolution else { return nil }
        return (
            instant.seconds(since: sample.firstByteAt),
            instant.seconds(since: sample.connectStartedAt) + resolution
        )
    }

    private static func answer(_ outcome: ExchangeOutcome) throws(TimeClientError) -> TimeSample {
        switch outcome {
        case .answered(let sample): return sample
        case .failed(let error): throw error
        case .pending: preconditionFailure("PollingExchange.run returned before the exchange ended")
        }
    }
}
