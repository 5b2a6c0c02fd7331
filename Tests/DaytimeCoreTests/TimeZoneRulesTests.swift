import DaytimeTestSupport
import Foundation
import Testing

@testable import DaytimeCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A change of offset: the instant it happens, and the period before and after it.
private struct ZoneTransition: Sendable, CustomTestStringConvertible {
    var zone: String
    var instant: Int64
    var before: (offset: Int, isDST: Bool, abbreviation: String)
    var after: (offset: Int, isDST: Bool, abbreviation: String)

    var testDescription: String {
        "\(self.zone) at \(text(.rfc3339(fractionDigits: 0), self.instant)): "
            + "\(self.before.abbreviation) -> \(self.after.abbreviation)"
    }
}

// Each transition was read off the output of `zdump -v -c 2026,2027 ZONE` and
// `zdump -v -c 2100,2101 ZONE` (tzdata 2025b): the "UT" column of the pair of lines around it.
// The 2100 ones lie beyond the transitions stored in the files (which end in 2037), so they
// exercise the POSIX rule at the end of each file.
private let transitions: [ZoneTransition] = [
    // America/New_York: EST5EDT,M3.2.0,M11.1.0
    ZoneTransition(
        zone: "America/New_York",
        instant: utc(2026, 3, 8, 7),
        before: (-18_000, false, "EST"),
        after: (-14_400, true, "EDT")
    ),
    ZoneTransition(
        zone: "America/New_York",
        instant: utc(2026, 11, 1, 6),
        before: (-14_400, true, "EDT"),
        after: (-18_000, false, "EST")
    ),
    ZoneTransition(
        zone: "America/New_York",
        instant: utc(2100, 3, 14, 7),
        before: (-18_000, false, "EST"),
        after: (-14_400, true, "EDT")
    ),
    ZoneTransition(
        zone: "America/New_York",
        instant: utc(2100, 11, 7, 6),
        before: (-14_400, true, "EDT"),
        after: (-18_000, false, "EST")
    ),
    // Europe/London: GMT0BST,M3.5.0/1,M10.5.0
    ZoneTransition(
        zone: "Europe/London",
        instant: utc(2026, 3, 29, 1),
        before: (0, false, "GMT"),
        after: (3600, true, "BST")
    ),
    ZoneTransition(
        zone: "Europe/London",
        instant: utc(2026, 10, 25, 1),
        before: (3600, true, "BST"),
        after: (0, false, "GMT")
    ),
    ZoneTransition(
        zone: "Europe/London",
        instant: utc(2100, 3, 28, 1),
        before: (0, false, "GMT"),
        after: (3600, true, "BST")
    ),
    ZoneTransition(
        zone: "Europe/London",
        instant: utc(2100, 10, 31, 1),
        before: (3600, true, "BST"),
        after: (0, false, "GMT")
    ),
    // Australia/Lord_Howe: <+1030>-10:30<+11>-11,M10.1.0,M4.1.0 -- daylight saving of 30 minutes,
    // in the southern summer.
    ZoneTransition(
        zone: "Australia/Lord_Howe",
        instant: utc(2026, 4, 4, 15),
        before: (39_600, true, "+11"),
        after: (37_800, false, "+1030")
    ),
    ZoneTransition(
        zone: "Australia/Lord_Howe",
        instant: utc(2026, 10, 3, 15, 30),
        before: (37_800, false, "+1030"),
        after: (39_600, true, "+11")
    ),
    ZoneTransition(
        zone: "Australia/Lord_Howe",
        instant: utc(2100, 4, 3, 15),
        before: (39_600, true, "+11"),
        after: (37_800, false, "+1030")
    ),
    ZoneTransition(
        zone: "Australia/Lord_Howe",
        instant: utc(2100, 10, 2, 15, 30),
        before: (37_800, false, "+1030"),
        after: (39_600, true, "+11")
    ),
    // Europe/Dublin: IST-1GMT0,M10.5.0,M3.5.0/1 -- Irish Standard Time in summer, and winter GMT
    // as "negative daylight saving" (isdst=1).
    ZoneTransition(
        zone: "Europe/Dublin",
        instant: utc(2026, 3, 29, 1),
        before: (0, true, "GMT"),
        after: (3600, false, "IST")
    ),
    ZoneTransition(
        zone: "Europe/Dublin",
        instant: utc(2100, 10, 31, 1),
        before: (3600, false, "IST"),
        after: (0, true, "GMT")
    ),
    // Asia/Jerusalem: IST-2IDT,M3.4.4/26,M10.5.0 -- a rule time past 24:00 (Thursday 26:00 = Friday 02:00).
    ZoneTransition(
        zone: "Asia/Jerusalem",
        instant: utc(2026, 3, 27, 0),
        before: (7200, false, "IST"),
        after: (10_800, true, "IDT")
    ),
    // America/Nuuk: <-02>2<-01>,M3.5.0/-1,M10.5.0/0 -- a negative rule time (Saturday 23:00).
    ZoneTransition(
        zone: "America/Nuuk",
        instant: utc(2026, 3, 29, 1),
        before: (-7200, false, "-02"),
        after: (-3600, true, "-01")
    ),
    ZoneTransition(
        zone: "America/Nuuk",
        instant: utc(2026, 10, 25, 1),
        before: (-3600, true, "-01"),
        after: (-7200, false, "-02")
    ),
]

