/// A date and time of day in the proleptic Gregorian calendar, at a given offset from UTC.
///
/// The conversion from ``Instant`` is pure integer arithmetic (Howard Hinnant's `civil_from_days`),
/// so formatting a line needs no C library call, no lock and no allocation.
public struct CivilDateTime: Sendable, Hashable {
    /// The year, for example 2026. Years before 1 are astronomical (0 = 1 BC).
    public var year: Int
    /// Month of the year, 1...12.
    public var month: Int
    /// Day of the month, 1...31.
    public var day: Int
    /// Hour, 0...23.
    public var hour: Int
    /// Minute, 0...59.
    public var minute: Int
    /// Second, 0...59 (60 only for a leap second, which POSIX instants never produce).
    public var second: Int
    /// Fraction of the second in nanoseconds, 0..<1_000_000_000.
    public var nanosecond: Int
    /// Day of the week, 0 = Sunday ... 6 = Saturday.
    public var weekday: Int
    /// Seconds east of UTC at which this local time is expressed (UTC+05:30 is 19_800).
    public var utcOffset: Int

    /// Creates a value from its fields. The weekday is derived.
    public init(
        year: Int,
        month: Int,
        day: Int,
        hour: Int = 0,
        minute: Int = 0,
        second: Int = 0,
        nanosecond: Int = 0,
        utcOffset: Int = 0
    ) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.nanosecond = nanosecond
        self.utcOffset = utcOffset
        self.weekday = Self.weekday(daysSinceEpoch: Self.daysSinceEpoch(year: year, month: month, day: day))
    }

    /// The local date and time of `instant` at `utcOffset` seconds east of UTC.
    @inlinable
    public init(_ instant: Instant, utcOffset: Int = 0) {
        let local = instant.seconds + Int64(utcOffset)
        // Floor division so that instants before 1970 land on the right day.
        var days = local / 86_400
        var secondOfDay = local % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let (y, m, d) = Self.civil(daysSinceEpoch: Int(days))
        self.year = y
        self.month = m
        self.day = d
        self.hour = Int(secondOfDay / 3600)
        self.minute = Int(secondOfDay / 60 % 60)
        self.second = Int(secondOfDay % 60)
        self.nanosecond = Int(instant.nanoseconds)
        self.weekday = Self.weekday(daysSinceEpoch: Int(days))
        self.utcOffset = utcOffset
    }

    /// The instant this local date and time denotes (its offset taken into account).
    public var instant: Instant {
        let days = Int64(Self.daysSinceEpoch(year: self.year, month: self.month, day: self.day))
        let local = days * 86_400 + Int64(self.hour * 3600 + self.minute * 60 + self.second)
        return Instant(seconds: local - Int64(self.utcOffset), nanoseconds: Int32(self.nanosecond))
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (`days_from_civil`).
    @inlinable
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01 (`civil_from_days`).
    @inlinable
    public static func civil(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Day of the week of a day count since 1970-01-01 (a Thursday), 0 = Sunday.
    @inlinable
    public static func weekday(daysSinceEpoch days: Int) -> Int {
        let w = (days + 4) % 7
        return w < 0 ? w + 7 : w
    }

    /// Whether `year` is a leap year in the Gregorian calendar.
    @inlinable
    public static func isLeapYear(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    /// The number of days in `month` of `year`.
    @inlinable
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
