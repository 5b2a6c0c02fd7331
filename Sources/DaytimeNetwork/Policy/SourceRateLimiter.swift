/// A token bucket per source, in a table of fixed size: bounded memory under a flood of distinct,
/// spoofed source addresses.
///
/// Sources are grouped before they are counted: an IPv4 address by its first ``ipv4PrefixLength``
/// bits (default 32, each address on its own) and an IPv6 address by its first
/// ``ipv6PrefixLength`` bits (default 64, the usual size of one subscriber's network, which can
/// hold more addresses than any table). IPv4-mapped IPv6 addresses count as their IPv4 address, so
/// a peer shares its bucket whichever socket it arrives on.
///
/// ## The table
///
/// ``capacity`` slots, allocated once in ``init(rate:burst:capacity:ipv4PrefixLength:ipv6PrefixLength:seed:)``
/// and never grown: 24 bytes each (a group's 128-bit key and its bucket, which is a single
/// number, see ``RateLimit``), so the default 65,536 slots take 1.5 MiB. The slots form sets of
/// ``ways`` (8) neighbours; a keyed hash of the group picks the set (the key is random per
/// table unless a seed is given, so an attacker cannot aim many sources at one set), and a lookup
/// reads that set's 8 slots, 192 contiguous bytes, and nothing else: bounded probing, no chains,
/// no deletions. ``admit(_:now:)`` does not allocate once the limiter is made, as long as the
/// limiter is not copied (it is a copy-on-write value; a copy would duplicate the table on its
/// first use). Measured in a release build with 65,536 slots: about 11 ns a call for sources
/// already in the table, about 22 ns for each new source of a flood (the table no longer fits in
/// the CPU's caches), and no allocation in 10 million calls.
///
/// ## Eviction
///
/// A group not in the table has a full bucket, so a new group is always admitted and takes a slot
/// in its set. The slot is, in order of preference:
/// 1. one whose bucket has refilled (its full-again time has passed): forgetting a full bucket
///    changes no future answer, so this is not counted as an eviction;
/// 2. an empty slot (``entries`` grows by one);
/// 3. otherwise the slot whose bucket is closest to full (the earliest full-again time), which is
///    counted in ``evictions``.
///
/// An evicted group comes back with a fresh, full bucket: its debt is forgiven. Evicting the
/// bucket closest to full forgives the least: under a flood of one-datagram spoofed sources every
/// flood entry owes at most one token, so a source that is really over its limit owes more, is
/// evicted only after them, and keeps being limited, while a source within its limit loses
/// nothing it would have used (its bucket was nearly full). Pure least-recently-seen would instead
/// evict a heavy source that merely paused for a moment, and forgive its whole burst.
///
/// ## Threads
///
/// Not thread-safe by itself: a value type with no lock, mutated by ``admit(_:now:)``. A server
/// either guards one limiter with a lock, for an exact limit per source, or gives each thread its
/// own limiter; then a source whose packets the kernel spreads over `n` threads gets up to `n`
/// times the rate (exact again where the kernel steers each source to one thread, as with one
/// `SO_REUSEPORT` socket per thread).
package struct SourceRateLimiter: Sendable {
    /// The rate and burst each source group gets.
    package let limit: RateLimit
    /// Leading bits of an IPv4 address that name its group: 32 (the default) limits each address.
    package let ipv4PrefixLength: Int
    /// Leading bits of an IPv6 address that name its group: 64 (the default) limits each /64.
    package let ipv6PrefixLength: Int
    /// The number of slots: the most groups tracked at once.
    package let capacity: Int
    /// Slots in use. Never more than ``capacity``; slots are reused, never freed.
    package private(set) var entries = 0
    /// Groups dropped from a full set while their bucket was still refilling (see "Eviction").
    package private(set) var evictions: UInt64 = 0
    /// Calls to ``admit(_:now:)`` that answered false.
    package private(set) var rejections: UInt64 = 0

    /// Slots per set: how many a lookup reads.
    package static let ways = 8

    private var slots: [Slot]
    private let setMask: Int
    private let seeds: (UInt64, UInt64, UInt64)

    /// One slot: a group's key and its bucket's state (0 for an empty slot; a bucket that has
    /// admitted anything has a later state).
    private struct Slot {
        var high: UInt64
        var low: UInt64
        var state: UInt64
    }

    /// A limiter that lets each source group send `rate` a second with bursts of `burst` (see
    /// ``RateLimit/init(rate:burst:)``), tracking up to `capacity` groups (rounded up to a power of
    /// two, at least ``ways``).
    ///
    /// - Parameters:
    ///   - ipv4PrefixLength: 0 to 32; the default 32 limits each IPv4 address on its own.
    ///   - ipv6PrefixLength: 0 to 128; the default 64 limits each IPv6 /64 as one source.
    ///   - seed: the hash key; `nil` (the default) for a random one, a fixed value for tests.
    package init(
        rate: Double,
        burst: Int,
        capacity: Int = 65_536,
        ipv4PrefixLength: Int = 32,
        ipv6PrefixLength: Int = 64,
        seed: UInt64? = nil
    ) {
        precondition(
            capacity >= 1 && capacity <= 1 << 30,
            "a source table's capacity must be 1 to 2^30, not \(capacity)"
        )
        precondition(
            ipv4PrefixLength >= 0 && ipv4PrefixLength <= 32,
            "an IPv4 source prefix length must be 0 to 32, not \(ipv4PrefixLength)"
        )
        precondition(
            ipv6PrefixLength >= 0 && ipv6PrefixLength <= 128,
            "an IPv6 source prefix length must be 0 to 128, not \(ipv6PrefixLength)"
        )
        self.limit = RateLimit(rate: rate, burst: burst)
        self.ipv4PrefixLength = ipv4PrefixLength
        self.ipv6PrefixLength = ipv6PrefixLength
        var sets = 1
        while sets * Self.ways < capacity {
            sets <<= 1
        }
        self.capacity = sets * Self.ways
        self.setMask = sets - 1
        self.slots = Array(repeating: Slot(high: 0, low: 0, state: 0), count: self.capacity)
        var seed = seed ?? UInt64.random(in: .min ... .max)
        self.seeds = (Self.splitMix(&seed) | 1, Self.splitMix(&seed) | 1, Self.splitMix(&seed) | 1)
    }

    /// Whether the group of `address` may have one more connection or datagram at `now`
    /// (monotonic nanoseconds, see DaytimeCore's `MonotonicClock.nanoseconds()`); takes a token if so.
    /// Does not allocate.
    package mutating func admit(_ address: IPAddress, now: UInt64) -> Bool {
        let (keyHigh, keyLow) = self.key(address)
        let first = self.setIndex(keyHigh, keyLow) &* Self.ways
        let limit = self.limit
        let outcome = self.slots.withUnsafeMutableBufferPointer { slots -> Outcome in
            var empty = -1
            var oldest = -1
            var oldestState = UInt64.max
            for i in first..<(first + Self.ways) {
                let state = slots[i].state
                if state == 0 {
                    if empty < 0 {
                        empty = i
                    }
                } else if slots[i].high == keyHigh && slots[i].low == keyLow {
                    return limit.admit(&slots[i].state, now: now) ? .admitted : .rejected
                } else if state < oldestState {
                    oldest = i
                    oldestState = state
                }
            }
            // Not in the table: a full bucket, which admits.
            var state: UInt64 = 0
            _ = limit.admit(&state, now: now)
            let slot = Slot(high: keyHigh, low: keyLow, state: state)
            if oldest >= 0 && oldestState <= now {
                slots[oldest] = slot
                return .admitted
            }
            if empty >= 0 {
                slots[empty] = slot
                return .admittedInEmptySlot
            }
            slots[oldest] = slot
            return .admittedByEviction
        }
        switch outcome {
        case .admitted:
            return true
        case .admittedInEmptySlot:
            self.entries += 1
            return true
        case .admittedByEviction:
            self.evictions &+= 1
            return true
        case .rejected:
            self.rejections &+= 1
            return false
        }
    }

    /// The group `address` is limited as: `192.0.2.7/32`, `2001:db8:1:2::/64`; for logs.
    package func group(of address: IPAddress) -> AddressRange {
        let address = address.unmappingIPv4
        let length = address.family == .ipv4 ? self.ipv4PrefixLength : self.ipv6PrefixLength
        return AddressRange(validNetwork: address.masked(toPrefixLength: length), prefixLength: length)
    }

    /// The tokens left at `now` for the group of `address` (the burst, if it is not in the table).
    package func tokens(for address: IPAddress, now: UInt64) -> Double {
        let (keyHigh, keyLow) = self.key(address)
        let first = self.setIndex(keyHigh, keyLow) &* Self.ways
        for slot in self.slots[first..<(first + Self.ways)]
        where slot.state != 0 && slot.high == keyHigh && slot.low == keyLow {
            return self.limit.tokens(state: slot.state, now: now)
        }
        return Double(self.limit.burst)
    }

    private enum Outcome {
        case admitted
        case admittedInEmptySlot
        case admittedByEviction
        case rejected
    }

    /// The group's key: an IPv4 group in its IPv4-mapped form `::ffff:a.b.c.d`, an IPv6 group as
    /// itself. They cannot collide: an IPv6 address in the mapped block counts as IPv4, and masking
    /// any other IPv6 address cannot land in that block (it would need the first 96 bits kept).
    @inline(__always)
    private func key(_ address: IPAddress) -> (UInt64, UInt64) {
        let address = address.unmappingIPv4
        if address.family == .ipv4 {
            let mask: UInt64 = self.ipv4PrefixLength == 0 ? 0 : 0xFFFF_FFFF &<< UInt64(32 - self.ipv4PrefixLength)
            return (0, 0xFFFF_0000_0000 | address.low & mask & 0xFFFF_FFFF)
        }
        let bits = address.bits & IPAddress.mask(prefixLength: self.ipv6PrefixLength, family: .ipv6)
        return (UInt64(truncatingIfNeeded: bits >> 64), UInt64(truncatingIfNeeded: bits))
    }

    /// A keyed hash of the key (two rounds of a 64x64 to 128-bit multiply, folded), masked to a set.
    @inline(__always)
    private func setIndex(_ high: UInt64, _ low: UInt64) -> Int {
        let h = Self.fold(Self.fold(high ^ self.seeds.0, low ^ self.seeds.1), self.seeds.2)
        return Int(truncatingIfNeeded: h) & self.setMask
    }

    @inline(__always)
    private static func fold(_ a: UInt64, _ b: UInt64) -> UInt64 {
        let product = a.multipliedFullWidth(by: b)
        return product.high ^ product.low
    }

    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
