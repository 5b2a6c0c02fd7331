import DaytimeCore
import Testing
import _DaytimeTesting

// The expectations are literals computed with python3 (datetime for the dates, integer arithmetic for
// the fractions), not with the code under test: NTP seconds = Unix seconds + 2208988800, modulo 2^32.

/// An instant and the seconds field NTP writes for it.
struct KnownNTPSeconds: Sendable, CustomTestStringConvertible {
    var date: String
    var unixSeconds: Int64
    var ntpSeconds: UInt32

    var testDescription: String { self.date }
}

private let knownSeconds: [KnownNTPSeconds] = [
    KnownNTPSeconds(date: "1900-01-01T00:00:00Z", unixSeconds: -2_208_988_800, ntpSeconds: 0),
    KnownNTPSeconds(date: "1968-01-20T03:14:08Z", unixSeconds: -61_505_152, ntpSeconds: 0x8000_0000),
    KnownNTPSeconds(date: "1970-01-01T00:00:00Z", unixSeconds: 0, ntpSeconds: 0x83AA_7E80),
    KnownNTPSeconds(date: "2000-01-01T00:00:00Z", unixSeconds: 946_684_800, ntpSeconds: 0xBC17_C200),
    KnownNTPSeconds(date: "2026-12-06T14:55:10Z", unixSeconds: 1_796_568_910, ntpSeconds: 0xEEBF_F5CE),
    KnownNTPSeconds(date: "2036-02-07T06:28:15Z", unixSeconds: 2_085_978_495, ntpSeconds: 0xFFFF_FFFF),
    // Era 1 from here: the seconds field wraps.
    KnownNTPSeconds(date: "2036-02-07T06:28:16Z", unixSeconds: 2_085_978_496, ntpSeconds: 0),
    KnownNTPSeconds(date: "2104-02-26T09:42:24Z", unixSeconds: 4_233_462_144, ntpSeconds: 0x8000_0000),
    KnownNTPSeconds(date: "2106-02-07T06:28:16Z", unixSeconds: 4_294_967_296, ntpSeconds: 0x83AA_7E80),
]

@Suite("NTP timestamps")
struct NTPTimestampTests {
    @Test("The Unix epoch is 0x83AA7E80 seconds after 1900, with no fraction")
    func unixEpoch() {
        let timestamp = NTPTimestamp(Instant.unixEpoch)
        #expect(timestamp.bits == 0x83AA_7E80_0000_0000)
        #expect(timestamp.seconds == 0x83AA_7E80)
        #expect(timestamp.fraction == 0)
        #expect(timestamp.description == "83aa7e80.00000000")
        #expect(NTPTimestamp.unixEpochOffset == 0x83AA_7E80)
    }

    @Test("Known dates have known seconds fields, and read back in their own era", arguments: knownSeconds)
    func knownDates(known: KnownNTPSeconds) {
        let instant = Instant(seconds: known.unixSeconds)
        let timestamp = NTPTimestamp(instant)
        #expect(timestamp.bits == UInt64(known.ntpSeconds) << 32)
        #expect(NTPTimestamp(bits: UInt64(known.ntpSeconds) << 32).instant(near: instant) == instant)
        // A day off the reference changes nothing.
        #expect(timestamp.instant(near: Instant(seconds: known.unixSeconds - 86_400)) == instant)
        #expect(timestamp.instant(near: Instant(seconds: known.unixSeconds + 86_400)) == instant)
    }

    @Test("A fraction of 0x80000000 is half a second, 0x40000000 a quarter")
    func halfAndQuarter() {
        #expect(NTPTimestamp(Instant(seconds: 0, nanoseconds: 500_000_000)).bits == 0x83AA_7E80_8000_0000)
        #expect(NTPTimestamp(Instant(seconds: 0, nanoseconds: 250_000_000)).fraction == 0x4000_0000)
        let half = NTPTimestamp(bits: 0x83AA_7E80_8000_0000).instant(near: .unixEpoch)
        #expect(half == Instant(seconds: 0, nanoseconds: 500_000_000))
        #expect(NTPTimestamp(bits: 0x83AA_7E80_8000_0000).description == "83aa7e80.80000000")
    }

