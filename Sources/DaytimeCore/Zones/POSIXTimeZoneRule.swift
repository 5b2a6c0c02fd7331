/// A local time type: an offset from UTC with its abbreviation, as TZif `ttinfo` records and POSIX
/// TZ rules describe it.
struct LocalTimeType: Sendable, Hashable {
    /// Seconds east of UTC.
    var utcOffset: Int
    /// Whether this is daylight-saving time.
    var isDaylightSaving: Bool
    /// The abbreviation, such as `EST` or `+0530` (without the angle brackets of the TZ syntax).
    var abbreviation: String
}

/// Why some TZif bytes or a TZ rule string could not be read; callers wrap it in a ``TimeZoneError``
/// that names the file or variable it came from.
struct ParseFailure: Error {
    var reason: String
}

/// Offsets, in seconds east of UTC, that TZif data and TZ rules may use: more than -25 hours and less
/// than 26 hours (RFC 8536 §3.2). Keeping to them keeps every line's offset field two digits wide.
let validUTCOffsets = -89_999...93_599

/// A POSIX TZ rule such as `EST5EDT,M3.2.0,M11.1.0`, `IST-5:30` or `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0`.
///
/// The syntax is POSIX.1-2017 §8.3 with the extensions of RFC 8536 §3.3.1 (rule times from -167 to
/// 167 hours, daylight saving all year). TZif files end with one, and it gives the offsets after the
/// file's last transition; the `TZ` variable may hold one too.
struct POSIXTimeZoneRule: Sendable, Hashable {
    /// The day of the year on which daylight saving starts or ends.
    enum DateRule: Sendable, Hashable {
        /// `Jn`: day 1...365, February 29 never counted, so `J60` is always March 1.
        case julian(Int)
        /// `n`: zero-based day 0...365, February 29 counted in leap years.
        case zeroBased(Int)
        /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (1...5, 5 = the last) of month `m`.
        case monthWeekDay(month: Int, week: Int, weekday: Int)
    }

    /// When in the year a change happens: a day and a local time of day.
    struct ChangeRule: Sendable, Hashable {
        var date: DateRule
        /// Seconds after local midnight, in the time in force before the change; -167...167 hours.
        var time: Int
    }

    /// Daylight-saving time and the two rules that begin and end it each year.
    struct DaylightSaving: Sendable, Hashable {
        var type: LocalTimeType
        /// The change into daylight saving, in standard local time.
        var start: ChangeRule
        /// The change back to standard time, in daylight-saving local time.
        var end: ChangeRule
    }

    /// Standard time.
    var standard: LocalTimeType
    /// Daylight saving, if the rule has any.
    var daylightSaving: DaylightSaving?

    /// Instants beyond this distance from 1970 (about 2.3 billion years) are clamped, so that the
    /// calendar arithmetic below can never overflow.
    static let instantLimit: Int64 = 1 << 56

    /// Parses `text`.
    init(_ text: String) throws(ParseFailure) {
        var parser = RuleParser(Array(text.utf8))
        let standardName = try parser.name(what: "standard-time name")
        let standardOffset = try parser.offset(what: "standard-time offset")
        self.standard = LocalTimeType(utcOffset: standardOffset, isDaylightSaving: false, abbreviation: standardName)
        if parser.atEnd {
            self.daylightSaving = nil
            return
        }
        let daylightName = try parser.name(what: "daylight-saving name")
        var daylightOffset = standardOffset + 3600
        if !parser.atEnd && !parser.peek(UInt8(ascii: ",")) {
            daylightOffset = try parser.offset(what: "daylight-saving offset")
        }
        // Without rules POSIX leaves the dates to the implementation; like glibc and tzcode, use the
        // United States rules of 2007.
        var start = ChangeRule(date: .monthWeekDay(month: 3, week: 2, weekday: 0), time: 7200)
        var end = ChangeRule(date: .monthWeekDay(month: 11, week: 1, weekday: 0), time: 7200)
        if !parser.atEnd {
            try parser.expect(UInt8(ascii: ","), what: "\",\" before the start rule")
            start = try parser.changeRule(what: "start rule")
            try parser.expect(UInt8(ascii: ","), what: "\",\" before the end rule")
            end = try parser.changeRule(what: "end rule")
        }
        guard parser.atEnd else {
            throw parser.failure("unexpected text after the end rule")
        }
        self.daylightSaving = DaylightSaving(
            type: LocalTimeType(utcOffset: daylightOffset, isDaylightSaving: true, abbreviation: daylightName),
            start: start,
            end: end
        )
    }

