/// RFC 3339 (the Internet profile of ISO 8601): `2021-05-07T20:36:52Z`, `2021-05-07T20:36:52.123456+05:30`.
///
/// UTC is written `Z`; any other offset as `+hh:mm` / `-hh:mm`. The fraction, when asked for, is
/// truncated (never rounded up into the next second), so the line never claims a time not yet reached.
@usableFromInline
package enum RFC3339Format {
    /// The longest text (without line ending) for the given number of fraction digits.
    package static func maximumLength(fractionDigits: Int) -> Int {
        25 + (fractionDigits > 0 ? fractionDigits + 1 : 0)
    }

    /// Writes `time` at the start of `buffer` and returns the number of bytes written.
    /// `fractionDigits` is 0 (no fraction) or 1...9.
    @inlinable
    package static func write(
        _ time: CivilDateTime,
        fractionDigits: Int,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        var w = ASCIIWriter(buffer)
        w.fourDigits(time.year)
        w.byte(0x2D)
        w.twoDigits(time.month)
        w.byte(0x2D)
        w.twoDigits(time.day)
        w.byte(0x54)
        w.timeOfDay(time)
        if fractionDigits > 0 {
            w.byte(0x2E)
            w.fraction(time.nanosecond, digits: min(fractionDigits, 9))
        }
        if time.utcOffset == 0 {
            w.byte(0x5A)
        } else {
            let offset = abs(time.utcOffset)
            w.byte(time.utcOffset < 0 ? 0x2D : 0x2B)
            w.twoDigits(offset / 3600)
            w.byte(0x3A)
            w.twoDigits(offset / 60 % 60)
        }
        return w.count
    }
}
