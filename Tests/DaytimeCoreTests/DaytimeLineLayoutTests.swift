import DaytimeCore
import Testing
import _DaytimeTesting

/// The folder of answers recorded from real servers (see its README.md).
private let fixtures: String = {
    let file = #filePath
    let testsDirectory = file[..<file.firstRange(of: "/DaytimeCoreTests/")!.lowerBound]
    return testsDirectory + "/Fixtures/DaytimeAnswers"
}()

/// An answer recorded from a real server, and what it must read as.
struct RecordedAnswer: Sendable, CustomTestStringConvertible {
    /// `UTC/xinetd-daytime-tcp.bin`.
    var file: String
    /// The zone the server ran in, which is also the zone assumed for lines that state none.
    var zone: String
    /// The instant in UTC, as `utc(...)` seconds.
    var seconds: Int64
    var layout: DaytimeLineLayout
    var statedUTCOffset: Int?

    var testDescription: String { self.file }
}

private let recordedAnswers: [RecordedAnswer] = [
    RecordedAnswer(
        file: "UTC/openbsd-inetd-daytime-tcp.bin",
        zone: "UTC",
        seconds: utc(2026, 11, 26, 12, 22, 36),
        layout: .ctime
    ),
    RecordedAnswer(
        file: "UTC/xinetd-daytime-tcp.bin",
        zone: "UTC",
        seconds: utc(2026, 11, 26, 12, 22, 38),
        layout: .xinetd,
        statedUTCOffset: 0
    ),
    RecordedAnswer(
        file: "UTC/nginx-time-local-tcp.bin",
        zone: "UTC",
        seconds: utc(2026, 11, 26, 12, 22, 39),
        layout: .commonLog,
        statedUTCOffset: 0
    ),
    RecordedAnswer(
        file: "UTC/nginx-time-iso8601-tcp.bin",
        zone: "UTC",
        seconds: utc(2026, 11, 26, 12, 22, 40),
        layout: .rfc3339(fractionDigits: 0),
        statedUTCOffset: 0
    ),
    RecordedAnswer(
        file: "UTC/seed-server-tcp.bin",
        zone: "UTC",
        seconds: utc(2026, 11, 26, 12, 22, 42),
        layout: .ctime
    ),
    RecordedAnswer(
        file: "America_New_York/openbsd-inetd-daytime-tcp.bin",
        zone: "America/New_York",
        seconds: utc(2026, 11, 26, 12, 22, 13),
        layout: .ctime
    ),
    RecordedAnswer(
        file: "America_New_York/xinetd-daytime-tcp.bin",
        zone: "America/New_York",
        seconds: utc(2026, 11, 26, 12, 22, 16),
        layout: .xinetd,
        statedUTCOffset: -18_000
    ),
    RecordedAnswer(
        file: "America_New_York/nginx-time-local-tcp.bin",
        zone: "America/New_York",
        seconds: utc(2026, 11, 26, 12, 22, 18),
        layout: .commonLog,
        statedUTCOffset: -18_000
    ),
    RecordedAnswer(
        file: "America_New_York/nginx-time-iso8601-tcp.bin",
        zone: "America/New_York",
        seconds: utc(2026, 11, 26, 12, 22, 20),
        layout: .rfc3339(fractionDigits: 0),
        statedUTCOffset: -18_000
    ),
    RecordedAnswer(
        file: "America_New_York/seed-server-tcp.bin",
        zone: "America/New_York",
        seconds: utc(2026, 11, 26, 12, 22, 21),
        layout: .ctime
    ),
]

/// The recording times in a folder's sources.tsv, by file name.
private func recordingTimes(folder: String) -> [String: Int64] {
    guard let bytes = readBytes(fixtures + "/" + folder + "/sources.tsv") else { return [:] }
    var times: [String: Int64] = [:]
    for row in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where !row.hasPrefix("#") {
        let columns = row.split(separator: "\t")
        guard columns.count >= 2,
            let parsed = DaytimeLineParser.parse(String(columns[1]), assumedTimeZone: .utc)
        else { continue }
        times[String(columns[0])] = parsed.instant.seconds
    }
    return times
}

/// A line in a layout other than this package's own, and what it must read as.
struct OtherLine: Sendable, CustomTestStringConvertible {
    var line: String
    var zone: String = "UTC"
    var seconds: Int64
    var nanoseconds: Int32 = 0
    var resolution: Double = 1
    var layout: DaytimeLineLayout
    var statedUTCOffset: Int?

