import DaytimeCore
import Testing
import _DaytimeTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Dates with their POSIX seconds, checked with `date -u -d DATE +%s` (GNU coreutils).
private let knownDates: [(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, seconds: Int64)] = [
    (1970, 1, 1, 0, 0, 0, 0),
    (1969, 12, 31, 23, 59, 59, -1),
    (2000, 2, 29, 0, 0, 0, 951_782_400),
    (2024, 2, 29, 0, 0, 0, 1_709_164_800),
    (1900, 2, 28, 0, 0, 0, -2_203_977_600),
    (1900, 3, 1, 0, 0, 0, -2_203_891_200),
    (2100, 2, 28, 0, 0, 0, 4_107_456_000),
    (2100, 3, 1, 0, 0, 0, 4_107_542_400),
    (1600, 2, 29, 0, 0, 0, -11_670_998_400),
    (1858, 11, 17, 0, 0, 0, -3_506_716_800),
    (1, 1, 1, 0, 0, 0, -62_135_596_800),
    (2021, 5, 7, 20, 36, 52, 1_620_419_812),
    (2036, 2, 7, 6, 28, 16, 2_085_978_496),
    (9999, 12, 31, 23, 59, 59, 253_402_300_799),
]

@Suite("CivilDateTime: the proleptic Gregorian calendar on POSIX seconds")
struct CivilDateTimeTests {
    @Test("Fields become the right POSIX second", arguments: knownDates.indices)
    func fieldsToInstant(index: Int) {
        let d = knownDates[index]
        let time = CivilDateTime(
            year: d.year,
            month: d.month,
            day: d.day,
            hour: d.hour,
            minute: d.minute,
            second: d.second
        )
        #expect(time.instant == Instant(seconds: d.seconds))
    }

    @Test("A POSIX second becomes the right fields", arguments: knownDates.indices)
    func instantToFields(index: Int) {
        let d = knownDates[index]
        let time = CivilDateTime(Instant(seconds: d.seconds))
        #expect(
            [time.year, time.month, time.day, time.hour, time.minute, time.second]
                == [d.year, d.month, d.day, d.hour, d.minute, d.second]
        )
        #expect(time.utcOffset == 0)
    }

    @Test("1970-01-01 was a Thursday, 2000-02-29 a Tuesday, 9999-12-31 a Friday, 0001-01-01 a Monday")
    func weekdays() {
        #expect(CivilDateTime(Instant(seconds: 0)).weekday == 4)
        #expect(CivilDateTime(year: 2000, month: 2, day: 29).weekday == 2)
        #expect(CivilDateTime(Instant(seconds: 951_782_400)).weekday == 2)
        #expect(CivilDateTime(year: 9999, month: 12, day: 31).weekday == 5)
        #expect(CivilDateTime(year: 1, month: 1, day: 1).weekday == 1)
        #expect(CivilDateTime(Instant(seconds: -1)).weekday == 3)
    }

    @Test("Leap years: every fourth year, but not 1900 or 2100; 2000 is")
    func leapYears() {
        #expect(CivilDateTime.isLeapYear(2024))
        #expect(CivilDateTime.isLeapYear(2000))
        #expect(CivilDateTime.isLeapYear(1600))
        #expect(!CivilDateTime.isLeapYear(1900))
        #expect(!CivilDateTime.isLeapYear(2100))
        #expect(!CivilDateTime.isLeapYear(2023))
        #expect(CivilDateTime.daysInMonth(year: 2024, month: 2) == 29)
        #expect(CivilDateTime.daysInMonth(year: 1900, month: 2) == 28)
        #expect(CivilDateTime.daysInMonth(year: 2100, month: 2) == 28)
        #expect(CivilDateTime.daysInMonth(year: 2026, month: 4) == 30)
        #expect(CivilDateTime.daysInMonth(year: 2026, month: 12) == 31)
    }

    @Test("The day after 1900-02-28 and 2100-02-28 is March 1; after 2000-02-28 and 2024-02-28 it is February 29")
    func dayAfterFebruary28() {
        for year in [1900, 2100] {
            let next = CivilDateTime(Instant(seconds: utc(year, 2, 28) + 86_400))
            #expect((next.month, next.day) == (3, 1))
        }
        for year in [2000, 2024] {
            let next = CivilDateTime(Instant(seconds: utc(year, 2, 28) + 86_400))
            #expect((next.month, next.day) == (2, 29))
        }
    }

    @Test("An offset shifts the fields, not the instant")
    func offsets() {
        let instant = Instant(seconds: 1_620_419_812, nanoseconds: 250_000_000)
        let kolkata = CivilDateTime(instant, utcOffset: 19_800)
        #expect(
            [kolkata.year, kolkata.month, kolkata.day, kolkata.hour, kolkata.minute, kolkata.second]
                == [2021, 5, 8, 2, 6, 52]
        )
        #expect(kolkata.weekday == 6)
        #expect(kolkata.nanosecond == 250_000_000)
        #expect(kolkata.instant == instant)
        let newYork = CivilDateTime(instant, utcOffset: -14_400)
        #expect([newYork.day, newYork.hour] == [7, 16])
        #expect(newYork.instant == instant)
    }

    @Test("Instants before 1970 with a fraction land on the right second and day")
    func negativeWithFraction() {
        let time = CivilDateTime(Instant(seconds: -1, nanoseconds: 999_999_999))
        #expect([time.year, time.month, time.day, time.hour, time.minute, time.second] == [1969, 12, 31, 23, 59, 59])
        #expect(time.nanosecond == 999_999_999)
    }

    @Test("Agrees with glibc's gmtime_r and timegm on 20,000 instants from year 1 to 9999")
    func againstGlibc() {
        var generator = SplitMix64(seed: 0x5EED)
        let low: Int64 = -62_135_596_800
        let high: Int64 = 253_402_300_799
        var mismatches = 0
        for _ in 0..<20_000 {
            let seconds = low + Int64(generator.next() % UInt64(high - low + 1))
            var t = time_t(seconds)
            var tm = tm()
            gmtime_r(&t, &tm)
            let time = CivilDateTime(Instant(seconds: seconds))
            let fields = [time.year, time.month, time.day, time.hour, time.minute, time.second, time.weekday]
            let expected = [
                Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min),
                Int(tm.tm_sec), Int(tm.tm_wday),
            ]
            var back = tm
            if fields != expected || time.instant.seconds != Int64(timegm(&back)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }
}
