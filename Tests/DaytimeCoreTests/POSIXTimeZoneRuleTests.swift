import Testing

@testable import DaytimeCore

/// The zone of a POSIX TZ rule; the test that asks fails if it does not parse.
private func rule(_ text: String) throws -> TimeZoneRules {
    let rules = Result { try TimeZoneRules(posixRule: text) }
    return try #require(try? rules.get(), "rule \(text) does not parse: \(rules)")
}

/// The instants in `year` (UTC) at which the offset changes, in order.
private func changes(_ rules: TimeZoneRules, in year: Int) -> [Int64] {
    var result: [Int64] = []
    var period = rules.period(at: utc(year, 1, 1))
    while period.end < utc(year + 1, 1, 1) {
        result.append(period.end)
        period = rules.period(at: period.end)
    }
    return result
}

@Suite("POSIX TZ rules")
struct POSIXTimeZoneRuleTests {
    @Test("EST5EDT,M3.2.0,M11.1.0: the second Sunday in March to the first in November, at 02:00 local")
    func unitedStates() throws {
        let rules = try rule("EST5EDT,M3.2.0,M11.1.0")
        #expect(rules.identifier == "EST5EDT,M3.2.0,M11.1.0")
        #expect(changes(rules, in: 2026) == [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6)])
        #expect(changes(rules, in: 2100) == [utc(2100, 3, 14, 7), utc(2100, 11, 7, 6)])
        let summer = rules.period(at: utc(2026, 7, 1))
        #expect(
            summer
                == UTCOffsetPeriod(
                    utcOffset: -14_400,
                    isDaylightSaving: true,
                    abbreviation: "EDT",
                    start: utc(2026, 3, 8, 7),
                    end: utc(2026, 11, 1, 6)
                )
        )
        let winter = rules.period(at: utc(2026, 12, 25))
        #expect(winter.utcOffset == -18_000)
        #expect(winter.abbreviation == "EST")
        #expect(winter.start == utc(2026, 11, 1, 6))
        #expect(winter.end == utc(2027, 3, 14, 7))
    }

    @Test("A daylight-saving name without dates gets the US rules, as in glibc")
    func defaultDates() throws {
        #expect(changes(try rule("EST5EDT"), in: 2026) == [utc(2026, 3, 8, 7), utc(2026, 11, 1, 6)])
        #expect(changes(try rule("CST6CDT"), in: 2026) == [utc(2026, 3, 8, 8), utc(2026, 11, 1, 7)])
    }

    @Test("GMT0BST,M3.5.0/1,M10.5.0: the last Sundays of March and October, at 01:00 UTC")
    func unitedKingdom() throws {
        #expect(changes(try rule("GMT0BST,M3.5.0/1,M10.5.0"), in: 2026) == [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)])
        // March 2020 had five Sundays; the fifth is the last.
        #expect(changes(try rule("GMT0BST,M3.5.0/1,M10.5.0"), in: 2020) == [utc(2020, 3, 29, 1), utc(2020, 10, 25, 1)])
    }

    @Test("Southern hemisphere with a 30-minute shift: <+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
    func lordHowe() throws {
        let rules = try rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
        #expect(changes(rules, in: 2026) == [utc(2026, 4, 4, 15), utc(2026, 10, 3, 15, 30)])
        let summer = rules.period(at: utc(2026, 1, 1))
        #expect(summer.utcOffset == 39_600)
        #expect(summer.isDaylightSaving)
        #expect(summer.abbreviation == "+11")
        #expect(summer.start == utc(2025, 10, 4, 15, 30))
        #expect(summer.end == utc(2026, 4, 4, 15))
        let winter = rules.period(at: utc(2026, 7, 1))
        #expect(winter.utcOffset == 37_800)
        #expect(winter.abbreviation == "+1030")
    }

    @Test("IST-5:30 is a fixed offset east of UTC, unbounded", arguments: ["IST-5:30", "IST-05:30:00", "<+0530>-5:30"])
    func fixedOffset(text: String) throws {
        let period = try rule(text).period(at: utc(2026, 1, 1))
        #expect(period.utcOffset == 19_800)
        #expect(!period.isDaylightSaving)
        #expect(period.start == .min)
        #expect(period.end == .max)
    }

    @Test("Offsets are west-positive; a + sign and seconds are allowed")
    func offsetSigns() throws {
        #expect(try rule("EST+5").period(at: 0).utcOffset == -18_000)
        #expect(try rule("ABC-1:02:03").period(at: 0).utcOffset == 3723)
        #expect(try rule("<-01>1").period(at: 0).abbreviation == "-01")
        #expect(try rule("UTC0").period(at: 0).utcOffset == 0)
    }

    @Test("An explicit daylight-saving offset replaces the default of one hour ahead")
    func explicitDaylightOffset() throws {
        // Antarctica/Troll: two hours of daylight saving.
        let rules = try rule("<+00>0<+02>-2,M3.5.0/1,M10.5.0/3")
        #expect(rules.period(at: utc(2026, 7, 1)).utcOffset == 7200)
        #expect(rules.period(at: utc(2026, 1, 1)).utcOffset == 0)
        #expect(changes(rules, in: 2026) == [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)])
    }

    @Test("Jn counts days 1...365 and never February 29; n counts from 0 and includes it")
    func julianDays() throws {
        // J60 is March 1 in every year; day 59 is February 29 in leap years, March 1 otherwise.
        #expect(changes(try rule("AAA0BBB,J60/0,J300/0"), in: 2024).first == utc(2024, 3, 1))
        #expect(changes(try rule("AAA0BBB,J60/0,J300/0"), in: 2023).first == utc(2023, 3, 1))
        #expect(changes(try rule("AAA0BBB,59/0,300/0"), in: 2024).first == utc(2024, 2, 29))
        #expect(changes(try rule("AAA0BBB,59/0,300/0"), in: 2023).first == utc(2023, 3, 1))
        // J365/0 in daylight-saving time (UTC+1) is December 30, 23:00 UTC.
        #expect(changes(try rule("AAA0BBB,J1/0,J365/0"), in: 2023) == [utc(2023, 12, 30, 23)])
    }

    @Test("Rule times may pass 24:00 (Jerusalem, M3.4.4/26) or be negative (Nuuk, M3.5.0/-1)")
    func extendedTimes() throws {
        // Thursday of the 4th week of March 2026 is March 26; 26:00 IST is March 27 00:00 UTC.
        #expect(changes(try rule("IST-2IDT,M3.4.4/26,M10.5.0"), in: 2026) == [utc(2026, 3, 27), utc(2026, 10, 24, 23)])
        // Sunday March 29 minus one hour is Saturday 23:00 at -02, 01:00 UTC.
        #expect(
            changes(try rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0"), in: 2026) == [
                utc(2026, 3, 29, 1), utc(2026, 10, 25, 1),
            ]
        )
        // Santiago: Saturday 24:00, i.e. Sunday 00:00 (zdump -v -c 2026,2027 America/Santiago).
        #expect(
            changes(try rule("<-04>4<-03>,M9.1.6/24,M4.1.6/24"), in: 2026) == [utc(2026, 4, 5, 3), utc(2026, 9, 6, 4)]
        )
        #expect(changes(try rule("AAA0BBB,J100/167,J200/-167"), in: 2026).count == 2)
    }

    @Test("Winter as negative daylight saving: IST-1GMT0,M10.5.0,M3.5.0/1 (Europe/Dublin)")
    func negativeDaylightSaving() throws {
        let rules = try rule("IST-1GMT0,M10.5.0,M3.5.0/1")
        let winter = rules.period(at: utc(2026, 1, 1))
        #expect(winter.utcOffset == 0)
        #expect(winter.isDaylightSaving)
        #expect(winter.abbreviation == "GMT")
        let summer = rules.period(at: utc(2026, 7, 1))
        #expect(summer.utcOffset == 3600)
        #expect(!summer.isDaylightSaving)
        #expect(changes(rules, in: 2026) == [utc(2026, 3, 29, 1), utc(2026, 10, 25, 1)])
    }

    @Test("Daylight saving all year (RFC 8536 §3.3.1): EST5EDT4,0/0,J365/25 never changes")
    func allYearDaylightSaving() throws {
        let rules = try rule("EST5EDT4,0/0,J365/25")
        for seconds in [utc(2026, 1, 1), utc(2026, 6, 30), utc(2026, 12, 31, 23, 59, 59), utc(2100, 1, 1, 4, 59, 59)] {
            let period = rules.period(at: seconds)
            #expect(period.utcOffset == -14_400)
            #expect(period.isDaylightSaving)
            #expect(period.start == .min)
            #expect(period.end == .max)
        }
    }

    @Test("Periods are contiguous and cover every instant, far from 1970 too")
    func contiguous() throws {
        let rules = try rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0")
        for start in [utc(1, 1, 1), utc(1969, 12, 1), utc(2037, 12, 1), utc(9999, 1, 1)] {
            var period = rules.period(at: start)
            for _ in 0..<10 {
                let next = rules.period(at: period.end)
                #expect(next.start == period.end)
                #expect(next.utcOffset != period.utcOffset)
                period = next
            }
        }
        // Instants far beyond any calendar still give a period that contains them.
        for seconds in [Int64.min, Int64.min + 1, Int64.max, Int64.max - 1, 1 << 60, -(1 << 60)] {
            let period = rules.period(at: seconds)
            #expect(period.start <= seconds && seconds < period.end || seconds == .max && period.end == .max)
        }
    }

    @Test(
        "Malformed rules are rejected with the place they go wrong",
        arguments: [
            ("", "expected a standard-time name of at least three letters at character 1"),
            ("EST", "expected the hours (0...24) of the standard-time offset at character 4"),
            ("ES5", "expected a standard-time name of at least three letters at character 1"),
            ("EST25", "expected the hours (0...24) of the standard-time offset at character 4"),
            ("EST5:60", "expected the minutes (00...59) of the standard-time offset at character 6"),
            ("<+05", "expected \">\" closing the standard-time name at character 5"),
            ("EST5EDT,M3.2.0", "expected \",\" before the end rule at character 15"),
            ("EST5EDT,M13.2.0,M11.1.0", "expected a month (1...12) in the start rule at character 10"),
            ("EST5EDT,M3.6.0,M11.1.0", "expected a week (1...5) in the start rule at character 12"),
            ("EST5EDT,M3.2.7,M11.1.0", "expected a weekday (0...6) in the start rule at character 14"),
            ("EST5EDT,J0,M11.1.0", "expected a Julian day (1...365) in the start rule at character 10"),
            ("EST5EDT,366,M11.1.0", "expected a day (J1...J365, 0...365 or Mm.w.d) in the start rule at character 9"),
            (
                "EST5EDT,M3.2.0/168,M11.1.0",
                "expected the hours (0...167) of the time of the start rule at character 16"
            ),
            ("EST5EDT,M3.2.0,M11.1.0x", "unexpected text after the end rule at character 23"),
            ("EST5ED", "expected a daylight-saving name of at least three letters at character 5"),
        ]
    )
    func malformed(text: String, reason: String) {
        let error = #expect(throws: TimeZoneError.self) { try TimeZoneRules(posixRule: text) }
        #expect(error?.code == .invalidRule)
        #expect(
            error?.message
                == "invalid POSIX TZ rule \"\(text)\": \(reason); expected a rule such as EST5EDT,M3.2.0,M11.1.0 "
                + "or <+0530>-5:30, or a zone name such as Europe/London"
        )
    }
}
