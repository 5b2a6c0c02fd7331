import DaytimeNetwork
import Testing

private let millisecond: UInt64 = 1_000_000
private let second: UInt64 = 1_000_000_000

/// What `limiter` answers to each source in turn, all at time `now`.
private func answers(_ limiter: inout SourceRateLimiter, _ sources: [String], now: UInt64 = 0) throws -> [Bool] {
    try sources.map { limiter.admit(try ip($0), now: now) }
}

@Suite("SourceRateLimiter")
struct SourceRateLimiterTests {
    @Test("One source gets its burst, then the rate; a second source is unaffected")
    func burstThenRatePerSource() throws {
        var limiter = SourceRateLimiter(rate: 10, burst: 5, capacity: 64, seed: 1)
        let flooder = try ip("192.0.2.1")
        let bystander = try ip("198.51.100.1")
        #expect((0..<100).filter { _ in limiter.admit(flooder, now: 0) }.count == 5)
        #expect((0..<100).filter { _ in limiter.admit(bystander, now: 0) }.count == 5)
        let overASecond = (1...1000).filter { limiter.admit(flooder, now: UInt64($0) * millisecond) }.count
        #expect(overASecond == 10)
        let bystanderLater = limiter.admit(bystander, now: second)
        #expect(bystanderLater)
        #expect(limiter.rejections == 95 + 95 + 990)
        #expect(limiter.entries == 2)
        #expect(limiter.evictions == 0)
    }

    @Test(
        "IPv6 sources in one /64 share a bucket; other /64s have their own",
        arguments: [
            // prefix length, two addresses that share, one that does not
            (64, "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:3::1"),
            (48, "2001:db8:1:2::1", "2001:db8:1:ffff::1", "2001:db8:2::1"),
            (128, "2001:db8::1", "2001:db8::1", "2001:db8::2"),
            (0, "2001:db8::1", "fe80::1", "192.0.2.1"),
        ]
    )
    func ipv6Groups(prefixLength: Int, first: String, sameGroup: String, otherGroup: String) throws {
        var limiter = SourceRateLimiter(rate: 1, burst: 3, capacity: 64, ipv6PrefixLength: prefixLength, seed: 2)
        let sent = try answers(&limiter, [first, first, sameGroup, first, sameGroup, otherGroup])
        #expect(sent == [true, true, true, false, false, true])
        #expect(limiter.group(of: try ip(first)) == limiter.group(of: try ip(sameGroup)))
    }

    @Test("IPv4 sources: each address alone by default, grouped by a shorter prefix when asked")
    func ipv4Groups() throws {
        var single = SourceRateLimiter(rate: 1, burst: 1, capacity: 64, seed: 3)
        #expect(try answers(&single, ["192.0.2.1", "192.0.2.2", "192.0.2.1"]) == [true, true, false])

        var byNetwork = SourceRateLimiter(rate: 1, burst: 1, capacity: 64, ipv4PrefixLength: 24, seed: 3)
        #expect(try answers(&byNetwork, ["192.0.2.1", "192.0.2.200", "192.0.3.1"]) == [true, false, true])
    }

    @Test("An IPv4 peer shares its bucket whether it arrives as IPv4 or IPv4-mapped IPv6")
    func mappedPeersShare() throws {
        var limiter = SourceRateLimiter(rate: 1, burst: 2, capacity: 64, seed: 4)
        let sent = try answers(&limiter, ["192.0.2.7", "::ffff:192.0.2.7", "192.0.2.7", "::192.0.2.7"])
        #expect(sent == [true, true, false, true], "an IPv4-compatible address (::a.b.c.d) is another source")
        #expect(limiter.entries == 2)
    }

    @Test("group(of:) names the block a source is limited as")
    func groups() throws {
        let limiter = SourceRateLimiter(rate: 1, burst: 1, capacity: 8, seed: 5)
        #expect(limiter.group(of: try ip("192.0.2.7")).description == "192.0.2.7/32")
        #expect(limiter.group(of: try ip("::ffff:192.0.2.7")).description == "192.0.2.7/32")
        #expect(limiter.group(of: try ip("2001:db8:1:2:3:4:5:6")).description == "2001:db8:1:2::/64")
        let wide = SourceRateLimiter(
            rate: 1,
            burst: 1,
            capacity: 8,
            ipv4PrefixLength: 24,
            ipv6PrefixLength: 48,
            seed: 5
        )
        #expect(wide.group(of: try ip("192.0.2.7")).description == "192.0.2.0/24")
        #expect(wide.group(of: try ip("2001:db8:1:2:3:4:5:6")).description == "2001:db8:1::/48")
    }

