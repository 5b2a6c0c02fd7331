/// NIST's `TT` field: the United States' daylight-saving state, with a countdown to each change.
///
/// NIST's definition: 00 while standard time is in effect, 50 while daylight time is. In the
/// month of a change the number counts down daily to it: in the spring month it is 51 plus the days
/// left (51 on the day, the change being at 2 a.m. local time), in the autumn month 1 plus the days
/// left (1 on the day). The day is the UTC date the line carries, as NIST's decrement "at 0000"
/// reads most naturally on the line's own date.
///
/// The rule is the one in force since 2007 (Energy Policy Act of 2005; tz `Rule US 2007 max`):
/// daylight time from the second Sunday of March to the first Sunday of November. It is applied to
/// every year; lines for dates before 2007 show today's rule, not the old one.
@usableFromInline
package enum USDaylightSavingCode {
    /// The code for a UTC date, 0...99.
    @inlinable
    package static func code(year: Int, month: Int, day: Int) -> Int {
        switch month {
        case 3:
            let change = Self.sunday(year: year, month: 3, ordinal: 2)
            return day <= change ? 51 + (change - day) : 50
        case 11:
            let change = Self.sunday(year: year, month: 11, ordinal: 1)
            return day <= change ? 1 + (change - day) : 0
        case 4...10:
            return 50
        default:
            return 0
        }
    }

    /// The day of the month of the `ordinal`-th Sunday (1 = first).
    @inlinable
    package static func sunday(year: Int, month: Int, ordinal: Int) -> Int {
        let weekdayOfFirst = CivilDateTime.weekday(
            daysSinceEpoch: CivilDateTime.daysSinceEpoch(year: year, month: month, day: 1)
        )
        return 1 + (7 - weekdayOfFirst) % 7 + 7 * (ordinal - 1)
    }
}