@Suite("TimeZoneRules against the system's tz database")
struct TimeZoneRulesTests {
    @Test("Offsets change at the instants zdump reports", arguments: transitions)
    fileprivate func transition(_ t: ZoneTransition) throws {
        let rules = try zone(t.zone)
        let before = rules.period(at: t.instant - 1)
        let after = rules.period(at: t.instant)
        #expect(before.utcOffset == t.before.offset)
        #expect(before.isDaylightSaving == t.before.isDST)
        #expect(before.abbreviation == t.before.abbreviation)
        #expect(before.end == t.instant)
        #expect(after.utcOffset == t.after.offset)
        #expect(after.isDaylightSaving == t.after.isDST)
        #expect(after.abbreviation == t.after.abbreviation)
        #expect(after.start == t.instant)
        // The whole stretch up to the next transition reports the same period.
        #expect(rules.period(at: after.end - 1) == after)
        #expect(rules.period(at: (after.start + after.end) / 2) == after)
    }

    @Test(
        "A period ends where the next begins, through 2026 and 2100",
        arguments: ["America/New_York", "Europe/London", "Australia/Lord_Howe"]
    )
    func periodsAreContiguous(identifier: String) throws {
        let rules = try zone(identifier)
        for year in [2026, 2100] {
            var period = rules.period(at: utc(year, 1, 1))
            var count = 0
            while period.end < utc(year + 1, 1, 1) {
                let next = rules.period(at: period.end)
                #expect(next.start == period.end)
                #expect(next.utcOffset != period.utcOffset)
                period = next
                count += 1
            }
            #expect(count == 2)
        }
    }