    @Test("The capacity is rounded up to a power of two, at least one set of 8")
    func capacityRounding() {
        #expect(SourceRateLimiter(rate: 1, burst: 1, capacity: 1).capacity == 8)
        #expect(SourceRateLimiter(rate: 1, burst: 1, capacity: 1000).capacity == 1024)
        #expect(SourceRateLimiter(rate: 1, burst: 1, capacity: 1024).capacity == 1024)
        #expect(SourceRateLimiter(rate: 1, burst: 1).capacity == 65_536)
    }

    @Test("A bucket that has refilled is reused without counting an eviction")
    func refilledSlotsAreReused() throws {
        var limiter = SourceRateLimiter(rate: 1, burst: 1, capacity: 8, seed: 6)
        let first = try answers(&limiter, (0..<8).map { "10.0.0.\($0)" })
        #expect(first == Array(repeating: true, count: 8))
        #expect(limiter.entries == 8)
        let secondEight = try answers(&limiter, (8..<16).map { "10.0.0.\($0)" }, now: 2 * second)
        #expect(secondEight == Array(repeating: true, count: 8))
        #expect(limiter.entries == 8)
        #expect(limiter.evictions == 0)
        #expect(try answers(&limiter, ["10.1.0.0"], now: 2 * second) == [true])
        #expect(limiter.evictions == 1, "all eight buckets are refilling: one must go")
    }

    @Test("When every slot is refilling, the bucket closest to full is evicted")
    func evictsClosestToFull() throws {
        var limiter = SourceRateLimiter(rate: 1, burst: 10, capacity: 8, seed: 7)
        let sources = (0..<8).map { IPAddress(ipv4: 0xC000_0200 + UInt32($0)) }
        for (n, source) in sources.enumerated() {
            let admitted = (0...n).filter { _ in limiter.admit(source, now: 0) }.count
            #expect(admitted == n + 1)
        }
        #expect(limiter.tokens(for: sources[0], now: 0) == 9)
        #expect(limiter.tokens(for: sources[7], now: 0) == 2)
        #expect(try answers(&limiter, ["203.0.113.1"]) == [true])
        #expect(limiter.evictions == 1)
        #expect(limiter.tokens(for: sources[0], now: 0) == 10, "the source that owed least was forgotten")
        for (n, source) in sources.enumerated().dropFirst() {
            #expect(limiter.tokens(for: source, now: 0) == Double(9 - n), "the others keep what they owe")
        }
    }

    @Test("100,000 spoofed sources keep the table at its capacity; an honest and a heavy source are treated as alone")
    func spoofedFlood() throws {
        let rate = 20.0
        let burst = 5
        var limiter = SourceRateLimiter(rate: rate, burst: burst, capacity: 1024, seed: 8)
        // The same sequences, each through a bucket of its own: what the table must answer.
        var honestAlone = TokenBucket(rate: rate, burst: burst)
        var heavyAlone = TokenBucket(rate: rate, burst: burst)
        let honest = try ip("2001:db8:aa::1")
        let heavy = try ip("192.0.2.66")
        var honestAdmitted = 0
        var heavyAdmitted = 0
        var heavyExpected = 0
        var floodRejected = 0
        var largest = 0
        // One spoofed datagram every 10 µs for a second, each from another 127.x.y.z; the honest
        // source sends at its rate (every 50 ms), the heavy one ten times over it.
        for n in 0..<100_000 {
            let now = UInt64(n) * 10_000
            let spoofed = IPAddress(ipv4: 0x7F00_0000 | UInt32(n + 1))
            if !limiter.admit(spoofed, now: now) {
                floodRejected += 1
            }
            if n % 5_000 == 0 {
                let alone = honestAlone.admit(now: now)
                #expect(alone)
                if limiter.admit(honest, now: now) {
                    honestAdmitted += 1
                }
            }
            if n % 500 == 0 {
                if heavyAlone.admit(now: now) {
                    heavyExpected += 1
                }
                if limiter.admit(heavy, now: now) {
                    heavyAdmitted += 1
                }
            }
            largest = max(largest, limiter.entries)
        }
        #expect(largest == limiter.capacity)
        #expect(limiter.entries == 1024)
        #expect(floodRejected == 0, "each spoofed source sent once, within its burst")
        #expect(limiter.evictions > 90_000)
        #expect(honestAdmitted == 20, "every datagram of the honest source")
        #expect(heavyAdmitted == heavyExpected, "the heavy source was never forgiven by an eviction")
        #expect(heavyExpected == burst + Int(rate) - 1)
    }
}
