import DaytimeCore
import Testing

/// 2036-02-07T06:28:16Z, when the 32-bit count of seconds since 1900 wraps to 0.
private let wrap: Int64 = 2_085_978_496

@Suite("RFC 868 Time protocol values")
struct TimeProtocolValueTests {
    @Test(
        "RFC 868's own examples",
        arguments: [
            (2_208_988_800, utc(1970, 1, 1)),
            (2_398_291_200, utc(1976, 1, 1)),
            (2_524_521_600, utc(1980, 1, 1)),
            (2_629_584_000, utc(1983, 5, 1)),
        ] as [(UInt32, Int64)]
    )
    func rfcExamples(raw: UInt32, seconds: Int64) {
        #expect(TimeProtocolValue(Instant(seconds: seconds)).rawValue == raw)
        #expect(TimeProtocolValue(rawValue: raw).instant(eraRule: .era(0)) == Instant(seconds: seconds))
        #expect(TimeProtocolValue(rawValue: raw).instant(eraRule: .rfc4330) == Instant(seconds: seconds))
        #expect(
            TimeProtocolValue(rawValue: raw).instant(eraRule: .nearest(to: Instant(seconds: utc(2026, 1, 1))))
                == Instant(seconds: seconds)
        )
    }

    @Test("RFC 868's negative example, -1,297,728,000 = 1858-11-17, is era -1")
    func negativeExample() {
        let raw = UInt32(truncatingIfNeeded: Int64(-1_297_728_000))
        #expect(TimeProtocolValue(rawValue: raw).instant(eraRule: .era(-1)) == Instant(seconds: utc(1858, 11, 17)))
        #expect(TimeProtocolValue(Instant(seconds: utc(1858, 11, 17))).rawValue == raw)
    }

    @Test("The value wraps to 0 at 2036-02-07T06:28:16Z")
    func wrapsIn2036() {
        #expect(wrap == utc(2036, 2, 7, 6, 28, 16))
        #expect(TimeProtocolValue(Instant(seconds: wrap - 1)).rawValue == .max)
        #expect(TimeProtocolValue(Instant(seconds: wrap)).rawValue == 0)
        #expect(TimeProtocolValue(Instant(seconds: wrap + 1)).rawValue == 1)
    }

    @Test(
        "nearest(to:) places values on both sides of the wrap, from references on both sides",
        arguments: [wrap - 86_400 * 365 * 60, wrap - 30, wrap, wrap + 30, wrap + 86_400 * 365 * 60]
    )
    func nearestAcrossWrap(reference: Int64) {
        let rule = TimeProtocolValue.EraRule.nearest(to: Instant(seconds: reference))
        #expect(TimeProtocolValue(rawValue: .max).instant(eraRule: rule).seconds == wrap - 1)
        #expect(TimeProtocolValue(rawValue: 0).instant(eraRule: rule).seconds == wrap)
        #expect(TimeProtocolValue(rawValue: 1).instant(eraRule: rule).seconds == wrap + 1)
    }

    @Test("nearest(to:) gives the instant within 68 years of the reference")
    func nearestWindow() {
        let reference = Instant(seconds: utc(2026, 6, 1))
        for seconds in [utc(1960, 1, 1), utc(2000, 1, 1), utc(2026, 6, 1), utc(2060, 1, 1), utc(2090, 1, 1)] {
            let value = TimeProtocolValue(Instant(seconds: seconds))
            #expect(value.instant(eraRule: .nearest(to: reference)).seconds == seconds)
        }
    }

    @Test("rfc4330: top bit set is era 0 (1968-01-20 to 2036-02-07), clear is era 1 (2036-02-07 to 2104-02-26)")
    func rfc4330AcrossWrap() {
        #expect(TimeProtocolValue(rawValue: .max).instant(eraRule: .rfc4330).seconds == wrap - 1)
        #expect(TimeProtocolValue(rawValue: 0).instant(eraRule: .rfc4330).seconds == wrap)
        #expect(
            TimeProtocolValue(rawValue: 0x8000_0000).instant(eraRule: .rfc4330).seconds == utc(1968, 1, 20, 3, 14, 8)
        )
        #expect(
            TimeProtocolValue(rawValue: 0x7FFF_FFFF).instant(eraRule: .rfc4330).seconds == utc(2104, 2, 26, 9, 42, 23)
        )
    }

    @Test("era(n) puts every value in era n, before and after the wrap")
    func fixedEras() {
        #expect(TimeProtocolValue(rawValue: .max).instant(eraRule: .era(0)).seconds == wrap - 1)
        #expect(TimeProtocolValue(rawValue: 0).instant(eraRule: .era(0)).seconds == utc(1900, 1, 1))
        #expect(TimeProtocolValue(rawValue: 0).instant(eraRule: .era(1)).seconds == wrap)
        #expect(TimeProtocolValue(rawValue: .max).instant(eraRule: .era(1)).seconds == wrap - 1 + (1 << 32))
        #expect(TimeProtocolValue(rawValue: 1).instant(eraRule: .era(1)).seconds == wrap + 1)
    }

    @Test("Round trip through a value after the wrap, with the clock still before it")
    func roundTripAfterWrap() {
        let instant = Instant(seconds: utc(2040, 3, 1, 12))
        let value = TimeProtocolValue(instant)
        #expect(value.instant(eraRule: .nearest(to: Instant(seconds: utc(2035, 12, 31)))) == instant)
        #expect(value.instant(eraRule: .rfc4330) == instant)
        #expect(value.instant(eraRule: .era(1)) == instant)
    }

    @Test("The wire form is four bytes, big-endian")
    func bigEndian() {
        // 2021-05-07T20:36:52Z = 1,620,419,812 + 2,208,988,800 = 3,829,408,612 = 0xE440_2364.
        let value = TimeProtocolValue(Instant(seconds: 1_620_419_812, nanoseconds: 900_000_000))
        #expect(value.rawValue == 0xE440_2364)
        let bytes = value.bigEndianBytes
        #expect([bytes.0, bytes.1, bytes.2, bytes.3] == [0xE4, 0x40, 0x23, 0x64])
        #expect(TimeProtocolValue(bigEndianBytes: [0xE4, 0x40, 0x23, 0x64]) == value)
        #expect(value.description == "3829408612")
    }

    @Test("An 8-byte answer (inetutils-inetd sends a C long) is read from its first 4 bytes")
    func eightByteAnswer() {
        let bytes: [UInt8] = [0xE4, 0x40, 0x23, 0x64, 0xDE, 0xAD, 0xBE, 0xEF]
        #expect(TimeProtocolValue(bigEndianBytes: bytes)?.rawValue == 0xE440_2364)
        #expect(TimeProtocolValue(bigEndianBytes: bytes[0..<8])?.rawValue == 0xE440_2364)
    }

    @Test("Fewer than 4 bytes give nil", arguments: [[], [0x01], [0x01, 0x02], [0x01, 0x02, 0x03]] as [[UInt8]])
    func tooShort(bytes: [UInt8]) {
        #expect(TimeProtocolValue(bigEndianBytes: bytes) == nil)
    }
}
