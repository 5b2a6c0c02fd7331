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
/// The plan within the limits: one query, then rounds of up to 5 (the interval is cut about six
/// times by each), at most ``maximumQueries`` in all and no query sent after ``timeLimit``. On
/// loopback the bound comes to a few milliseconds after 11 or 12 queries in 2 to 3 seconds; over a
/// network the round trip's spread sets the floor. Rounds are at most 5 queries in about a sixth of
/// the interval (about 170 ms, then 30 ms): within `daytimed`'s default per-source limit (4 a
/// second, a burst of 16).
///
/// Assumptions: the server's clock runs at the local clock's rate during the search, and it
/// truncates (as `ctime`, `strftime` and RFC 868 servers do). A server that rounds to the nearest
/// second shows an offset 0.5 s too large whose bound does not contain the truth; nothing in its
/// answers tells rounding from an offset of 0.5 s. Answers whose intervals do not meet (a server
/// whose clock stepped, or that answers from a cache) end the search with
/// ``TimeClientError/Code/inconsistentAnswers``.
enum SecondEdgeSearch {
    /// The most queries one search sends.
    static let maximumQueries = 12
    /// No query of a search is sent later than this after its first, in seconds.
    static let timeLimit = 3.0
    /// The most queries in one round.
    static let roundSize = 5

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
        while queries < Self.maximumQueries && upper - lower > 2 * roundTrip {
            let count = min(Self.roundSize, Self.maximumQueries - queries)
            let step = (upper - lower) / Double(count + 1)
            let splits = (1...count).map { lower + Double($0) * step }
            // The server's second changes at local time N - θ; the first N after a short margin
            // puts every query of the round in the future.
            let wallNow = wallClock.now()
            let monotonicNow = MonotonicClock.nanoseconds()
            let margin = 0.005 + lead
            let now = wallNow.secondsSinceEpoch
            let edge = (now + margin + splits[count - 1]).rounded(.up)
            let starts = splits.map { split -> UInt64 in
                let delay = (edge - split - lead) - now
                return monotonicNow &+ UInt64(max(0, delay) * 1e9)
            }
            guard let last = starts.max(), last <= endNanoseconds else { break }
            queries += count
            for outcome in PollingExchange.run(query, addresses: addresses, startingAt: starts, wallClock: wallClock) {
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