    /// The offset period in force at `seconds` since the Unix epoch.
    func period(at seconds: Int64) -> UTCOffsetPeriod {
        guard let dst = self.daylightSaving else {
            return Self.period(self.standard, start: .min, end: .max)
        }
        if seconds >= Self.instantLimit {
            let far = self.period(at: Self.instantLimit - 1)
            return Self.period(far, start: Self.instantLimit, end: .max)
        }
        if seconds < -Self.instantLimit {
            let far = self.period(at: -Self.instantLimit)
            return Self.period(far, start: .min, end: -Self.instantLimit)
        }

        // The changes of five years around `seconds`, in order. A change from one year can fall into
        // the next (a start at J365/25), and two can coincide (daylight saving all year): changes at
        // the same instant are merged, and the first and last of the window are used only to learn the
        // state, never reported as a boundary, since their neighbours outside the window are unknown.
        let year = CivilDateTime.civil(daysSinceEpoch: Int(Self.floorDivide(seconds, 86_400))).year
        var changes: [(instant: Int64, toDaylightSaving: Bool)] = []
        changes.reserveCapacity(10)
        for y in (year - 2)...(year + 2) {
            let start = Self.instant(of: dst.start, year: y, offsetBefore: self.standard.utcOffset)
            let end = Self.instant(of: dst.end, year: y, offsetBefore: dst.type.utcOffset)
            if start <= end {
                changes.append((start, true))
                changes.append((end, false))
            } else {
                changes.append((end, false))
                changes.append((start, true))
            }
        }
        // Stable sort: within a tie the change generated later (a later year) comes last and wins.
        var order = Array(changes.indices)
        order.sort { (changes[$0].instant, $0) < (changes[$1].instant, $1) }
        var merged: [(instant: Int64, toDaylightSaving: Bool)] = []
        for index in order {
            let change = changes[index]
            if let last = merged.last, last.instant == change.instant {
                merged[merged.count - 1].toDaylightSaving = change.toDaylightSaving
            } else {
                merged.append(change)
            }
        }

        var inDaylightSaving = merged[0].toDaylightSaving
        var start = Int64.min
        var end = Int64.max
        for change in merged.dropFirst().dropLast() where change.toDaylightSaving != inDaylightSaving {
            if change.instant <= seconds {
                start = change.instant
                inDaylightSaving = change.toDaylightSaving
            } else {
                end = change.instant
                break
            }
        }
        return Self.period(inDaylightSaving ? dst.type : self.standard, start: start, end: end)
    }

    private static func period(_ type: LocalTimeType, start: Int64, end: Int64) -> UTCOffsetPeriod {
        UTCOffsetPeriod(
            utcOffset: type.utcOffset,
            isDaylightSaving: type.isDaylightSaving,
            abbreviation: type.abbreviation,
            start: start,
            end: end
        )
    }

    private static func period(_ period: UTCOffsetPeriod, start: Int64, end: Int64) -> UTCOffsetPeriod {
        var result = period
        result.start = start
        result.end = end
        return result
    }

    /// The instant of `rule` in `year`, whose local time is read at `offsetBefore`.
    static func instant(of rule: ChangeRule, year: Int, offsetBefore: Int) -> Int64 {
        let day: Int
        switch rule.date {
        case .julian(let n):
            let leapDay = CivilDateTime.isLeapYear(year) && n >= 60 ? 1 : 0
            day = CivilDateTime.daysSinceEpoch(year: year, month: 1, day: 1) + n - 1 + leapDay
        case .zeroBased(let n):
            day = CivilDateTime.daysSinceEpoch(year: year, month: 1, day: 1) + n
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilDateTime.daysSinceEpoch(year: year, month: month, day: 1)
            var dayOfMonth = (weekday - CivilDateTime.weekday(daysSinceEpoch: first) + 7) % 7 + (week - 1) * 7
            let length = CivilDateTime.daysInMonth(year: year, month: month)
            while dayOfMonth >= length {
                dayOfMonth -= 7  // week 5 means the last such weekday, which may be the 4th
            }
            day = first + dayOfMonth
        }
        return Int64(day) * 86_400 + Int64(rule.time) - Int64(offsetBefore)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b < 0 ? q - 1 : q
    }
}

/// Reads a TZ rule left to right, byte by byte.
private struct RuleParser {
    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var atEnd: Bool {
        self.index == self.bytes.count
    }

    func peek(_ byte: UInt8) -> Bool {
        self.index < self.bytes.count && self.bytes[self.index] == byte
    }

    func failure(_ what: String) -> ParseFailure {
        ParseFailure(reason: "\(what) at character \(self.index + 1)")
    }

    mutating func expect(_ byte: UInt8, what: String) throws(ParseFailure) {
        guard self.peek(byte) else { throw self.failure("expected \(what)") }
        self.index += 1
    }

