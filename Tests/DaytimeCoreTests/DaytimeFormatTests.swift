import DaytimeCore
import Testing

/// 2021-05-07T20:36:52Z, the instant of the examples (a Friday).
private let example: Int64 = 1_620_419_812

@Suite("Daytime line formats")
struct DaytimeFormatTests {
    @Test("ctime is asctime's layout, day of month padded with a space, like Python's time.ctime()")
    func ctime() {
        // python3 -c 'import time; print(time.asctime(time.gmtime(1620419812)))'
        #expect(text(.ctime, example) == "Fri May  7 20:36:52 2021")
        #expect(text(.ctime, 0) == "Thu Jan  1 00:00:00 1970")
        #expect(text(.ctime, utc(2026, 11, 14, 22, 13, 20)) == "Sat Nov 14 22:13:20 2026")
        #expect(text(.ctime, utc(2024, 2, 29, 9, 5, 1)) == "Thu Feb 29 09:05:01 2024")
        #expect(text(.ctime, 253_402_300_799) == "Fri Dec 31 23:59:59 9999")
    }

    @Test("ctime shows the local time of the offset and no zone")
    func ctimeWithOffset() {
        #expect(text(.ctime, example, utcOffset: 19_800) == "Sat May  8 02:06:52 2021")
        #expect(text(.ctime, example, utcOffset: -14_400) == "Fri May  7 16:36:52 2021")
    }

    @Test("ctime ignores the fraction of the second")
    func ctimeIgnoresFraction() {
        #expect(text(.ctime, example, nanoseconds: 999_999_999) == "Fri May  7 20:36:52 2021")
    }

    @Test(
        "RFC 3339 writes UTC as Z and other offsets as ±hh:mm",
        arguments: [
            (0, "2021-05-07T20:36:52Z"),
            (19_800, "2021-05-08T02:06:52+05:30"),
            (-14_400, "2021-05-07T16:36:52-04:00"),
            (37_800, "2021-05-08T07:06:52+10:30"),
            (-12_600, "2021-05-07T17:06:52-03:30"),
            (-1_800, "2021-05-07T20:06:52-00:30"),
            (50_400, "2021-05-08T10:36:52+14:00"),
        ]
    )
    func rfc3339Offsets(utcOffset: Int, expected: String) {
        #expect(text(.rfc3339(fractionDigits: 0), example, utcOffset: utcOffset) == expected)
    }

    @Test(
        "RFC 3339 fractions have 0, 3, 6 or 9 digits and are truncated, never rounded",
        arguments: [
            (0, 123_456_789, "2021-05-07T20:36:52Z"),
            (3, 123_456_789, "2021-05-07T20:36:52.123Z"),
            (6, 123_456_789, "2021-05-07T20:36:52.123456Z"),
            (9, 123_456_789, "2021-05-07T20:36:52.123456789Z"),
            (3, 999_999_999, "2021-05-07T20:36:52.999Z"),
            (6, 999_999_999, "2021-05-07T20:36:52.999999Z"),
            (0, 999_999_999, "2021-05-07T20:36:52Z"),
            (3, 7_000_000, "2021-05-07T20:36:52.007Z"),
            (9, 1, "2021-05-07T20:36:52.000000001Z"),
            (3, 0, "2021-05-07T20:36:52.000Z"),
        ]
    )
    func rfc3339Fractions(digits: Int, nanoseconds: Int32, expected: String) {
        #expect(text(.rfc3339(fractionDigits: digits), example, nanoseconds: nanoseconds) == expected)
    }

