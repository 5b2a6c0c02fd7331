/// The layouts other servers send that this package does not write: NIST's, the web's (RFC 850,
/// Common Log Format) and plain Unix seconds.
extension DaytimeLineParser {
    /// The Modified Julian Day of 1970-01-01.
    static let modifiedJulianDayOfEpoch = 40_587

    /// `JJJJJ YY-MM-DD hh:mm:ss TT L H msADV LABEL OTM`, as the NIST Internet Time Service sends it
    /// (LABEL `UTC(NIST)`) and `daytimed --format nist` (LABEL `UTC(daytimed)` or the operator's).
    /// The Modified Julian Day gives the century, and must agree with the two-digit date.
    static func parseNIST(_ c: inout ByteCursor) -> ParsedDaytimeLine? {
        guard let mjd = c.digits(5), c.byte(0x20), let yy = c.digits(2), c.byte(0x2D), let month = c.digits(2),
            c.byte(0x2D), let day = c.digits(2), c.byte(0x20), let time = c.timeOfDay(requireSeconds: true),
            c.byte(0x20), let dst = c.digits(2), c.byte(0x20), let leap = c.digit(), c.byte(0x20),
            let health = c.digit(), c.skipSpaces()
        else { return nil }
        // msADV: milliseconds with one decimal, right-aligned in five columns ("  50.0", "909.7").
        guard let (milliseconds, _) = c.digits(atMost: 4), c.byte(0x2E), let tenth = c.digit(), c.byte(0x20) else {
            return nil
        }
        let advanceTenths = milliseconds * 10 + tenth
        // The label: UTC(NIST), or any other run of printable characters without spaces, as
        // daytimed's --nist-label allows (UTC(daytimed) by default).
        let labelStart = c.index
        while c.peek > 0x20 && c.peek < 0x7F {
            guard c.index - labelStart < 64 else { return nil }
            c.index += 1
        }
        // At least one letter: a lone `*` is the OTM of a line without a label, not a label.
        var hasLetter = false
        for i in labelStart..<c.index where isLetter(c.buffer[i]) {
            hasLetter = true
        }
        guard hasLetter else { return nil }
        let label = String(decoding: UnsafeRawBufferPointer(rebasing: c.buffer[labelStart..<c.index]), as: UTF8.self)
        // OTM: '*' (or '#' once the advance is calibrated); some servers leave it out.
        if c.byte(0x20) {
            guard c.byte(0x2A) || c.byte(0x23) else { return nil }
        }
        let days = mjd - modifiedJulianDayOfEpoch
        let civil = CivilDateTime.civil(daysSinceEpoch: days)
        guard civil.year % 100 == yy, civil.month == month, civil.day == day,
            let seconds = civilSeconds(year: civil.year, month: month, day: day, time: time, weekday: nil)
        else { return nil }
        let advance = Double(advanceTenths) / 10_000
        let status = NISTLineStatus(
            modifiedJulianDay: mjd,
            daylightSavingCode: dst,
            leapSecondWarning: leap,
            health: health,
            advance: advance,
            label: label
        )
        // The stated time was advanced by msADV before it was sent: the clock read that much less.
        // In integers, so that 725.6 ms is exactly 725,600,000 ns.
        let advanceNanoseconds = Int64(advanceTenths) * 100_000
        let whole = advanceNanoseconds / 1_000_000_000
        let part = advanceNanoseconds % 1_000_000_000
        let instant =
            part == 0
            ? Instant(seconds: seconds - whole)
            : Instant(seconds: seconds - whole - 1, nanoseconds: Int32(1_000_000_000 - part))
        return ParsedDaytimeLine(
            instant: instant,
            resolution: 1,
            layout: .nist,
            statedUTCOffset: 0,
            nist: status
        )
    }

    /// `dd/Mmm/yyyy:hh:mm:ss +hhmm`: the Common Log Format's time, nginx's `$time_local`.
    static func parseCommonLog(_ c: inout ByteCursor) -> ParsedDaytimeLine? {
        guard let day = c.digits(2), c.byte(0x2F), let monthIndex = c.name(CTimeFormat.monthNames, count: 12),
            c.byte(0x2F), let year = c.digits(4), c.byte(0x3A), let time = c.timeOfDay(requireSeconds: true),
            c.byte(0x20), let offset = c.numericOffset(colon: false),
            let local = civilSeconds(year: year, month: monthIndex + 1, day: day, time: time, weekday: nil)
        else { return nil }
        return ParsedDaytimeLine(local: local, statedUTCOffset: offset, layout: .commonLog)
    }

    /// The weekdays' full names after their first three letters, in ``CTimeFormat/weekdayNames`` order.
    static let weekdaySuffixes: [StaticString] = ["day", "day", "sday", "nesday", "rsday", "day", "urday"]

    /// `Weekday, dd-Mmm-yy hh:mm:ss zone`: RFC 850, as HTTP/1.0 servers wrote dates.
    static func parseRFC850(_ c: inout ByteCursor, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        guard let weekday = c.name(CTimeFormat.weekdayNames, count: 7) else { return nil }
        let suffix = weekdaySuffixes[weekday]
        for i in 0..<suffix.utf8CodeUnitCount {
            guard c.peek | 0x20 == suffix.utf8Start[i] else { return nil }
            c.index += 1
        }
        guard c.byte(0x2C), c.byte(0x20), let day = c.digits(2), c.byte(0x2D),
            let monthIndex = c.name(CTimeFormat.monthNames, count: 12), c.byte(0x2D), let yy = c.digits(2),
            c.byte(0x20), let time = c.timeOfDay(requireSeconds: true), c.byte(0x20),
            let local = civilSeconds(
                year: yy < 70 ? 2000 + yy : 1900 + yy,
                month: monthIndex + 1,
                day: day,
                time: time,
                weekday: weekday
            ),
            let offset = c.zoneName(local: localAbbreviation(assumedTimeZone, localSeconds: local))
        else { return nil }
        return ParsedDaytimeLine(local: local, statedUTCOffset: offset, layout: .rfc850)
    }

    /// `sssssssss[.f{1,9}]`: seconds since 1970, UTC, 9 to 12 digits (from 1973 to the end of year
    /// 9999): fewer digits are more likely a year or a line cut short than a time.
    static func parseUnixSeconds(_ c: inout ByteCursor) -> ParsedDaytimeLine? {
        guard let (value, digits) = c.digits(atMost: 12), digits >= 9, value <= 253_402_300_799 else { return nil }
        let seconds = Int64(value)
        guard let (nanoseconds, fractionDigits) = c.fractionOfSecond() else { return nil }
        return ParsedDaytimeLine(
            instant: Instant(seconds: seconds, nanoseconds: Int32(nanoseconds)),
            resolution: DaytimeFormat.rfc3339(fractionDigits: fractionDigits).resolution,
            layout: .unixSeconds(fractionDigits: fractionDigits),
            statedUTCOffset: 0
        )
    }
}
