import DaytimeNetwork
import Testing

private let millisecond: UInt64 = 1_000_000
private let second: UInt64 = 1_000_000_000

@Suite("TokenBucket and RateLimit")
struct TokenBucketTests {
    @Test("A full bucket gives its burst at once, then one token every 1/rate seconds")
    func burstThenRate() {
        var bucket = TokenBucket(rate: 10, burst: 5)
        let atOnce = (0..<20).filter { _ in bucket.admit(now: 0) }.count
        #expect(atOnce == 5)
        let overASecond = (1...1000).filter { bucket.admit(now: UInt64($0) * millisecond) }.count
        #expect(overASecond == 10)
        #expect(bucket.rejections == 15 + 990)
    }

    @Test("Asked every millisecond for ten seconds, it admits burst + rate × time")
    func steadyRate() {
        var bucket = TokenBucket(rate: 10, burst: 5)
        let admitted = (0...10_000).filter { bucket.admit(now: UInt64($0) * millisecond) }.count
        #expect(admitted == 5 + 100)
    }

    @Test("Idle time refills the bucket up to its burst and no further")
    func refillStopsAtBurst() {
        var bucket = TokenBucket(rate: 100, burst: 3)
        #expect((0..<10).filter { _ in bucket.admit(now: 0) }.count == 3)
        let later = 3_600 * second
        #expect(bucket.tokens(now: later) == 3)
        #expect((0..<10).filter { _ in bucket.admit(now: later) }.count == 3)
    }

    @Test("A rate below one: 0.5 a second is one token every two seconds")
    func fractionalRate() {
        var bucket = TokenBucket(rate: 0.5, burst: 1)
        let times = [10 * second, 11 * second, 12 * second - 1, 12 * second]
        #expect(times.map { bucket.admit(now: $0) } == [true, false, false, true])
    }

    @Test("tokens(now:) counts what is left, refilling fractionally")
    func tokens() {
        var bucket = TokenBucket(rate: 10, burst: 5)
        #expect(bucket.tokens(now: 0) == 5)
        for _ in 0..<3 {
            _ = bucket.admit(now: 0)
        }
        #expect(bucket.tokens(now: 0) == 2)
        #expect(bucket.tokens(now: 50 * millisecond) == 2.5)
        #expect(bucket.tokens(now: 300 * millisecond) == 5)
    }

    @Test("stateAfterAdmitting(_:now:) is the step a bucket shared through an atomic takes")
    func pureStep() {
        let limit = RateLimit(rate: 4, burst: 2)
        #expect(limit.nanosecondsPerToken == 250 * millisecond)
        let first = limit.stateAfterAdmitting(0, now: second)
        #expect(first == second + 250 * millisecond)
        let secondState = limit.stateAfterAdmitting(first!, now: second)
        #expect(secondState == second + 500 * millisecond)
        #expect(limit.stateAfterAdmitting(secondState!, now: second) == nil)
        #expect(limit.stateAfterAdmitting(secondState!, now: second + 250 * millisecond) == second + 750 * millisecond)
    }

    @Test("Extreme rates and bursts neither trap nor wrap around")
    func extremes() {
        #expect(RateLimit(rate: 1e12, burst: 1).nanosecondsPerToken == 1)
        #expect(RateLimit(rate: 3, burst: 1).nanosecondsPerToken == 333_333_333)
        var slow = TokenBucket(rate: 1e-30, burst: Int.max)
        #expect(
            [0, 1, UInt64.max / 2, UInt64.max - 1, UInt64.max].map { slow.admit(now: $0) } == [
                true, true, true, true, true,
            ]
        )
        var oneSlow = TokenBucket(rate: 1e-30, burst: 1)
        let answers = [0, second, 1 << 53].map { oneSlow.admit(now: $0) }
        #expect(answers == [true, false, true], "the longest interval is about 52 days")
        let limit = RateLimit(rate: 1, burst: 1)
        #expect(limit.stateAfterAdmitting(0, now: .max - 1) == .max, "saturates instead of wrapping to 0")
    }
}