    @Test("Asia/Kolkata is +05:30 all year, with no daylight saving, now and in 2100")
    func kolkata() throws {
        let rules = try zone("Asia/Kolkata")
        for seconds in [utc(2026, 1, 15), utc(2026, 7, 15), utc(2100, 1, 1), utc(2100, 7, 1)] {
            let period = rules.period(at: seconds)
            #expect(period.utcOffset == 19_800)
            #expect(!period.isDaylightSaving)
            #expect(period.abbreviation == "IST")
            #expect(period.end == .max)
        }
        // The last change: from +0630 (war time) back to IST in 1945 (zdump -v Asia/Kolkata).
        #expect(rules.period(at: utc(2026, 1, 1)).start == utc(1945, 10, 14, 17, 30))
        #expect(
            text(.rfc3339(fractionDigits: 0), utc(2026, 5, 1, 12), utcOffset: 19_800) == "2026-05-01T17:30:00+05:30"
        )
    }

    @Test("Australia/Lord_Howe is +10:30 in winter and +11:00 in summer")
    func lordHowe() throws {
        let rules = try zone("Australia/Lord_Howe")
        #expect(rules.period(at: utc(2026, 7, 1)).utcOffset == 37_800)
        #expect(rules.period(at: utc(2026, 1, 1)).utcOffset == 39_600)
        #expect(rules.period(at: utc(2100, 7, 1)).utcOffset == 37_800)
        #expect(rules.period(at: utc(2100, 1, 1)).utcOffset == 39_600)
    }

    @Test("Before 1883 New York kept local mean time, -4:56:02 (a 64-bit TZif transition)")
    func localMeanTime() throws {
        let period = try zone("America/New_York").period(at: utc(1850, 1, 1))
        #expect(period.utcOffset == -17_762)
        #expect(period.abbreviation == "LMT")
        #expect(period.start == .min)
        #expect(period.end == utc(1883, 11, 18, 17, 0, 0))
    }

    @Test("UTC, GMT and Z need no file; UTC never changes")
    func utcNames() throws {
        for name in ["UTC", "GMT", "Z"] {
            #expect(try TimeZoneRules(identifier: name, directory: "/nonexistent") == .utc)
        }
        let period = TimeZoneRules.utc.period(at: 1_000_000_000)
        #expect(
            period
                == UTCOffsetPeriod(utcOffset: 0, isDaylightSaving: false, abbreviation: "UTC", start: .min, end: .max)
        )
        #expect(TimeZoneRules.utc.identifier == "UTC")
        #expect(try zone("Etc/UTC").period(at: 0).utcOffset == 0)
    }

    @Test("Zones compare by their data and identifier")
    func equality() throws {
        #expect(try zone("Europe/London") == zone("Europe/London"))
        #expect(try zone("Europe/London") != zone("Europe/Dublin"))
        #expect(try zone("Europe/London").identifier == "Europe/London")
    }

    @Test("An unknown zone's error says which file is missing and what to use instead")
    func unknownZone() {
        let error = #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(identifier: "Mars/Olympus", directory: "/usr/share/zoneinfo")
        }
        #expect(error?.code == .unknownZone)
        #expect(
            error?.description
                == "unknown time zone \"Mars/Olympus\": no file /usr/share/zoneinfo/Mars/Olympus; use an IANA name "
                + "such as America/New_York or Europe/London (list: /usr/share/zoneinfo), or UTC"
        )
    }

    @Test("init(identifier:) looks in $TZDIR, or /usr/share/zoneinfo")
    func defaultDirectory() {
        let error = #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: "Mars/Olympus") }
        #expect(error?.message.contains("no file \(TimeZoneRules.zoneInfoDirectory)/Mars/Olympus;") == true)
        if getenv("TZDIR") == nil {
            #expect(TimeZoneRules.zoneInfoDirectory == "/usr/share/zoneinfo")
        }
    }

    @Test(
        "Names that could leave the zone directory are rejected",
        arguments: [
            "../../../etc/passwd", "/etc/passwd", "America/../../etc/passwd", "America//New_York", "", "./UTC",
            "America/New_York/", "America/..", "..",
        ]
    )
    func pathTraversal(name: String) {
        let error = #expect(throws: TimeZoneError.self) { try TimeZoneRules(identifier: name) }
        #expect(error?.code == .unknownZone)
        #expect(error?.message.hasPrefix("invalid time zone name \"\(name)\"") == true)
        #expect(error?.message.contains("use an IANA name such as America/New_York") == true)
    }

    @Test("A directory is not a zone")
    func directory() {
        let error = #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(identifier: "America", directory: "/usr/share/zoneinfo")
        }
        #expect(error?.code == .unknownZone)
        #expect(error?.message.contains("/usr/share/zoneinfo/America is a directory of zones, not a zone") == true)
    }

    @Test("A file that is not TZif is invalid data, and the message says so")
    func notTZif() {
        let error = #expect(throws: TimeZoneError.self) {
            try TimeZoneRules(identifier: "zone1970.tab", directory: "/usr/share/zoneinfo")
        }
        #expect(error?.code == .invalidData)
        #expect(
            error?.message.hasPrefix("time zone file /usr/share/zoneinfo/zone1970.tab is not valid TZif data:") == true
        )
        #expect(error?.message.hasSuffix("reinstall the tzdata package or choose another zone") == true)
    }

    @Test("Leap-second zones (right/) load; their leap records are skipped")
    func rightZone() throws {
        let rules = try TimeZoneRules(identifier: "right/Europe/London", directory: "/usr/share/zoneinfo")
        #expect(rules.period(at: utc(2026, 7, 1)).utcOffset == 3600)
        #expect(rules.period(at: utc(2026, 1, 1)).utcOffset == 0)
        #expect(rules.period(at: utc(2100, 7, 1)).abbreviation == "BST")
    }
}