    @Test(
        "Encoding rounds the fraction down to a multiple of 2^-32 s",
        // python3: (ns << 32) // 10**9
        arguments: [
            (Int32(1), UInt32(4)), (2, 8), (123_456_789, 0x1F9A_DD37), (999_999_999, 0xFFFF_FFFB),
        ]
    )
    func fractionRoundsDown(nanoseconds: Int32, fraction: UInt32) {
        #expect(NTPTimestamp(Instant(seconds: 7, nanoseconds: nanoseconds)).fraction == fraction)
    }

    @Test(
        "Decoding rounds the fraction to the nearest nanosecond",
        // python3: round(fraction * 10**9 / 2**32)
        arguments: [
            (UInt32(1), Int32(0)), (2, 0), (3, 1), (4, 1), (0x1234_5678, 71_111_111), (0xF7B0_A51F, 967_539_139),
        ]
    )
    func fractionRoundsToNearest(fraction: UInt32, nanoseconds: Int32) {
        let instant = NTPTimestamp(bits: 0xEEBF_F5CE_0000_0000 | UInt64(fraction)).instant(near: .unixEpoch)
        #expect(instant == Instant(seconds: 1_796_568_910, nanoseconds: nanoseconds))
    }

    @Test("A fraction a quarter nanosecond short of a second reads as the next whole second")
    func fractionRoundsIntoNextSecond() {
        let instant = NTPTimestamp(bits: 0xEEBF_F5CE_FFFF_FFFF).instant(near: .unixEpoch)
        #expect(instant == Instant(seconds: 1_796_568_911, nanoseconds: 0))
    }

    @Test("Every nanosecond from 1900 to 2200 survives encoding and reading back near itself")
    func roundTrip() {
        // 2^-32 s is less than half a nanosecond, so rounding down then to the nearest is exact.
        var random = SplitMix64(seed: 0x4E54_5030)
        let instants = (0..<20_000).map { _ in
            let seconds = -2_208_988_800 + Int64(random.below(300 * 31_556_952))
            return Instant(seconds: seconds, nanoseconds: Int32(random.below(1_000_000_000)))
        }
        let changed = instants.filter { NTPTimestamp($0).instant(near: $0.advanced(by: 3_600)) != $0 }
        #expect(changed.isEmpty, "\(changed.count) changed, the first: \(changed.prefix(3))")
    }

    @Test("Era 0's last second and era 1's first read right from either side of 2036-02-07T06:28:16Z")
    func eraBoundary() {
        let lastOfEra0 = NTPTimestamp(bits: 0xFFFF_FFFF_8000_0000)
        let firstOfEra1 = NTPTimestamp(bits: 0x0000_0000_8000_0000)
        for reference: Int64 in [2_085_978_496 - 3_600, 2_085_978_495, 2_085_978_496, 2_085_978_496 + 3_600] {
            let near = Instant(seconds: reference)
            #expect(lastOfEra0.instant(near: near) == Instant(seconds: 2_085_978_495, nanoseconds: 500_000_000))
            #expect(firstOfEra1.instant(near: near) == Instant(seconds: 2_085_978_496, nanoseconds: 500_000_000))
        }
    }

    @Test("The same bits name 1968 when read near 2026 and 2104 when read near 2060")
    func nearestEra() {
        let bits = NTPTimestamp(bits: 0x8000_0000_0000_0000)
        #expect(bits.instant(near: Instant(seconds: 1_796_568_910)).seconds == -61_505_152)
        #expect(bits.instant(near: Instant(seconds: 2_840_140_800)).seconds == 4_233_462_144)
        let zero = NTPTimestamp.zero
        #expect(zero.instant(near: Instant(seconds: -631_152_000)).seconds == -2_208_988_800)  // near 1950: 1900
        #expect(zero.instant(near: Instant(seconds: 1_796_568_910)).seconds == 2_085_978_496)  // near 2026: 2036
    }

    @Test("Just before 1900 is the end of era -1")
    func eraMinusOne() {
        let instant = Instant(seconds: -2_208_988_801)
        #expect(NTPTimestamp(instant).bits == 0xFFFF_FFFF_0000_0000)
        #expect(NTPTimestamp(instant).instant(near: Instant(seconds: -2_208_988_800)) == instant)
    }
}
