/// A daytime line read back into an instant: what a client gets from a line it recognises.
public struct ParsedDaytimeLine: Sendable, Hashable {
    /// The instant the line denotes. For a line with a fraction, the fraction is included as written.
    public var instant: Instant
    /// The step of the line's clock, in seconds: 1 for whole seconds, 0.001 for three fraction digits,
    /// 60 for an RFC 2822 date written without seconds. The server's true time lies in
    /// `instant ..< instant + resolution` when it truncates, as every known server does.
    public var resolution: Double
    /// The layout the line was written in. RFC 3339 lines report the number of fraction digits they carry.
    public var format: DaytimeFormat
    /// The offset from UTC the line states, in seconds east; nil for ctime lines, which state none
    /// (their instant was computed with the assumed zone).
    public var statedUTCOffset: Int?

    /// Creates a parsed line from its parts.
    public init(instant: Instant, resolution: Double, format: DaytimeFormat, statedUTCOffset: Int?) {
        self.instant = instant
        self.resolution = resolution
        self.format = format
        self.statedUTCOffset = statedUTCOffset
    }
}

/// Reads the daytime lines this package writes, and those written by inetd, Python's `time.ctime()`,
/// `date --rfc-3339`, `date -R` and their kin, back into instants.
///
/// Recognised layouts:
/// - ctime / asctime: `Fri May  7 20:36:52 2021` (the day space- or zero-padded). The line has no zone,
///   so the caller says which zone to read it in.
/// - RFC 3339: `2021-05-07T20:36:52Z`, `2021-05-07T20:36:52.123456+05:30`; 1 to 9 fraction digits;
///   `t`, `z` and a space instead of `T` (RFC 3339 §5.6 note) are accepted.
/// - RFC 2822: `Fri, 07 May 2021 20:36:52 +0000`, the weekday and the seconds optional, runs of
///   spaces between tokens, and the zone names RFC 2822 §4.3 defines (`UT`, `GMT`, `EST` ... `PDT`).
///
/// Leading and trailing CR, LF, space and tab are ignored. Anything else is rejected with nil: the
/// parser never guesses. Fields are range-checked (month 1...12, day within its month, hour < 24,
/// minute < 60, second < 60 or 60 at minute 59 for a leap second, offsets under 24 hours), and a
/// weekday that disagrees with the date is rejected. A leap second `:60` denotes the same POSIX
/// instant as the following `:00`.
///
/// The code reads bytes by index with explicit comparisons, with no allocation, so that it can be fuzzed.
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
        let first = buffer[start]
        let result: ParsedDaytimeLine?
        if isDigit(first) {
            // RFC 3339 starts with a 4-digit year and '-'; an RFC 2822 date without weekday with its day.
            if isDigit(buffer[start + 1]) && isDigit(buffer[start + 2]) && isDigit(buffer[start + 3]) {
                result = parseRFC3339(&cursor)
            } else {
                result = parseRFC2822(&cursor)
            }
        } else if buffer[start + 3] == 0x2C {
            result = parseRFC2822(&cursor)
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
        guard c.byte(0x20), let time = c.timeOfDay(requireSeconds: true), c.byte(0x20), let year = c.digits(4)
        else { return nil }
        guard
            let localSeconds = civilSeconds(
                year: year,
                month: monthIndex + 1,
                day: day,
                hour: time.hour,
                minute: time.minute,
                second: time.second ?? 0,
                weekday: weekday
            )
        else { return nil }
        let utcSeconds = localSeconds - Int64(assumedTimeZone.utcOffset(forLocal: localSeconds))
        return ParsedDaytimeLine(
            instant: Instant(seconds: utcSeconds),
            resolution: 1,
            format: .ctime,
            statedUTCOffset: nil
        )
    }

    /// `yyyy-mm-ddThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)`.
    static func parseRFC3339(_ c: inout ByteCursor) -> ParsedDaytimeLine? {
        guard let year = c.digits(4), c.byte(0x2D), let month = c.digits(2), c.byte(0x2D), let day = c.digits(2)
        else { return nil }
        // 'T', 't', or a space (RFC 3339 §5.6 allows it "for the sake of readability").
        guard c.byte(0x54) || c.byte(0x74) || c.byte(0x20) else { return nil }
        guard let time = c.timeOfDay(requireSeconds: true) else { return nil }
        var nanoseconds = 0
        var fractionDigits = 0
        if c.byte(0x2E) {
            while let d = c.digit() {
                fractionDigits += 1
                guard fractionDigits <= 9 else { return nil }
                nanoseconds = nanoseconds * 10 + d
            }
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<9 {
                nanoseconds *= 10
            }
        }
        let offset: Int
        if c.byte(0x5A) || c.byte(0x7A) {
            offset = 0
        } else {
            let negative: Bool
            if c.byte(0x2B) {
                negative = false
            } else if c.byte(0x2D) {
                negative = true
            } else {
                return nil
            }
            guard let hh = c.digits(2), c.byte(0x3A), let mm = c.digits(2), hh < 24, mm < 60 else { return nil }
            offset = (negative ? -1 : 1) * (hh * 3600 + mm * 60)
        }
        guard
            let local = civilSeconds(
                year: year,
                month: month,
                day: day,
                hour: time.hour,
                minute: time.minute,
                second: time.second ?? 0,
                weekday: nil
            )
        else { return nil }
        let format = DaytimeFormat.rfc3339(fractionDigits: fractionDigits)
        return ParsedDaytimeLine(
            instant: Instant(seconds: local - Int64(offset), nanoseconds: Int32(nanoseconds)),
            resolution: format.resolution,
            format: format,
            statedUTCOffset: offset
        )
    }

    /// `[Www, ]d[d] Mmm yyyy hh:mm[:ss] zone`, zone `+hhmm`, `-hhmm` or an RFC 2822 §4.3 name.
    static func parseRFC2822(_ c: inout ByteCursor) -> ParsedDaytimeLine? {
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
        guard c.skipSpaces(), let monthIndex = c.name(CTimeFormat.monthNames, count: 12), c.skipSpaces(),
            let year = c.digits(4), c.skipSpaces(), let time = c.timeOfDay(requireSeconds: false), c.skipSpaces()
        else { return nil }
        let offset: Int
        if c.peek == 0x2B || c.peek == 0x2D {
            let negative = c.peek == 0x2D
            c.index += 1
            guard let hh = c.digits(2), let mm = c.digits(2), hh < 24, mm < 60 else { return nil }
            offset = (negative ? -1 : 1) * (hh * 3600 + mm * 60)
        } else {
            guard let named = c.zoneName() else { return nil }
            offset = named
        }
        guard
            let local = civilSeconds(
                year: year,
                month: monthIndex + 1,
                day: dayOfMonth,
                hour: time.hour,
                minute: time.minute,
                second: time.second ?? 0,
                weekday: weekday
            )
        else { return nil }
        return ParsedDaytimeLine(
            instant: Instant(seconds: local - Int64(offset)),
            resolution: time.second == nil ? 60 : 1,
            format: .rfc2822,
            statedUTCOffset: offset
        )
    }

    // MARK: - Calendar

    /// Seconds since the epoch of a local date and time read as UTC, after checking every field's
    /// range (and the weekday, when given); nil if any is out of range.
    static func civilSeconds(
        year: Int,
        month: Int,
        day: Int,
        hour: Int,
        minute: Int,
        second: Int,
        weekday: Int?
    ) -> Int64? {
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

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool {
        b >= 0x30 && b <= 0x39
    }
}