@Suite("Reading local wall-clock times")
struct LocalTimeTests {
    @Test("An ordinary local time has one offset")
    func ordinary() throws {
        #expect(try zone("America/New_York").utcOffset(forLocal: local(2026, 7, 1, 12)) == -14_400)
        #expect(try zone("America/New_York").utcOffset(forLocal: local(2026, 1, 1, 12)) == -18_000)
        #expect(try zone("Asia/Kolkata").utcOffset(forLocal: local(2026, 7, 1, 12)) == 19_800)
        #expect(TimeZoneRules.utc.utcOffset(forLocal: local(2026, 7, 1, 12)) == 0)
    }

    @Test("A local time that occurs twice (clocks go back) is read with the earlier offset")
    func ambiguous() throws {
        // New York, 2026-11-01: 01:00-01:59 happens in EDT, then again in EST.
        let newYork = try zone("America/New_York")
        #expect(newYork.utcOffset(forLocal: local(2026, 11, 1, 1, 30)) == -14_400)
        #expect(newYork.utcOffset(forLocal: local(2026, 11, 1, 0, 59, 59)) == -14_400)
        #expect(newYork.utcOffset(forLocal: local(2026, 11, 1, 2, 0)) == -18_000)
        // Lord Howe, 2026-04-05: 01:30-01:59 happens at +11, then again at +10:30.
        let lordHowe = try zone("Australia/Lord_Howe")
        #expect(lordHowe.utcOffset(forLocal: local(2026, 4, 5, 1, 45)) == 39_600)
        #expect(lordHowe.utcOffset(forLocal: local(2026, 4, 5, 2, 0)) == 37_800)
    }

    @Test("A local time that never occurs (clocks go forward) is moved past the gap")
    func gap() throws {
        // New York, 2026-03-08: 02:00-02:59 does not exist; 02:30 is read as EST, which is 03:30 EDT.
        let newYork = try zone("America/New_York")
        let offset = newYork.utcOffset(forLocal: local(2026, 3, 8, 2, 30))
        #expect(offset == -18_000)
        let instant = local(2026, 3, 8, 2, 30) - Int64(offset)
        #expect(text(.ctime, instant, utcOffset: newYork.period(at: instant).utcOffset) == "Sun Mar  8 03:30:00 2026")
        #expect(newYork.utcOffset(forLocal: local(2026, 3, 8, 3, 0)) == -14_400)
        #expect(newYork.utcOffset(forLocal: local(2026, 3, 8, 1, 59, 59)) == -18_000)
        // Lord Howe, 2026-10-04: 02:00-02:29 does not exist.
        #expect(try zone("Australia/Lord_Howe").utcOffset(forLocal: local(2026, 10, 4, 2, 15)) == 37_800)
        // And beyond the files' tables, from the POSIX rule: London, 2100-03-28 01:30 does not exist.
        #expect(try zone("Europe/London").utcOffset(forLocal: local(2100, 3, 28, 1, 30)) == 0)
        #expect(try zone("Europe/London").utcOffset(forLocal: local(2100, 10, 31, 1, 30)) == 3600)
    }

    @Test("Reading back a rendered local time gives the instant, except in the repeated hour")
    func roundTrip() throws {
        for identifier in ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata"] {
            let rules = try zone(identifier)
            var seconds = utc(2026, 1, 1)
            while seconds < utc(2027, 1, 1) {
                let offset = rules.period(at: seconds).utcOffset
                let back = rules.utcOffset(forLocal: seconds + Int64(offset))
                if back != offset {
                    // Only the second reading of a repeated local time may differ.
                    #expect(rules.period(at: seconds - 3600).utcOffset == back)
                }
                seconds += 1_799
            }
        }
    }
}

