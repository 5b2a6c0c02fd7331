/// The buckets of the answer-latency histogram: from the moment `accept4` (TCP) or `recvmmsg` (UDP)
/// returns to the moment `send` or `sendmmsg` returns, on the monotonic clock.
///
/// A fixed set, chosen for a server whose answer takes a few microseconds on an idle machine and
/// milliseconds on a saturated one; the hot path finds a bucket with a short linear scan and
/// counts it in an atomic (see ``ServerStatistics``), with no allocation and no lock.
public enum AnswerLatency {
    /// Upper bounds of the buckets in nanoseconds, ascending; a last, unbounded bucket follows.
    public static let upperBounds: [Int] = [
        1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 100_000_000, 1_000_000_000,
    ]

    /// The number of buckets, the unbounded one included.
    public static let bucketCount = upperBounds.count + 1

    /// The bucket a latency of `nanoseconds` falls in: the first whose upper bound is at least it.
    @inline(__always)
    static func bucket(_ nanoseconds: Int) -> Int {
        var index = 0
        while index < Self.upperBounds.count && nanoseconds > Self.upperBounds[index] {
            index += 1
        }
        return index
    }
}