/// A read position in a line, with the small steps the layouts are made of. Every step checks
/// bounds and either consumes what it matched or leaves the position unchanged and fails.
struct ByteCursor {
    let buffer: UnsafeRawBufferPointer
    var index: Int
    let end: Int

    init(_ buffer: UnsafeRawBufferPointer, start: Int, end: Int) {
        self.buffer = buffer
        self.index = start
        self.end = end
    }

    var isAtEnd: Bool { self.index >= self.end }

    /// The next byte, or 0 at the end (0 matches nothing the layouts look for).
    var peek: UInt8 { self.index < self.end ? self.buffer[self.index] : 0 }

    /// Consumes `b` if it is next.
    mutating func byte(_ b: UInt8) -> Bool {
        guard self.index < self.end, self.buffer[self.index] == b else { return false }
        self.index += 1
        return true
    }

    /// Consumes one or more spaces; false if there is none.
    @discardableResult
    mutating func skipSpaces() -> Bool {
        let start = self.index
        while self.index < self.end && self.buffer[self.index] == 0x20 {
            self.index += 1
        }
        return self.index > start
    }

    /// Consumes one decimal digit and returns its value.
    mutating func digit() -> Int? {
        guard self.index < self.end else { return nil }
        let b = self.buffer[self.index]
        guard b >= 0x30 && b <= 0x39 else { return nil }
        self.index += 1
        return Int(b &- 0x30)
    }