    var testDescription: String { "\"\(self.line)\" in \(self.zone)" }
}

private let otherLines: [OtherLine] = [
    // NIST: the stated time less the 50 ms advance; the MJD gives the century.
    OtherLine(
        line: "\n60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) *\n",
        seconds: utc(2024, 11, 26, 16, 13, 5),
        nanoseconds: 950_000_000,
        layout: .nist,
        statedUTCOffset: 0
    ),
    OtherLine(
        line: "53604 05-08-22 02:57:53 50 0 0 725.6 UTC(NIST) *",
        seconds: utc(2005, 8, 22, 2, 57, 53) - 1,
        nanoseconds: 274_400_000,
        layout: .nist,
        statedUTCOffset: 0
    ),
    OtherLine(
        line: "60640 24-11-26 16:13:06 00 0 0   0.0 UTC(daytimed) *",
        seconds: utc(2024, 11, 26, 16, 13, 6),
        layout: .nist,
        statedUTCOffset: 0
    ),
    // ISO 8601 forms RFC 3339 does not allow: basic offsets, or none (local time)
    OtherLine(
        line: "2021-05-08T02:06:52+0530",
        seconds: utc(2021, 5, 7, 20, 36, 52),
        layout: .iso8601(fractionDigits: 0),
        statedUTCOffset: 19_800
    ),
    OtherLine(
        line: "2021-05-07T15:36:52.25-0500",
        seconds: utc(2021, 5, 7, 20, 36, 52),
        nanoseconds: 250_000_000,
        resolution: 0.01,
        layout: .iso8601(fractionDigits: 2),
        statedUTCOffset: -18_000
    ),
    OtherLine(
        line: "2021-05-07T22:36:52",
        zone: "Europe/Paris",
        seconds: utc(2021, 5, 7, 20, 36, 52),
        layout: .iso8601(fractionDigits: 0)
    ),
    // date(1): ctime with a zone name, known, or the assumed zone's own abbreviation
    OtherLine(
        line: "Thu Nov 26 12:22:36 UTC 2026",
        seconds: utc(2026, 11, 26, 12, 22, 36),
        layout: .date,
        statedUTCOffset: 0
    ),
    OtherLine(
        line: "Thu Nov 26 07:22:36 EST 2026",
        seconds: utc(2026, 11, 26, 12, 22, 36),
        layout: .date,
        statedUTCOffset: -18_000
    ),
    OtherLine(
        line: "Thu Nov 26 13:22:36 CET 2026",
        zone: "Europe/Paris",
        seconds: utc(2026, 11, 26, 12, 22, 36),
        layout: .date,
        statedUTCOffset: 3600
    ),
    OtherLine(
        line: "Sun Jul 26 14:22:36 CEST 2026",
        zone: "Europe/Paris",
        seconds: utc(2026, 7, 26, 12, 22, 36),
        layout: .date,
        statedUTCOffset: 7200
    ),
    // xinetd in another zone: its abbreviation is the assumed zone's
    OtherLine(
        line: "26 NOV 2026 13:22:38 CET",
        zone: "Europe/Paris",
        seconds: utc(2026, 11, 26, 12, 22, 38),
        layout: .xinetd,
        statedUTCOffset: 3600
    ),
    // RFC 850 and HTTP's IMF-fixdate
    OtherLine(
        line: "Sunday, 06-Nov-94 08:49:37 GMT",
        seconds: utc(1994, 11, 6, 8, 49, 37),
        layout: .rfc850,
        statedUTCOffset: 0
    ),
    OtherLine(
        line: "Thursday, 26-Nov-26 12:22:36 GMT",
        seconds: utc(2026, 11, 26, 12, 22, 36),
        layout: .rfc850,
        statedUTCOffset: 0
    ),
    OtherLine(
        line: "Sun, 06 Nov 1994 08:49:37 GMT",
        seconds: utc(1994, 11, 6, 8, 49, 37),
        layout: .rfc2822,
        statedUTCOffset: 0
    ),
    // Common Log Format
    OtherLine(
        line: "06/Nov/1994:08:49:37 +0530",
        seconds: utc(1994, 11, 6, 3, 19, 37),
        layout: .commonLog,
        statedUTCOffset: 19_800
    ),
    // Unix seconds
    OtherLine(line: "1795695756", seconds: 1_795_695_756, layout: .unixSeconds(fractionDigits: 0), statedUTCOffset: 0),
    OtherLine(
        line: "1795695756.25\r\n",
        seconds: 1_795_695_756,
        nanoseconds: 250_000_000,
        resolution: 0.01,
        layout: .unixSeconds(fractionDigits: 2),
        statedUTCOffset: 0
    ),
    OtherLine(line: "100000000", seconds: 100_000_000, layout: .unixSeconds(fractionDigits: 0), statedUTCOffset: 0),
]

