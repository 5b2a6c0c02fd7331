/// The RFC 2822 (e-mail) date: `Fri, 07 May 2021 20:36:52 +0000`, always with a numeric offset.
@usableFromInline
package enum RFC2822Format {
    /// Length of the text without the line ending (for 4-digit years).
    package static let length = 31

    /// Writes `time` at the start of `buffer`; returns 31.
    @inlinable
    package static func write(_ time: CivilDateTime, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var w = ASCIIWriter(buffer)
        w.name(CTimeFormat.weekdayNames, index: time.weekday)
        w.byte(0x2C)
        w.byte(0x20)
        w.twoDigits(time.day)
        w.byte(0x20)
        w.name(CTimeFormat.monthNames, index: time.month - 1)
        w.byte(0x20)
        w.fourDigits(time.year)
        w.byte(0x20)
        w.timeOfDay(time)
        w.byte(0x20)
        let offset = abs(time.utcOffset)
        w.byte(time.utcOffset < 0 ? 0x2D : 0x2B)
        w.twoDigits(offset / 3600)
        w.twoDigits(offset / 60 % 60)
        return w.count
    }
}
