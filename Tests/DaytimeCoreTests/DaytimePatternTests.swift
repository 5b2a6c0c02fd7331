import DaytimeCore
import Testing
import _DaytimeTesting

private func line(_ pattern: String, _ instant: Instant, utcOffset: Int = 0) throws -> String {
    let format = try DaytimeFormat.parse(pattern)
    return format.line(for: CivilDateTime(instant, utcOffset: utcOffset))
}

@Suite("Custom formats (strftime-style patterns)")
struct DaytimePatternTests {
    // Friday 2021-05-07 20:36:52.123456789 UTC, the formats' usual example.
    private let example = Instant(seconds: 1_620_419_812, nanoseconds: 123_456_789)

    @Test(
        "Each field",
        arguments: [
            ("%Y %y %C", "2021 21 20"), ("%m %d %e %j", "05 07  7 127"), ("%H %I %p %M %S", "20 08 PM 36 52"),
            ("%a %A %b %B", "Fri Friday May May"), ("%u %w", "5 5"), ("%z %:z", "+0000 +00:00"),
            ("%s", "1620419812"), ("%J", "59341"), ("%N|%1N|%3N|%6N|%9N", "123456789|1|123|123456|123456789"),
            ("%F %T", "2021-05-07 20:36:52"), ("%R", "20:36"), ("100%% at %T", "100% at 20:36:52"),
            ("<%Y>", "<2021>"),
        ]
    )
    func fields(pattern: String, expected: String) throws {
        #expect(try line(pattern, self.example) == expected + "\r\n")
    }

    @Test("Fields agree with glibc's strftime in a zone with a half-hour offset")
    func againstStrftime() throws {
        let rules = try zone("Asia/Kolkata")
        var random = SplitMix64(seed: 11)
        for index in 0..<200 {
            let pattern = index % 2 == 0 ? "%a %A %b %B %d %e %j %H" : "%I %p %M %S %u %w %y %C %z %s"
            let seconds = Int64(random.next() % UInt64(utc(2099, 1, 1)))
            let offset = rules.period(at: seconds).utcOffset
            let ours = try line(pattern, Instant(seconds: seconds), utcOffset: offset)
            let theirs = try #require(
                runProgram("/usr/bin/env", ["TZ=Asia/Kolkata", "date", "-d", "@\(seconds)", "+\(pattern)"])
            )
            #expect(ours == theirs.dropLast() + "\r\n", "\(seconds)")
        }
    }

    @Test("Offsets west and with minutes; AM at midnight and noon as PM 12")
    func offsetsAndClock() throws {
        #expect(try line("%z %:z", self.example, utcOffset: -(3 * 3600 + 30 * 60)) == "-0330 -03:30\r\n")
        #expect(try line("%I %p", Instant(seconds: 0)) == "12 AM\r\n")
        #expect(try line("%I %p", Instant(seconds: 12 * 3600)) == "12 PM\r\n")
        #expect(try line("%s", Instant(seconds: -1)) == "-1\r\n")
    }

    @Test(
        "Unknown fields are errors that name them",
        arguments: [("%Q", "%Q"), ("%F %5Q", "%5Q"), ("%:y", "%:y"), ("%0N", "%0"), ("%3", "%3")]
    )
    func unknownField(pattern: String, named: String) {
        do {
            _ = try DaytimeFormat.parse(pattern)
            Issue.record("accepted \(pattern)")
        } catch {
            #expect(error.message.contains("unknown field \(named)"), "\(error.message)")
            #expect(error.message.contains("'\(pattern)'"))
        }
    }

    @Test("A lone %, non-ASCII, and lines that could overflow the buffer are refused")
    func refused() throws {
        #expect(throws: DaytimeFormatError.self) { try DaytimeFormat.parse("%T %") }
        #expect(throws: DaytimeFormatError.self) { try DaytimeFormat.parse("%T → %F") }
        // 5 × %B (9) + 5 spaces + %s (12) = 62, + CR LF = 64: fits exactly.
        let fits = try DaytimePattern("%B %B %B %B %B %s")
        #expect(fits.maximumLineLength == 64)
        do {
            _ = try DaytimePattern("%B %B %B %B %B %s.%1N")
            Issue.record("accepted a pattern longer than the buffer")
        } catch {
            #expect(error.message.contains("66 bytes"))
        }
        #expect(throws: DaytimeFormatError.self) { try DaytimeFormat.parse("rfc9999") }
    }

    @Test("Longest-case lines really fit: every weekday and month, the largest years")
    func longestFits() throws {
        let pattern = try DaytimePattern("%A %B %s %J")
        let format = DaytimeFormat.pattern(pattern)
        for days in stride(from: -719_528, through: 2_932_896, by: 997) {
            let text = format.line(for: CivilDateTime(Instant(seconds: Int64(days) * 86_400)))
            #expect(text.utf8.count <= pattern.maximumLineLength)
        }
    }

    @Test("Patterns with a fraction are not cached per second; others are")
    func caching() throws {
        #expect(try DaytimeFormat.parse("%T.%3N").showsFractionOfSecond)
        #expect(try DaytimeFormat.parse("%T.%3N").resolution == 0.001)
        #expect(try !DaytimeFormat.parse("%T").showsFractionOfSecond)
        var renderer = DaytimeLineRenderer(format: try DaytimeFormat.parse("%T.%3N"), timeZone: .utc)
        #expect(renderedLine(&renderer, Instant(seconds: 5, nanoseconds: 1_000_000)) == "00:00:05.001\r\n")
        #expect(renderedLine(&renderer, Instant(seconds: 5, nanoseconds: 2_000_000)) == "00:00:05.002\r\n")
        #expect(try DaytimeFormat.parse("%T").name == "%T")
    }
}