@Suite("The local zone and the TZ variable")
struct LocalZoneTests {
    @Test("local() agrees with glibc's localtime_r, which reads the same TZ and /etc/localtime")
    func localMatchesGlibc() {
        let rules = TimeZoneRules.local()
        for seconds in [utc(2026, 1, 15), utc(2026, 7, 15), utc(1999, 12, 31, 23), utc(2037, 6, 1)] {
            var t = time_t(seconds)
            var fields = tm()
            localtime_r(&t, &fields)
            let period = rules.period(at: seconds)
            #expect(period.utcOffset == Int(fields.tm_gmtoff))
            #expect(period.isDaylightSaving == (fields.tm_isdst > 0))
        }
    }

    @Test(
        "in zones with daylight saving and half hours, local() still agrees with glibc (the test above, rerun by a child of this test process with TZ set)",
        arguments: ["America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]
    )
    func localMatchesGlibcElsewhere(zone: String) async throws {
        // This machine's own zone may well be UTC, where the comparison above is UTC against UTC.
        let result = try await Processes.run(
            URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
            ["--testing-library", "swift-testing", "--filter", "LocalZoneTests/localMatchesGlibc\\(\\)"],
            environment: ["TZ": zone]
        )
        let output = result.standardOutput + result.standardError
        #expect(result.status == 0, "\(output)")
        #expect(output.contains("Test run with 1 test"), "\(output)")
    }

    @Test("An empty TZ means UTC")
    func empty() throws {
        #expect(try TimeZoneRules(environmentValue: "") == .utc)
    }

    @Test("TZ may name a zone, with or without a colon, or give a file's absolute path")
    func zoneNames() throws {
        #expect(try TimeZoneRules(environmentValue: "Europe/London") == zone("Europe/London"))
        #expect(try TimeZoneRules(environmentValue: ":Europe/London") == zone("Europe/London"))
        let path = TimeZoneRules.zoneInfoDirectory + "/Asia/Kolkata"
        let byPath = try TimeZoneRules(environmentValue: ":" + path)
        #expect(byPath.identifier == path)
        #expect(byPath.period(at: utc(2026, 1, 1)).utcOffset == 19_800)
        #expect(try TimeZoneRules(environmentValue: path).identifier == path)
    }

    @Test("TZ may hold a POSIX rule")
    func rules() throws {
        let rules = try TimeZoneRules(environmentValue: "CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(rules.identifier == "CET-1CEST,M3.5.0,M10.5.0/3")
        #expect(rules.period(at: utc(2026, 7, 1)).utcOffset == 7200)
        #expect(rules.period(at: utc(2026, 1, 1)).abbreviation == "CET")
        #expect(try TimeZoneRules(environmentValue: "<+0330>-3:30").period(at: 0).utcOffset == 12_600)
    }

    @Test("A TZ that is a zone name is read from its file first, as glibc does")
    func fileBeforeRule() throws {
        // tzdata ships a file named EST5EDT; it is also a valid rule. The file wins.
        let rules = try TimeZoneRules(environmentValue: "EST5EDT")
        #expect(try zone("EST5EDT") == rules)
        #expect(rules.period(at: utc(2026, 7, 1)).utcOffset == -14_400)
    }

    @Test("A bad TZ reports the zone's or the rule's problem, whichever it looks like")
    func errors() {
        let zoneError = #expect(throws: TimeZoneError.self) { try TimeZoneRules(environmentValue: "Mars/Olympus") }
        #expect(zoneError?.code == .unknownZone)
        let ruleError = #expect(throws: TimeZoneError.self) { try TimeZoneRules(environmentValue: "EST5EDT,M3.2.0") }
        #expect(ruleError?.code == .invalidRule)
        let colonError = #expect(throws: TimeZoneError.self) { try TimeZoneRules(environmentValue: ":EST5") }
        #expect(colonError?.code == .unknownZone)
        let pathError = #expect(throws: TimeZoneError.self) { try TimeZoneRules(environmentValue: "/nonexistent/zone") }
        #expect(pathError?.message.contains("no file /nonexistent/zone") == true)
    }
}
