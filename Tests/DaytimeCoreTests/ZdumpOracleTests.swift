import DaytimeCore
import Testing

/// One line of `zdump -v`: an instant and the local time type zdump's own tz code gives it.
private struct ZdumpLine {
    var instant: Int64
    var utcOffset: Int
    var isDaylightSaving: Bool
    var abbreviation: String

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Parses `ZONE  Sun Mar  8 07:00:00 2026 UT = Sun Mar  8 03:00:00 2026 EDT isdst=1 gmtoff=-14400`;
    /// nil for the `= NULL` lines zdump prints at the ends of time.
    init?(_ line: Substring) {
        let f = line.split(separator: " ")
        guard f.count == 16, f[6] == "UT", let month = Self.months.firstIndex(of: String(f[2])),
            let day = Int(f[3]), let year = Int(f[5]), f[14].hasPrefix("isdst="), f[15].hasPrefix("gmtoff="),
            let isDST = Int(f[14].dropFirst(6)), let offset = Int(f[15].dropFirst(7))
        else { return nil }
        let hms = f[4].split(separator: ":").compactMap { Int($0) }
        guard hms.count == 3 else { return nil }
        self.instant = utc(year, month + 1, day, hms[0], hms[1], hms[2])
        self.utcOffset = offset
        self.isDaylightSaving = isDST != 0
        self.abbreviation = String(f[13])
    }
}

private let zdump = "/usr/bin/zdump"

/// Zones chosen for their oddities: half-hour and 45-minute offsets, southern summers, negative
/// daylight saving, rule times past midnight or before it, DST abolished, and offsets of two hours.
private let zones = [
    "America/New_York", "Europe/London", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Dublin",
    "Asia/Jerusalem", "America/Nuuk", "America/Santiago", "Pacific/Chatham", "America/St_Johns",
    "Antarctica/Troll", "America/Sao_Paulo", "Africa/Casablanca", "Australia/Sydney", "Europe/Moscow",
    "Pacific/Apia", "Asia/Tehran", "America/Asuncion", "Europe/Paris", "Pacific/Kiritimati",
]

@Suite("TimeZoneRules against zdump")
struct ZdumpOracleTests {
    @Test(
        "Every transition zdump reports from 1800 to 2200 matches ours",
        .enabled(if: isExecutable(zdump), "needs \(zdump) (Debian's libc-bin)"),
        arguments: zones
    )
    func matchesZdump(identifier: String) throws {
        let output = try #require(runProgram(zdump, ["-v", "-c", "1800,2200", identifier]))
        let rules = try zone(identifier)
        let lines = output.split(separator: "\n").compactMap(ZdumpLine.init)
        #expect(!lines.isEmpty)
        var mismatches: [String] = []
        for line in lines {
            let period = rules.period(at: line.instant)
            if period.utcOffset != line.utcOffset || period.isDaylightSaving != line.isDaylightSaving
                || period.abbreviation != line.abbreviation
            {
                mismatches.append("\(line.instant): \(period) but zdump says \(line)")
            }
        }
        // zdump prints each transition as the second before it and the second it happens.
        for (before, after) in zip(lines, lines.dropFirst()) where after.instant == before.instant + 1 {
            if rules.period(at: after.instant).start != after.instant
                || rules.period(at: before.instant).end != after.instant
            {
                mismatches.append("transition at \(after.instant) not a period boundary")
            }
        }
        #expect(mismatches.isEmpty, "\(lines.count) lines; \(mismatches.prefix(5))")
    }
}
