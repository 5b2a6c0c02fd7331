/// The offset of the local clock that several servers agree on, and which servers do not agree.
///
/// Each server gives an interval `offset ± bound` that contains the true offset if that server's
/// clock is right. Marzullo's algorithm (as NTP's selection, RFC 5905 §11.2.1, uses it) finds the
/// smallest interval that lies inside the most servers' intervals. The servers whose intervals
/// overlap it are the *truechimers*; the others, the *falsetickers*, are reported and left out.
/// A result needs a majority: more than half of the servers that answered must agree, so one wrong
/// server among three is outvoted, but two servers that disagree cannot be told apart.
public struct CombinedEstimate: Sendable, Hashable {
    /// The middle of the agreed interval: server minus local, in seconds (positive: the local clock
    /// is behind).
    public var offset: Double
    /// Half the width of the agreed interval, in seconds: the true offset is within `offset ± bound`
    /// if the majority is right.
    public var bound: Double
    /// Indexes (into the intervals given) of the servers that agree.
    public var truechimers: [Int]
    /// Indexes of the servers whose intervals miss the agreed one.
    public var falsetickers: [Int]

    /// Creates an estimate from its parts.
    public init(offset: Double, bound: Double, truechimers: [Int], falsetickers: [Int]) {
        self.offset = offset
        self.bound = bound
        self.truechimers = truechimers
        self.falsetickers = falsetickers
    }

    /// What ``combine(_:)`` found when no majority agrees.
    public struct Disagreement: Error, Sendable, Hashable {
        /// The most servers whose intervals have a point in common.
        public var largestAgreeingGroup: Int
        /// How many servers were compared.
        public var servers: Int

        /// Creates a disagreement from its counts.
        public init(largestAgreeingGroup: Int, servers: Int) {
            self.largestAgreeingGroup = largestAgreeingGroup
            self.servers = servers
        }
    }

    /// Combines intervals `(lower, upper)` (one per server, in seconds, lower ≤ upper).
    ///
    /// - Returns: the estimate, or ``Disagreement`` when no more than half of them share a point
    ///   (and, for no intervals at all, a disagreement of 0 of 0).
    public static func combine(_ intervals: [(lower: Double, upper: Double)]) -> Result<CombinedEstimate, Disagreement>
    {
        let n = intervals.count
        guard n > 0 else { return .failure(Disagreement(largestAgreeingGroup: 0, servers: 0)) }
        // Endpoints sorted by value; at equal values a start sorts before an end, so intervals
        // that only touch count as overlapping.
        var edges: [(value: Double, delta: Int)] = []
        edges.reserveCapacity(2 * n)
        for interval in intervals {
            edges.append((interval.lower, +1))
            edges.append((interval.upper, -1))
        }
        edges.sort { $0.value < $1.value || ($0.value == $1.value && $0.delta > $1.delta) }
        var best = 0
        var count = 0
        var lower = 0.0
        var upper = 0.0
        for (i, edge) in edges.enumerated() {
            count += edge.delta
            if edge.delta > 0 && count > best {
                best = count
                lower = edge.value
                // The region lasts until the next edge (which, as the count was at its highest, is an end).
                upper = edges[i + 1].value
            }
        }
        guard 2 * best > n else {
            return .failure(Disagreement(largestAgreeingGroup: best, servers: n))
        }
        var truechimers: [Int] = []
        var falsetickers: [Int] = []
        for (i, interval) in intervals.enumerated() {
            if interval.lower <= upper && interval.upper >= lower {
                truechimers.append(i)
            } else {
                falsetickers.append(i)
            }
        }
        return .success(
            CombinedEstimate(
                offset: (lower + upper) / 2,
                bound: (upper - lower) / 2,
                truechimers: truechimers,
                falsetickers: falsetickers
            )
        )
    }
}
