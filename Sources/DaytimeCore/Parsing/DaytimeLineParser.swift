/// Reads what daytime servers send back into instants: the lines this package writes, and those of
/// openbsd-inetd, xinetd, nginx, the NIST Internet Time Service, `date`, Python's `time.ctime()` and kin.
///
/// Recognised layouts (``DaytimeLineLayout``):
/// - ctime / asctime: `Fri May  7 20:36:52 2021` (the day space- or zero-padded). The line has no zone,
///   so the caller says which zone to read it in. `date(1)`'s `Fri May  7 20:36:52 UTC 2021` names one.
/// - RFC 3339: `2021-05-07T20:36:52Z`, `2021-05-07T20:36:52.123456+05:30`; 1 to 9 fraction digits;
///   `t`, `z` and a space instead of `T` (RFC 3339 §5.6 note) are accepted. ISO 8601's other
///   extended forms too: an offset `+0530`, or none (local time, read in the assumed zone).
/// - RFC 2822: `Fri, 07 May 2021 20:36:52 +0000`, the weekday and the seconds optional, runs of
///   spaces between tokens; xinetd's `07 MAY 2021 20:36:52 UTC` is this without the weekday.
/// - RFC 850: `Friday, 07-May-21 20:36:52 GMT`.
/// - Common Log Format (nginx's `$time_local`): `07/May/2021:20:36:52 +0000`.
/// - NIST: `59341 21-05-07 20:36:52 50 0 0  50.0 UTC(NIST) *`, any label without spaces.
/// - Seconds since 1970: `1620419812`, `1620419812.5` (9 digits or more: `2021` is not a time).
///
/// Zone names: `UT`, `UTC`, `GMT`, the US names of RFC 2822 (`EST` ... `PDT`), and the assumed zone's
/// own abbreviation at the line's time (`CET` when the assumed zone is Europe/Paris in winter).
/// Other names are ambiguous (`IST` is three zones), so a line with one is rejected, not guessed.
///
/// Leading and trailing CR, LF, space and tab are ignored. Anything else is rejected with nil: the
/// parser never guesses. Fields are range-checked (month 1...12, day within its month, hour < 24,
/// minute < 60, second < 60 or 60 at minute 59 for a leap second, offsets under 24 hours), and a
/// weekday that disagrees with the date is rejected. A leap second `:60` denotes the same POSIX
/// instant as the following `:00`.
///
/// The code reads bytes by index with explicit comparisons, with no allocation (but for a NIST
/// line's label), so that it can be fuzzed.
public enum DaytimeLineParser {
    /// Parses `line` (line ending optional); nil if the layout is not recognised or a field is out of range.
    ///
    /// - Parameters:
    ///   - line: The line as received.
    ///   - assumedTimeZone: The zone a ctime line is read in. Lines that state their offset ignore it.
    public static func parse(_ line: String, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        var line = line
        return line.withUTF8 { parse(UnsafeRawBufferPointer($0), assumedTimeZone: assumedTimeZone) }
    }