private let malformedLines: [String] = [
    // NIST: MJD that disagrees with the date, missing fields, bad label or advance
    "60641 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) *",
    "60640 24-11-26 16:13:06 00 0  50.0 UTC(NIST) *",
    "60640 24-11-26 16:13:06 00 0 0  50 UTC(NIST) *",
    "60640 24-11-26 16:13:06 00 0 0  50.0 *",
    "60640 24-11-26 16:13:06 00 0 0  50.0  *",
    "60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) x",
    "60640 24-11-26 25:13:06 00 0 0  50.0 UTC(NIST) *",
    // date(1) with a name that is neither known nor the assumed zone's
    "Thu Nov 26 12:22:36 IST 2026", "Thu Nov 26 12:22:36 CET 2026", "Thu Nov 26 12:22:36 UTC2026",
    // xinetd with an unknown zone, or a bad month
    "26 NOV 2026 12:22:38 XYZ", "26 NOX 2026 12:22:38 UTC", "32 NOV 2026 12:22:38 UTC",
    // RFC 850 with a wrong weekday, a 4-digit year, or a misspelt day name
    "Monday, 06-Nov-94 08:49:37 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sunxay, 06-Nov-94 08:49:37 GMT",
    // Common Log Format without its zone, or with a bad one
    "06/Nov/1994:08:49:37", "06/Nov/1994:08:49:37 +05:30", "6/Nov/1994:08:49:37 +0000",
    // Unix seconds beyond year 9999, with an empty or overlong fraction, or two points
    "253402300800", "1795695756.", "1795695756.1234567890", "1795695756.1.2", "-1795695756",
    // ISO 8601 offsets out of range or cut short
    "2021-05-07T20:36:52+05", "2021-05-07T20:36:52+2400", "2021-05-07T20:36:52+053", "2021-05-07T20:36:52+",
    "2021-05-07T20:36:52+05:3",
    // too few digits to be a time rather than a year or a line cut short
    "2021", "0", "99999999",
]

@Suite("Daytime lines from other servers")
struct DaytimeLineLayoutTests {
    @Test("answers recorded from real servers read as the time they were recorded", arguments: recordedAnswers)
    func recorded(_ answer: RecordedAnswer) throws {
        let bytes = try #require(readBytes(fixtures + "/" + answer.file), "missing fixture \(answer.file)")
        let parsed = try #require(DaytimeLineParser.parse(bytes, assumedTimeZone: zone(answer.zone)))
        #expect(parsed.instant == Instant(seconds: answer.seconds))
        #expect(parsed.layout == answer.layout)
        #expect(parsed.statedUTCOffset == answer.statedUTCOffset)
        #expect(parsed.resolution == 1)
        // The recording script noted the time it asked: the answer is at most 2 s before it (the
        // note is written after the answer arrives, and both are whole seconds).
        let folder = String(answer.file[..<answer.file.firstIndex(of: "/")!])
        let name = String(answer.file[answer.file.index(after: answer.file.firstIndex(of: "/")!)...])
        let recordedAt = try #require(recordingTimes(folder: folder)[name])
        #expect((0...2).contains(recordedAt - answer.seconds), "recorded at \(recordedAt)")
    }

    @Test(
        "openbsd-inetd's RFC 868 answers decode to the time they were recorded",
        arguments: ["UTC", "America_New_York"]
    )
    func recordedTime(folder: String) throws {
        let bytes = try #require(readBytes(fixtures + "/" + folder + "/openbsd-inetd-time-tcp.bin"))
        let recordedAt = try #require(recordingTimes(folder: folder)["openbsd-inetd-time-tcp.bin"])
        let value = try #require(TimeProtocolValue(bigEndianBytes: bytes))
        let instant = value.instant(eraRule: .nearest(to: Instant(seconds: recordedAt)))
        #expect((0...2).contains(recordedAt - instant.seconds), "\(instant) recorded at \(recordedAt)")
        // The same bytes read in the next era, 2^32 s later, when the local clock is there.
        let later = value.instant(eraRule: .nearest(to: Instant(seconds: recordedAt + TimeProtocolValue.eraLength)))
        #expect(later.seconds == instant.seconds + TimeProtocolValue.eraLength)
    }