    @Test("RFC 3339 with a fraction and an offset")
    func rfc3339FractionAndOffset() {
        #expect(
            text(.rfc3339(fractionDigits: 6), example, nanoseconds: 123_456_789, utcOffset: 19_800)
                == "2021-05-08T02:06:52.123456+05:30"
        )
    }

    @Test(
        "RFC 2822 always writes a numeric offset",
        arguments: [
            (0, "Fri, 07 May 2021 20:36:52 +0000"),
            (19_800, "Sat, 08 May 2021 02:06:52 +0530"),
            (-14_400, "Fri, 07 May 2021 16:36:52 -0400"),
            (37_800, "Sat, 08 May 2021 07:06:52 +1030"),
            (-12_600, "Fri, 07 May 2021 17:06:52 -0330"),
        ]
    )
    func rfc2822(utcOffset: Int, expected: String) {
        #expect(text(.rfc2822, example, utcOffset: utcOffset) == expected)
    }

    @Test("Every line ends with CR LF", arguments: [DaytimeFormat.ctime, .rfc3339(fractionDigits: 3), .rfc2822])
    func crlf(format: DaytimeFormat) {
        let line = format.line(for: CivilDateTime(Instant(seconds: example)))
        #expect(Array(line.utf8.suffix(2)) == [0x0D, 0x0A])
        #expect(line.utf8.filter { $0 == 0x0D || $0 == 0x0A }.count == 2)
        #expect(DaytimeFormat.lineEnding == [0x0D, 0x0A])
    }

    @Test(
        "Format names parse, aliases included, and round-trip",
        arguments: [
            ("ctime", DaytimeFormat.ctime),
            ("asctime", .ctime),
            ("CTIME", .ctime),
            ("rfc3339", .rfc3339(fractionDigits: 0)),
            ("rfc3339.0", .rfc3339(fractionDigits: 0)),
            ("iso8601", .rfc3339(fractionDigits: 0)),
            ("rfc3339.3", .rfc3339(fractionDigits: 3)),
            ("rfc3339.6", .rfc3339(fractionDigits: 6)),
            ("rfc3339.9", .rfc3339(fractionDigits: 9)),
            ("rfc2822", .rfc2822),
            ("rfc822", .rfc2822),
        ]
    )
    func names(name: String, format: DaytimeFormat) {
        #expect(DaytimeFormat(name: name) == format)
        #expect(DaytimeFormat(name: format.name) == format)
    }

    @Test("Unknown format names give nil", arguments: ["", "rfc3339.2", "rfc3339.12", "unix", "ctime "])
    func unknownNames(name: String) {
        #expect(DaytimeFormat(name: name) == nil)
    }

    @Test("The listed names are exactly the canonical names")
    func listedNames() {
        #expect(DaytimeFormat.names.compactMap { DaytimeFormat(name: $0)?.name } == DaytimeFormat.names)
    }

    @Test(
        "maximumLineLength holds the longest line, in year 9999 with the widest offset",
        arguments: [
            DaytimeFormat.ctime, .rfc3339(fractionDigits: 0), .rfc3339(fractionDigits: 3),
            .rfc3339(fractionDigits: 6), .rfc3339(fractionDigits: 9), .rfc2822,
        ]
    )
    func maximumLineLength(format: DaytimeFormat) {
        let last = Instant(seconds: 253_402_300_799 - 93_599, nanoseconds: 999_999_999)
        var longest = 0
        for offset in [0, -89_999, 93_599, -37_800, 50_400] {
            let line = format.line(for: CivilDateTime(last, utcOffset: offset))
            #expect(line.utf8.count <= format.maximumLineLength)
            #expect(line.contains("9999"))
            longest = max(longest, line.utf8.count)
        }
        #expect(longest == format.maximumLineLength)
        #expect(format.maximumLineLength <= DaytimeLineRenderer.capacity)
    }

    @Test("Only RFC 3339 with a fraction shows parts of a second")
    func resolution() {
        #expect(!DaytimeFormat.ctime.showsFractionOfSecond)
        #expect(!DaytimeFormat.rfc2822.showsFractionOfSecond)
        #expect(!DaytimeFormat.rfc3339(fractionDigits: 0).showsFractionOfSecond)
        #expect(DaytimeFormat.rfc3339(fractionDigits: 3).showsFractionOfSecond)
        #expect(DaytimeFormat.ctime.resolution == 1)
        #expect(DaytimeFormat.rfc3339(fractionDigits: 0).resolution == 1)
        #expect(DaytimeFormat.rfc3339(fractionDigits: 3).resolution == 0.001)
        #expect(DaytimeFormat.rfc3339(fractionDigits: 6).resolution == 1e-6)
        #expect(DaytimeFormat.rfc3339(fractionDigits: 9).resolution == 1e-9)
    }

    @Test("write(_:into:) writes the same bytes as line(for:) and returns their count")
    func writeMatchesLine() {
        let time = CivilDateTime(Instant(seconds: example, nanoseconds: 42_000_000), utcOffset: 3600)
        for format in [DaytimeFormat.ctime, .rfc3339(fractionDigits: 3), .rfc2822] {
            let bytes = [UInt8](unsafeUninitializedCapacity: format.maximumLineLength) { buffer, count in
                count = format.write(time, into: UnsafeMutableRawBufferPointer(buffer))
            }
            #expect(bytes == Array(format.line(for: time).utf8))
        }
    }
}