    /// Parses the bytes of a line (line ending optional); nil if the layout is not recognised or a
    /// field is out of range.
    public static func parse<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes,
        assumedTimeZone: TimeZoneRules
    ) -> ParsedDaytimeLine? {
        let contiguous = bytes.withContiguousStorageIfAvailable {
            parse(UnsafeRawBufferPointer($0), assumedTimeZone: assumedTimeZone)
        }
        if let contiguous {
            return contiguous
        }
        return Array(bytes).withUnsafeBytes { parse($0, assumedTimeZone: assumedTimeZone) }
    }

    /// Parses the bytes of a line in `buffer` (line ending optional); nil if the layout is not
    /// recognised or a field is out of range.
    public static func parse(_ buffer: UnsafeRawBufferPointer, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        var start = 0
        var end = buffer.count
        while start < end && isBlank(buffer[start]) {
            start += 1
        }
        while end > start && isBlank(buffer[end - 1]) {
            end -= 1
        }
        guard end - start >= 4 else { return nil }
        var cursor = ByteCursor(buffer, start: start, end: end)
        let result: ParsedDaytimeLine?
        if isDigit(buffer[start]) {
            var digits = 1
            while start + digits < end && isDigit(buffer[start + digits]) {
                digits += 1
            }
            let next = start + digits < end ? buffer[start + digits] : 0
            if next == 0 || next == 0x2E {
                result = parseUnixSeconds(&cursor)
            } else if digits == 5 && next == 0x20 {
                result = parseNIST(&cursor)
            } else if digits == 4 && next == 0x2D {
                // RFC 3339 starts with a 4-digit year and '-'.
                result = parseRFC3339(&cursor, assumedTimeZone: assumedTimeZone)
            } else if digits <= 2 && next == 0x2F {
                result = parseCommonLog(&cursor)
            } else {
                // An RFC 2822 date without weekday starts with its day, as xinetd's does.
                result = parseRFC2822(&cursor, assumedTimeZone: assumedTimeZone)
            }
        } else if buffer[start + 3] == 0x2C {
            result = parseRFC2822(&cursor, assumedTimeZone: assumedTimeZone)
        } else if end - start > 6 && isLetter(buffer[start + 3]) {
            result = parseRFC850(&cursor, assumedTimeZone: assumedTimeZone)
        } else {
            result = parseCTime(&cursor, assumedTimeZone: assumedTimeZone)
        }
        guard cursor.isAtEnd else { return nil }
        return result
    }

    // MARK: - Layouts

    /// `Www Mmm dd hh:mm:ss yyyy`, day `" 7"`, `"07"` or `"17"`.
    static func parseCTime(_ c: inout ByteCursor, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        guard let weekday = c.name(CTimeFormat.weekdayNames, count: 7), c.byte(0x20),
            let monthIndex = c.name(CTimeFormat.monthNames, count: 12), c.byte(0x20)
        else { return nil }
        let day: Int
        if c.byte(0x20) {
            guard let d = c.digits(1) else { return nil }
            day = d
        } else {
            guard let d = c.digits(2) else { return nil }
            day = d
        }
        guard c.byte(0x20), let time = c.timeOfDay(requireSeconds: true), c.byte(0x20) else { return nil }
        // date(1) names the zone before the year; the name is resolved once the date is known.
        var zoneStart: Int? = nil
        if c.atLetter {
            zoneStart = c.index
            while c.atLetter {
                c.index += 1
            }
            guard c.byte(0x20) else { return nil }
        }
        guard let year = c.digits(4) else { return nil }
        guard
            let localSeconds = civilSeconds(year: year, month: monthIndex + 1, day: day, time: time, weekday: weekday)
        else { return nil }
        if let zoneStart {
            let afterYear = c.index
            c.index = zoneStart
            let offset = c.zoneName(local: localAbbreviation(assumedTimeZone, localSeconds: localSeconds))
            guard let offset, c.byte(0x20) else { return nil }
            c.index = afterYear
            return ParsedDaytimeLine(local: localSeconds, statedUTCOffset: offset, layout: .date)
        }
        let utcSeconds = localSeconds - Int64(assumedTimeZone.utcOffset(forLocal: localSeconds))
        return ParsedDaytimeLine(
            instant: Instant(seconds: utcSeconds),
            resolution: 1,
            layout: .ctime,
            statedUTCOffset: nil
        )
    }

    /// `yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)`.
    static func parseRFC3339(_ c: inout ByteCursor, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        guard let year = c.digits(4), c.byte(0x2D), let month = c.digits(2), c.byte(0x2D), let day = c.digits(2)
        else { return nil }
        // 'T', 't', or a space (RFC 3339 §5.6 allows it "for the sake of readability").
        guard c.byte(0x54) || c.byte(0x74) || c.byte(0x20) else { return nil }
        guard let time = c.timeOfDay(requireSeconds: true) else { return nil }
        guard let (nanoseconds, fractionDigits) = c.fractionOfSecond() else { return nil }
        // RFC 3339 needs `Z` or `±hh:mm`; ISO 8601 also allows `±hhmm`, or nothing (local time).
        var offset: Int? = nil
        var strict = true
        if c.byte(0x5A) || c.byte(0x7A) {
            offset = 0
        } else if let numeric = c.numericOffset(colon: true) ?? c.numericOffset(colon: false) {
            strict = c.buffer[c.index - 3] == 0x3A
            offset = numeric
        } else if c.peek == 0x2B || c.peek == 0x2D {
            // `±hh` alone is left out: it is also what a cut-off `±hh:mm` looks like.
            return nil
        } else {
            strict = false
        }
        guard
            let local = civilSeconds(year: year, month: month, day: day, time: time, weekday: nil)
        else { return nil }
        let utcOffset = offset ?? assumedTimeZone.utcOffset(forLocal: local)
        return ParsedDaytimeLine(
            instant: Instant(seconds: local - Int64(utcOffset), nanoseconds: Int32(nanoseconds)),
            resolution: DaytimeFormat.rfc3339(fractionDigits: fractionDigits).resolution,
            layout: strict ? .rfc3339(fractionDigits: fractionDigits) : .iso8601(fractionDigits: fractionDigits),
            statedUTCOffset: offset
        )
    }

    /// `[Www, ]d[d] Mmm yyyy hh:mm[:ss] zone`, zone `+hhmm`, `-hhmm` or a name. Without weekday and
    /// with the month in capitals, it is xinetd's line.
    static func parseRFC2822(_ c: inout ByteCursor, assumedTimeZone: TimeZoneRules) -> ParsedDaytimeLine? {
        var weekday: Int? = nil
        if !isDigit(c.peek) {
            guard let w = c.name(CTimeFormat.weekdayNames, count: 7), c.byte(0x2C) else { return nil }
            weekday = w
            c.skipSpaces()
        }
        guard let day = c.digits(1) else { return nil }
        var dayOfMonth = day
        if let second = c.digit() {
            dayOfMonth = day * 10 + second
        }
        guard c.skipSpaces() else { return nil }
        let monthInCapitals = c.end - c.index >= 3 && isUpper(c.buffer[c.index + 1]) && isUpper(c.buffer[c.index + 2])
        guard let monthIndex = c.name(CTimeFormat.monthNames, count: 12), c.skipSpaces(),
            let year = c.digits(4), c.skipSpaces(), let time = c.timeOfDay(requireSeconds: false), c.skipSpaces(),
            let local = civilSeconds(year: year, month: monthIndex + 1, day: dayOfMonth, time: time, weekday: weekday)
        else { return nil }
        let offset: Int
        var layout = DaytimeLineLayout.rfc2822
        if c.peek == 0x2B || c.peek == 0x2D {
            guard let numeric = c.numericOffset(colon: false) else { return nil }
            offset = numeric
        } else {
            guard let named = c.zoneName(local: localAbbreviation(assumedTimeZone, localSeconds: local)) else {
                return nil
            }
            offset = named
            if weekday == nil && monthInCapitals {
                layout = .xinetd
            }
        }
        return ParsedDaytimeLine(
            local: local,
            statedUTCOffset: offset,
            layout: layout,
            resolution: time.second == nil ? 60 : 1
        )
    }

    // MARK: - Calendar

    /// Seconds since the epoch of a local date and time read as UTC, after checking every field's
    /// range (and the weekday, when given); nil if any is out of range.
    static func civilSeconds(
        year: Int,
        month: Int,
        day: Int,
        time: (hour: Int, minute: Int, second: Int?),
        weekday: Int?
    ) -> Int64? {
        let (hour, minute, second) = (time.hour, time.minute, time.second ?? 0)
        guard month >= 1 && month <= 12, day >= 1, day <= CivilDateTime.daysInMonth(year: year, month: month),
            hour < 24, minute < 60, second < 60 || (second == 60 && minute == 59)
        else { return nil }
        let days = CivilDateTime.daysSinceEpoch(year: year, month: month, day: day)
        if let weekday, weekday != CivilDateTime.weekday(daysSinceEpoch: days) {
            return nil
        }
        return Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    @inline(__always)
    static func isBlank(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0D || b == 0x0A || b == 0x09
    }

    /// The assumed zone's abbreviation and offset for a local time, for lines that name a zone.
    static func localAbbreviation(_ zone: TimeZoneRules, localSeconds: Int64) -> (abbreviation: String, utcOffset: Int)
    {
        let offset = zone.utcOffset(forLocal: localSeconds)
        let period = zone.period(at: localSeconds - Int64(offset))
        return (period.abbreviation, period.utcOffset)
    }

    @inline(__always)
    static func isLetter(_ b: UInt8) -> Bool {
        let l = b | 0x20
        return l >= 0x61 && l <= 0x7A
    }

    @inline(__always)
    static func isUpper(_ b: UInt8) -> Bool {
        b >= 0x41 && b <= 0x5A
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool {
        b >= 0x30 && b <= 0x39
    }
}