    @Test("reads NIST, date(1), xinetd, RFC 850, Common Log and Unix-seconds lines", arguments: otherLines)
    func other(_ expected: OtherLine) throws {
        let parsed = try #require(DaytimeLineParser.parse(expected.line, assumedTimeZone: zone(expected.zone)))
        #expect(parsed.instant == Instant(seconds: expected.seconds, nanoseconds: expected.nanoseconds))
        #expect(parsed.layout == expected.layout)
        #expect(parsed.resolution == expected.resolution)
        #expect(parsed.statedUTCOffset == expected.statedUTCOffset)
        #expect((parsed.nist != nil) == (expected.layout == .nist))
    }

    @Test("a NIST line's other fields: health, leap-second warning, advance and label")
    func nistStatus() throws {
        let parsed = try #require(
            DaytimeLineParser.parse("60640 24-11-26 16:13:06 50 1 2 909.7 UTC(NIST) #", assumedTimeZone: .utc)
        )
        let status = try #require(parsed.nist)
        #expect(status.modifiedJulianDay == 60_640)
        #expect(status.daylightSavingCode == 50)
        #expect(status.leapSecondWarning == 1)
        #expect(status.health == 2)
        #expect(!status.isHealthy)
        #expect(abs(status.advance - 0.9097) < 1e-12)
        #expect(status.label == "UTC(NIST)")
    }

    @Test("rejects malformed lines of these layouts with nil", arguments: malformedLines)
    func malformed(_ line: String) {
        #expect(DaytimeLineParser.parse(line, assumedTimeZone: .utc) == nil)
    }

    @Test("20,000 mutations of these layouts never crash the parser, and whatever it accepts is in range")
    func mutations() {
        var random = SplitMix64(seed: 0x6A1E_0006)
        let seeds = [
            "\n60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) *\n", "26 NOV 2026 12:22:38 UTC\r\n",
            "26/Nov/2026:07:22:18 -0500\r\n", "Thursday, 26-Nov-26 12:22:36 GMT", "Thu Nov 26 12:22:36 UTC 2026",
            "1795695756.25\r\n",
        ].map { Array($0.utf8) }
        let alphabet = Array("0123456789 :-+./,()*#TUCNISGMovThursday\r\n\u{0}".utf8) + [0xFF]
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
                #expect((parsed.nist != nil) == (parsed.layout == .nist))
            }
        }
    }

    @Test(
        "every NIST line daytimed writes reads back as the clock reading it was stamped from",
        arguments: [0.0, 50, 999.9]
    )
    func nistRoundTrip(advance: Double) throws {
        var random = SplitMix64(seed: 0x4E15_7006)
        for label in ["UTC(daytimed)", "UTC(NIST)", "ACME-1"] {
            let options = try NISTFormatOptions(label: label, advanceMilliseconds: advance)
            var renderer = DaytimeLineRenderer(format: .nist(options), timeZone: .utc)
            for _ in 0..<300 {
                let now = Instant(
                    seconds: Int64(random.next() % UInt64(utc(2131, 1, 1))),
                    nanoseconds: Int32(random.next() % 1_000_000_000)
                )
                let line = renderedLine(&renderer, now)
                let parsed = try #require(
                    DaytimeLineParser.parse(line, assumedTimeZone: .utc),
                    "\(line.debugDescription)"
                )
                #expect(parsed.layout == .nist)
                #expect(parsed.nist?.label == label)
                #expect(
                    parsed.nist?.modifiedJulianDay == NISTFormat.modifiedJulianDate(now.advanced(by: advance / 1000))
                )
                // The line truncates (clock + advance) to the second; taking the advance off again
                // gives an instant at most one second (the resolution) before the clock reading.
                let lag = now.seconds(since: parsed.instant)
                #expect(lag >= -1e-6 && lag < parsed.resolution + 1e-6, "\(line.debugDescription) for \(now)")
            }
        }
    }
}
