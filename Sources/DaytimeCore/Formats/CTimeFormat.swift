/// The `asctime`/`ctime` layout, `Www Mmm dd hh:mm:ss yyyy`, day of month padded with a space:
/// `Fri May  7 20:36:52 2021`. Exactly what Python's `time.ctime()` prints, so the Python client
/// and every inetd user see what they always saw.
///
/// The line carries no time zone; it is read in whatever zone the server was told to use.
@usableFromInline
package enum CTimeFormat {
    /// Length of the text without the line ending (for 4-digit years).
    package static let length = 24

    @usableFromInline
    static let weekdayNames: StaticString = "SunMonTueWedThuFriSat"
    @usableFromInline
    static let monthNames: StaticString = "JanFebMarAprMayJunJulAugSepOctNovDec"

    /// Writes the 24 characters for `time` at the start of `buffer`; returns 24.
    @inlinable
    package static func write(_ time: CivilDateTime, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var w = ASCIIWriter(buffer)
        w.name(weekdayNames, index: time.weekday)
        w.byte(0x20)
        w.name(monthNames, index: time.month - 1)
        w.byte(0x20)
        w.spacePadded2(time.day)
        w.byte(0x20)
        w.timeOfDay(time)
        w.byte(0x20)
        w.fourDigits(time.year)
        return w.count
    }
}
