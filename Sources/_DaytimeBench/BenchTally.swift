import Histogram

/// What some transactions came to: answers with their latencies, and failures by kind.
///
/// Each load thread fills its own, with no allocation per transaction (the histogram's buckets
/// are allocated once, for latencies up to an hour), and merges it into the shared one now and then.
public struct BenchTally: Sendable {
    /// The longest latency recorded as itself; longer ones are recorded as this (one hour).
    public static let highestLatency: UInt64 = 3_600_000_000_000

    /// Transactions that ended with a good answer.
    public internal(set) var answers = 0
    /// Answer latencies in nanoseconds, three significant digits (HdrHistogram).
    public internal(set) var latency = Histogram<UInt64>(
        lowestDiscernibleValue: 1,
        highestTrackableValue: BenchTally.highestLatency,
        numberOfSignificantValueDigits: .three
    )
    /// Open loop only: transactions whose scheduled start had come by the end of the run but that
    /// never started, every slot being busy.
    public internal(set) var unsent = 0
    private var errorCounts = [Int](repeating: 0, count: BenchErrorKind.allCases.count)

    /// An empty tally.
    public init() {}

    /// How many transactions failed with `kind`.
    public func errors(_ kind: BenchErrorKind) -> Int {
        self.errorCounts[kind.rawValue]
    }

    /// How many transactions failed, of every kind.
    public var errorCount: Int {
        self.errorCounts.reduce(0, +)
    }

    /// The kind of failure seen most often; nil if none.
    public var mostFrequentError: BenchErrorKind? {
        BenchErrorKind.allCases.filter { self.errors($0) > 0 }.max { self.errors($0) < self.errors($1) }
    }

    /// The answers' latency at `percentile` (0 to 100), in nanoseconds; 0 if there was no answer.
    public func latency(atPercentile percentile: Double) -> UInt64 {
        self.answers == 0 ? 0 : self.latency.valueAtPercentile(percentile)
    }

    /// The longest answer latency, in nanoseconds; 0 if there was no answer.
    public var maximumLatency: UInt64 {
        self.answers == 0 ? 0 : self.latency.max
    }

    /// Transactions that ended, one way or the other.
    public var transactions: Int {
        self.answers + self.errorCount
    }

    mutating func recordAnswer(latency: UInt64) {
        self.answers += 1
        self.latency.record(min(latency, Self.highestLatency))
    }

    mutating func recordError(_ kind: BenchErrorKind) {
        self.errorCounts[kind.rawValue] += 1
    }

    mutating func recordUnsent(_ count: Int) {
        self.unsent += count
    }

    /// Adds `other`'s counts and latencies to these.
    mutating func add(_ other: BenchTally) {
        self.answers += other.answers
        self.unsent += other.unsent
        for index in self.errorCounts.indices {
            self.errorCounts[index] += other.errorCounts[index]
        }
        self.latency.add(other.latency)
    }

    /// Back to empty, keeping the histogram's buckets.
    mutating func reset() {
        self.answers = 0
        self.unsent = 0
        for index in self.errorCounts.indices {
            self.errorCounts[index] = 0
        }
        self.latency.reset()
    }
}