    /// A zone abbreviation: three or more letters, or `<...>` holding three or more letters, digits,
    /// `+` or `-` (POSIX; the quoted form is how numeric names such as `<+0530>` are written).
    mutating func name(what: String) throws(ParseFailure) -> String {
        let begin: Int
        let end: Int
        if self.peek(UInt8(ascii: "<")) {
            self.index += 1
            begin = self.index
            while self.index < self.bytes.count, Self.isQuotedNameByte(self.bytes[self.index]) {
                self.index += 1
            }
            end = self.index
            try self.expect(UInt8(ascii: ">"), what: "\">\" closing the \(what)")
        } else {
            begin = self.index
            while self.index < self.bytes.count, Self.isLetter(self.bytes[self.index]) {
                self.index += 1
            }
            end = self.index
        }
        guard end - begin >= 3 else {
            self.index = begin
            throw self.failure("expected a \(what) of at least three letters")
        }
        return String(decoding: self.bytes[begin..<end], as: UTF8.self)
    }

    /// `[+|-]hh[:mm[:ss]]`, hours 0...24, west of UTC positive as POSIX has it; returns seconds east.
    mutating func offset(what: String) throws(ParseFailure) -> Int {
        -(try self.signedTime(maximumHours: 24, what: what))
    }

    /// `date[/time]`, the time defaulting to 02:00:00.
    mutating func changeRule(what: String) throws(ParseFailure) -> POSIXTimeZoneRule.ChangeRule {
        let date: POSIXTimeZoneRule.DateRule
        if self.peek(UInt8(ascii: "J")) {
            self.index += 1
            let n = try self.number(in: 1...365, what: "a Julian day (1...365) in the \(what)")
            date = .julian(n)
        } else if self.peek(UInt8(ascii: "M")) {
            self.index += 1
            let month = try self.number(in: 1...12, what: "a month (1...12) in the \(what)")
            try self.expect(UInt8(ascii: "."), what: "\".\" after the month in the \(what)")
            let week = try self.number(in: 1...5, what: "a week (1...5) in the \(what)")
            try self.expect(UInt8(ascii: "."), what: "\".\" after the week in the \(what)")
            let weekday = try self.number(in: 0...6, what: "a weekday (0...6) in the \(what)")
            date = .monthWeekDay(month: month, week: week, weekday: weekday)
        } else {
            let n = try self.number(in: 0...365, what: "a day (J1...J365, 0...365 or Mm.w.d) in the \(what)")
            date = .zeroBased(n)
        }
        var time = 7200
        if self.peek(UInt8(ascii: "/")) {
            self.index += 1
            time = try self.signedTime(maximumHours: 167, what: "time of the \(what)")
        }
        return POSIXTimeZoneRule.ChangeRule(date: date, time: time)
    }

    /// `[+|-]hh[:mm[:ss]]` in seconds, sign included.
    private mutating func signedTime(maximumHours: Int, what: String) throws(ParseFailure) -> Int {
        var sign = 1
        if self.peek(UInt8(ascii: "+")) {
            self.index += 1
        } else if self.peek(UInt8(ascii: "-")) {
            sign = -1
            self.index += 1
        }
        var seconds =
            try self.number(in: 0...maximumHours, what: "the hours (0...\(maximumHours)) of the \(what)") * 3600
        if self.peek(UInt8(ascii: ":")) {
            self.index += 1
            seconds += try self.number(in: 0...59, what: "the minutes (00...59) of the \(what)") * 60
            if self.peek(UInt8(ascii: ":")) {
                self.index += 1
                seconds += try self.number(in: 0...59, what: "the seconds (00...59) of the \(what)")
            }
        }
        return sign * seconds
    }

    /// One to three decimal digits whose value lies in `range`.
    private mutating func number(in range: ClosedRange<Int>, what: String) throws(ParseFailure) -> Int {
        let begin = self.index
        var value = 0
        while self.index < self.bytes.count, self.index - begin < 3, Self.isDigit(self.bytes[self.index]) {
            value = value * 10 + Int(self.bytes[self.index] - UInt8(ascii: "0"))
            self.index += 1
        }
        guard self.index > begin, range.contains(value),
            self.index == self.bytes.count || !Self.isDigit(self.bytes[self.index])
        else {
            self.index = begin
            throw self.failure("expected \(what)")
        }
        return value
    }

    private static func isDigit(_ b: UInt8) -> Bool {
        b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
    }

    private static func isLetter(_ b: UInt8) -> Bool {
        (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z")
    }

    private static func isQuotedNameByte(_ b: UInt8) -> Bool {
        isDigit(b) || isLetter(b) || b == UInt8(ascii: "+") || b == UInt8(ascii: "-")
    }
}
