import DaytimeCore
import Testing
import _DaytimeTesting

/// Seconds since the epoch of a UTC date and time (the parser tests' own helper).
private func epochSeconds(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Int64 {
    CivilDateTime(year: y, month: mo, day: d, hour: h, minute: mi, second: s).instant.seconds
}

/// A line the parser must read, and what it must read it as.
struct RecognisedLine: Sendable, CustomTestStringConvertible {
    var line: String
    var seconds: Int64
    var nanoseconds: Int32 = 0
    var resolution: Double = 1
    var format: DaytimeFormat
    var statedUTCOffset: Int?

    var testDescription: String { "\"\(self.line)\"" }
}

private let friday: Int64 = 1_620_419_812  // 2021-05-07T20:36:52Z, a Friday

private let recognisedLines: [RecognisedLine] = [
    // ctime / asctime, read in the assumed zone (UTC here)
    RecognisedLine(line: "Fri May  7 20:36:52 2021", seconds: friday, format: .ctime),
    RecognisedLine(line: "Fri May 07 20:36:52 2021", seconds: friday, format: .ctime),
    RecognisedLine(line: "Fri May  7 20:36:52 2021\r\n", seconds: friday, format: .ctime),
    RecognisedLine(line: "Fri May  7 20:36:52 2021\n", seconds: friday, format: .ctime),
    RecognisedLine(line: "  Fri May  7 20:36:52 2021 \r\n", seconds: friday, format: .ctime),
    RecognisedLine(line: "FRI MAY  7 20:36:52 2021", seconds: friday, format: .ctime),
    RecognisedLine(line: "Tue Nov 14 22:13:20 2023", seconds: 1_700_000_000, format: .ctime),
    RecognisedLine(line: "Thu Jan  1 00:00:00 1970", seconds: 0, format: .ctime),
    RecognisedLine(line: "Wed Dec 31 23:59:59 1969", seconds: -1, format: .ctime),
    RecognisedLine(line: "Tue Feb 29 12:00:00 2000", seconds: 951_825_600, format: .ctime),
    RecognisedLine(line: "Fri Dec 31 23:59:59 9999", seconds: 253_402_300_799, format: .ctime),
    RecognisedLine(line: "Sat Dec 31 23:59:60 2016", seconds: 1_483_228_800, format: .ctime),
    // RFC 3339
    RecognisedLine(
        line: "2021-05-07T20:36:52Z",
        seconds: friday,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07t20:36:52z",
        seconds: friday,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07 20:36:52Z",
        seconds: friday,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07T20:36:52.1Z",
        seconds: friday,
        nanoseconds: 100_000_000,
        resolution: 0.1,
        format: .rfc3339(fractionDigits: 1),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07T20:36:52.123Z\r\n",
        seconds: friday,
        nanoseconds: 123_000_000,
        resolution: 0.001,
        format: .rfc3339(fractionDigits: 3),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07T20:36:52.12345Z",
        seconds: friday,
        nanoseconds: 123_450_000,
        resolution: DaytimeFormat.rfc3339(fractionDigits: 5).resolution,
        format: .rfc3339(fractionDigits: 5),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-07T20:36:52.123456789Z",
        seconds: friday,
        nanoseconds: 123_456_789,
        resolution: 1e-9,
        format: .rfc3339(fractionDigits: 9),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "2021-05-08T02:06:52+05:30",
        seconds: friday,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 19_800
    ),
    RecognisedLine(
        line: "2021-05-07T16:36:52.5-04:00",
        seconds: friday,
        nanoseconds: 500_000_000,
        resolution: 0.1,
        format: .rfc3339(fractionDigits: 1),
        statedUTCOffset: -14_400
    ),
    RecognisedLine(
        line: "2021-05-07T20:36:52-00:00",
        seconds: friday,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecognisedLine(line: "1969-12-31T23:59:59Z", seconds: -1, format: .rfc3339(fractionDigits: 0), statedUTCOffset: 0),
    RecognisedLine(
        line: "2016-12-31T23:59:60Z",
        seconds: 1_483_228_800,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecognisedLine(
        line: "0001-01-01T00:00:00Z",
        seconds: -62_135_596_800,
        format: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    // RFC 2822
    RecognisedLine(line: "Fri, 07 May 2021 20:36:52 +0000", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "Fri, 07 May 2021 20:36:52 +0000\r\n", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "07 May 2021 20:36:52 +0000", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "7 May 2021 20:36:52 +0000", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "Fri,7 May 2021 20:36:52 +0000", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "Fri,  07  May  2021  20:36:52  +0000", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(
        line: "Fri, 07 May 2021 15:36:52 -0500",
        seconds: friday,
        format: .rfc2822,
        statedUTCOffset: -18_000
    ),
    RecognisedLine(line: "Sat, 08 May 2021 02:06:52 +0530", seconds: friday, format: .rfc2822, statedUTCOffset: 19_800),
    RecognisedLine(line: "Fri, 07 May 2021 20:36:52 GMT", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "Fri, 07 May 2021 20:36:52 UT", seconds: friday, format: .rfc2822, statedUTCOffset: 0),
    RecognisedLine(line: "Fri, 07 May 2021 16:36:52 EDT", seconds: friday, format: .rfc2822, statedUTCOffset: -14_400),
    RecognisedLine(line: "Fri, 07 May 2021 12:36:52 pst", seconds: friday, format: .rfc2822, statedUTCOffset: -28_800),
    RecognisedLine(
        line: "Fri, 07 May 2021 20:36 +0000",
        seconds: friday - 52,
        resolution: 60,
        format: .rfc2822,
        statedUTCOffset: 0
    ),
]

private let rejectedLines: [String] = [
    // not a line at all
    "", " ", "\r\n", "Fri", "hello, world", "\u{0}\u{0}\u{0}\u{0}\u{0}",
    // ctime with a field missing, too short, or out of range
    "Fri May  7 20:36:52", "Fri May  7 20:36:52 21", "Fri May  7 20:36 2021", "Fri May 7 20:36:52 2021",
    "Fri May   7 20:36:52 2021", "Fri May 32 20:36:52 2021", "Fri May 00 20:36:52 2021",
    "Fri Foo  7 20:36:52 2021", "Fxi May  7 20:36:52 2021", "Sat May  7 20:36:52 2021",
    "Fri May  7 24:00:00 2021", "Fri May  7 20:60:00 2021", "Fri May  7 20:36:60 2021",
    "Fri May  7 2a:36:52 2021", "Fri May  7 20:36:52 2021 extra", "Fri May  7\n20:36:52 2021",
    "Fri May  7 20:36:52 20210", "Mon Feb 29 12:00:00 2021", "Fri May  7 20:36:52 -021",
    // RFC 3339 with a field missing or out of range
    "2021-05-07T20:36Z", "2021-05-07", "2021-5-07T20:36:52Z",
    "2021-05-07T20:36:52.Z", "2021-05-07T20:36:52.1234567890Z", "2021-05-07T20:36:52+24:00",
    "2021-05-07T20:36:52+05:60",
    "2021-02-29T00:00:00Z", "2021-13-01T00:00:00Z", "2021-00-10T00:00:00Z", "2021-04-31T00:00:00Z",
    "2021-05-07T24:00:00Z", "2021-05-07X20:36:52Z", "2021-05-07T20:36:52Z trailing",
    "2021-05-07T20:36:52ZZ", "2021-05-07T20:36:52 Z", "+2021-05-07T20:36:52Z", "20210507T203652Z",
    // RFC 2822 with a field missing or out of range
    "Fri, 07 May 2021 20:36:52", "Fri, 07 May 2021 20:36:52 +000", "Fri, 07 May 2021 20:36:52 0000",
    "Fri, 07 May 2021 20:36:52 A", "Fri, 07 May 2021 20:36:52 XYZ", "Fri, 07 May 2021 20:36:52 +-0500",
    "Fri 07 May 2021 20:36:52 +0000", "Fri, 07 May 21 20:36:52 +0000", "Fri, 00 May 2021 20:36:52 +0000",
    "Fri, 123 May 2021 20:36:52 +0000", "Sat, 07 May 2021 20:36:52 +0000", "Fri, 07 May 2021 20:36:52 +2400",
    "Fri, 07 May 2021 20:36:52 +0000 (UTC)", "Fri,07May 2021 20:36:52 +0000",
]

@Suite("Daytime line parser")
struct DaytimeLineParserTests {
    @Test("reads ctime, RFC 3339 and RFC 2822 lines", arguments: recognisedLines)
    func recognised(_ expected: RecognisedLine) throws {
        let parsed = try #require(DaytimeLineParser.parse(expected.line, assumedTimeZone: .utc))
        #expect(parsed.instant == Instant(seconds: expected.seconds, nanoseconds: expected.nanoseconds))
        #expect(parsed.resolution == expected.resolution)
        #expect(parsed.format == expected.format)
        #expect(parsed.statedUTCOffset == expected.statedUTCOffset)
    }

    @Test("rejects what it does not recognise, and out-of-range fields, with nil", arguments: rejectedLines)
    func rejected(_ line: String) {
        #expect(DaytimeLineParser.parse(line, assumedTimeZone: .utc) == nil)
    }

    @Test("rejects bytes that are not ASCII instead of guessing")
    func nonASCII() {
        let line: [UInt8] = Array("Fri May  7 20:36:52 2021".utf8)
        for index in line.indices {
            var corrupted = line
            corrupted[index] = 0xC3
            #expect(DaytimeLineParser.parse(corrupted, assumedTimeZone: .utc) == nil, "byte \(index)")
        }
    }

    @Test("reads the same from String, [UInt8], a raw buffer and a non-contiguous sequence")
    func entryPoints() {
        let line = "2021-05-07T20:36:52.123+05:30\r\n"
        let expected = DaytimeLineParser.parse(line, assumedTimeZone: .utc)
        #expect(expected != nil)
        #expect(DaytimeLineParser.parse(Array(line.utf8), assumedTimeZone: .utc) == expected)
        #expect(DaytimeLineParser.parse(Array(line.utf8)[0...], assumedTimeZone: .utc) == expected)
        #expect(DaytimeLineParser.parse(line.utf8.lazy.map { $0 }, assumedTimeZone: .utc) == expected)
        Array(line.utf8).withUnsafeBytes { buffer in
            #expect(DaytimeLineParser.parse(buffer, assumedTimeZone: .utc) == expected)
        }
    }

    @Test("lines that state an offset ignore the assumed zone")
    func assumedZoneOnlyForCTime() throws {
        let newYork = try TimeZoneRules(identifier: "America/New_York")
        let rfc3339 = DaytimeLineParser.parse("2021-05-07T20:36:52Z", assumedTimeZone: newYork)
        #expect(rfc3339?.instant == Instant(seconds: friday))
        #expect(rfc3339?.statedUTCOffset == 0)
        let rfc2822 = DaytimeLineParser.parse("Fri, 07 May 2021 20:36:52 +0000", assumedTimeZone: newYork)
        #expect(rfc2822?.instant == Instant(seconds: friday))
    }

    @Test(
        "a ctime line is read in the assumed zone, across daylight-saving changes",
        arguments: [
            ("America/New_York", "Fri May  7 16:36:52 2021", friday),  // EDT, UTC-4
            ("America/New_York", "Sat Jan  1 00:00:00 2022", epochSeconds(2022, 1, 1, 5)),  // EST, UTC-5
            // 02:30 never happens on 2021-03-14 (02:00 EST -> 03:00 EDT): read with EST, so 03:30 EDT.
            ("America/New_York", "Sun Mar 14 02:30:00 2021", epochSeconds(2021, 3, 14, 7, 30)),
            // 01:30 happens twice on 2021-11-07: the first, EDT, is taken.
            ("America/New_York", "Sun Nov  7 01:30:00 2021", epochSeconds(2021, 11, 7, 5, 30)),
            ("Asia/Kolkata", "Sat May  8 02:06:52 2021", friday),  // UTC+05:30
            ("Europe/London", "Fri May  7 21:36:52 2021", friday),  // BST, UTC+1
            ("UTC", "Fri May  7 20:36:52 2021", friday),
        ]
    )
    func ctimeInZone(zone: String, line: String, expected: Int64) throws {
        let rules = try TimeZoneRules(identifier: zone)
        let parsed = try #require(DaytimeLineParser.parse(line, assumedTimeZone: rules))
        #expect(parsed.instant == Instant(seconds: expected))
        #expect(parsed.statedUTCOffset == nil)
        #expect(parsed.format == .ctime)
    }

    @Test("a ctime line written in a zone reads back in that zone, every hour of a year with two changes")
    func ctimeRoundTripInZone() throws {
        let berlin = try TimeZoneRules(identifier: "Europe/Berlin")
        let start = epochSeconds(2021, 1, 1)
        for hour in 0..<(365 * 24) {
            let instant = start + Int64(hour) * 3600 + 1234
            let offset = berlin.period(at: instant).utcOffset
            let line = DaytimeFormat.ctime.line(for: CivilDateTime(Instant(seconds: instant), utcOffset: offset))
            let parsed = DaytimeLineParser.parse(line, assumedTimeZone: berlin)
            // In the repeated hour of October the line is ambiguous, and the earlier reading is taken.
            let ambiguous = instant >= epochSeconds(2021, 10, 31, 1) && instant < epochSeconds(2021, 10, 31, 2)
            #expect(parsed?.instant.seconds == (ambiguous ? instant - 3600 : instant), "\(line)")
        }
    }

    @Test(
        "every line DaytimeFormat writes reads back as its instant, truncated to the format's resolution",
        arguments: [
            DaytimeFormat.ctime, .rfc2822, .rfc3339(fractionDigits: 0), .rfc3339(fractionDigits: 1),
            .rfc3339(fractionDigits: 3), .rfc3339(fractionDigits: 6), .rfc3339(fractionDigits: 9),
        ]
    )
    func roundTrip(_ format: DaytimeFormat) throws {
        let instants: [Instant] = [
            Instant(seconds: 0),
            Instant(seconds: -1, nanoseconds: 999_999_999),
            Instant(seconds: friday, nanoseconds: 123_456_789),
            Instant(seconds: 1_700_000_000, nanoseconds: 1),
            Instant(seconds: epochSeconds(2000, 2, 29, 23, 59, 59), nanoseconds: 500_000_000),
            Instant(seconds: epochSeconds(2024, 12, 31, 23, 59, 59), nanoseconds: 999_999_999),
            Instant(seconds: epochSeconds(2036, 2, 7, 6, 28, 16)),
            Instant(seconds: epochSeconds(1900, 1, 1)),
            Instant(seconds: epochSeconds(9999, 12, 30, 12)),
            Instant(seconds: epochSeconds(1, 1, 1, 12)),
        ]
        // ctime states no offset, so it can only round-trip in the zone it is read in.
        let offsets = format == .ctime ? [0] : [0, 19_800, -18_000, 3600, -34_200, 50_400]
        for instant in instants {
            for offset in offsets {
                let line = format.line(for: CivilDateTime(instant, utcOffset: offset))
                let parsed = try #require(
                    DaytimeLineParser.parse(line, assumedTimeZone: .utc),
                    "\(line) did not parse"
                )
                var unit: Int32 = 1_000_000_000
                if case .rfc3339(let digits) = format {
                    for _ in 0..<digits {
                        unit /= 10
                    }
                }
                let truncated = Instant(seconds: instant.seconds, nanoseconds: instant.nanoseconds / unit * unit)
                #expect(parsed.instant == truncated, "\(line)")
                #expect(parsed.format == format, "\(line)")
                #expect(parsed.resolution == format.resolution, "\(line)")
                #expect(parsed.statedUTCOffset == (format == .ctime ? nil : offset), "\(line)")
            }
        }
    }

    @Test("every prefix of a valid line is rejected, and no prefix crashes the parser")
    func prefixes() {
        let lines = [
            "Fri May  7 20:36:52 2021", "2021-05-07T20:36:52.123456+05:30", "Fri, 07 May 2021 20:36:52 +0000",
        ]
        for line in lines {
            let bytes = Array(line.utf8)
            for n in 0..<bytes.count {
                let prefix = Array(bytes[0..<n])
                let parsed = DaytimeLineParser.parse(prefix, assumedTimeZone: .utc)
                // A date and time cut before its offset is an ISO 8601 local time, which the parser
                // reads by design; every other prefix is rejected.
                if case .iso8601 = parsed?.layout, parsed?.statedUTCOffset == nil { continue }
                #expect(parsed == nil, "\(n) bytes of \(line)")
            }
        }
    }

    @Test("20,000 mutated lines never crash the parser, and whatever it accepts is in range")
    func mutations() {
        var random = SplitMix64(seed: 0x0D47_713E)
        let seeds = [
            "Fri May  7 20:36:52 2021\r\n", "2021-05-07T20:36:52.123456789+05:30\r\n",
            "Fri, 07 May 2021 20:36:52 +0000\r\n", "Sat, 8 May 2021 02:06 EDT\n",
        ].map { Array($0.utf8) }
        let alphabet = Array("0123456789 :-+.,TZtzGMTUESDPCFriMaySat\r\n\u{0}\u{7F}".utf8) + [0xFF, 0xC3]
        for _ in 0..<20_000 {
            var line = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = Int(random.next() % UInt64(line.count + 1))
                let byte = alphabet[Int(random.next() % UInt64(alphabet.count))]
                switch random.next() % 3 {
                case 0 where position < line.count: line[position] = byte
                case 1 where position < line.count: line.remove(at: position)
                default: line.insert(byte, at: position)
                }
            }
            if let parsed = DaytimeLineParser.parse(line, assumedTimeZone: .utc) {
                #expect(parsed.instant.nanoseconds >= 0 && parsed.instant.nanoseconds < 1_000_000_000)
                #expect(parsed.resolution > 0 && parsed.resolution <= 60)
                #expect(abs(parsed.statedUTCOffset ?? 0) < 86_400)
            }
        }
    }
}