    /// Consumes exactly `count` decimal digits and returns their value.
    mutating func digits(_ count: Int) -> Int? {
        guard self.end - self.index >= count else { return nil }
        var value = 0
        for i in self.index..<(self.index + count) {
            let b = self.buffer[i]
            guard b >= 0x30 && b <= 0x39 else { return nil }
            value = value * 10 + Int(b &- 0x30)
        }
        self.index += count
        return value
    }

    /// Consumes `hh:mm:ss` (or `hh:mm` when seconds are optional); the ranges are checked later.
    mutating func timeOfDay(requireSeconds: Bool) -> (hour: Int, minute: Int, second: Int?)? {
        let start = self.index
        guard let hour = self.digits(2), self.byte(0x3A), let minute = self.digits(2) else {
            self.index = start
            return nil
        }
        if self.byte(0x3A) {
            guard let second = self.digits(2) else {
                self.index = start
                return nil
            }
            return (hour, minute, second)
        }
        guard !requireSeconds else {
            self.index = start
            return nil
        }
        return (hour, minute, nil)
    }

    /// Consumes a three-letter name from `table` (concatenated names, as in ``CTimeFormat``),
    /// compared without regard to ASCII case, and returns its index.
    mutating func name(_ table: StaticString, count: Int) -> Int? {
        guard self.end - self.index >= 3 else { return nil }
        let a = self.buffer[self.index] | 0x20
        let b = self.buffer[self.index + 1] | 0x20
        let c = self.buffer[self.index + 2] | 0x20
        let names = table.utf8Start
        for i in 0..<count {
            if names[i * 3] | 0x20 == a && names[i * 3 + 1] | 0x20 == b && names[i * 3 + 2] | 0x20 == c {
                self.index += 3
                return i
            }
        }
        return nil
    }

    /// Consumes a zone name RFC 2822 §4.3 gives an offset for and returns that offset (seconds
    /// east). Military single letters are not accepted: RFC 2822 says their meaning is unknown.
    mutating func zoneName() -> Int? {
        let remaining = self.end - self.index
        func upper(_ i: Int) -> UInt8 {
            let b = self.buffer[self.index + i]
            return b >= 0x61 && b <= 0x7A ? b - 0x20 : b
        }
        if remaining == 2 && upper(0) == 0x55 && upper(1) == 0x54 {  // UT
            self.index += 2
            return 0
        }
        guard remaining == 3 else { return nil }
        let (a, b, c) = (upper(0), upper(1), upper(2))
        if a == 0x47 && b == 0x4D && c == 0x54 {  // GMT
            self.index += 3
            return 0
        }
        // EST EDT CST CDT MST MDT PST PDT: standard -5...-8 hours, daylight one hour more.
        guard c == 0x54, b == 0x53 || b == 0x44 else { return nil }
        let standard: Int
        switch a {
        case 0x45: standard = -5
        case 0x43: standard = -6
        case 0x4D: standard = -7
        case 0x50: standard = -8
        default: return nil
        }
        self.index += 3
        return (standard + (b == 0x44 ? 1 : 0)) * 3600
    }
}
