/// The options of NIST's line that are ours to choose: the label and the advance.
public struct NISTFormatOptions: Sendable, Hashable {
    /// The label in the place of `UTC(NIST)`. We are not NIST, so the default says whose UTC it is.
    public static let defaultLabel = "UTC(daytimed)"
    /// The longest label that keeps every line within ``DaytimeLineRenderer/capacity``.
    public static let maximumLabelLength = DaytimeLineRenderer.capacity - NISTFormat.lengthWithoutLabel

    /// The label, as bytes (printable ASCII without spaces, so parsers that split on spaces work).
    public let label: [UInt8]
    /// The advance in tenths of a millisecond, 0...9999: the line is stamped this much ahead of the
    /// clock, to make up for the network delay, and `msADV` says so.
    public let advanceTenthsOfMillisecond: Int

    /// Creates options, checking them.
    ///
    /// - Parameters:
    ///   - label: replaces `UTC(NIST)`; 1 to ``maximumLabelLength`` printable ASCII characters, no spaces.
    ///   - advanceMilliseconds: 0 to 999.9, kept to a tenth of a millisecond. Default 0: the line
    ///     states the clock's time as read.
    /// - Throws: ``DaytimeFormatError`` saying which option is wrong and what is allowed.
    public init(
        label: String = NISTFormatOptions.defaultLabel,
        advanceMilliseconds: Double = 0
    )
        throws(DaytimeFormatError)
    {
        let bytes = Array(label.utf8)
        guard !bytes.isEmpty, bytes.count <= Self.maximumLabelLength, bytes.allSatisfy({ (0x21...0x7E).contains($0) })
        else {
            throw DaytimeFormatError(
                "NIST label \"\(label)\" is not usable: give 1 to \(Self.maximumLabelLength) printable ASCII "
                    + "characters without spaces, such as \(Self.defaultLabel)"
            )
        }
        guard advanceMilliseconds.isFinite, (0...999.9).contains(advanceMilliseconds) else {
            throw DaytimeFormatError(
                "NIST advance \(advanceMilliseconds) ms is out of range: use 0 to 999.9 milliseconds"
            )
        }
        self.label = bytes
        self.advanceTenthsOfMillisecond = Int((advanceMilliseconds * 10).rounded())
    }

    /// The label as text.
    public var labelText: String { String(decoding: self.label, as: UTF8.self) }

    /// The advance in nanoseconds.
    @inlinable
    public var advanceNanoseconds: Int32 { Int32(self.advanceTenthsOfMillisecond) * 100_000 }
}

/// NIST's Internet Time Service daytime line, every field computed:
///
/// ```
/// \n60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) * \n
///   JJJJJ YR-MO-DA HH:MM:SS TT L H msADV LABEL     OTM
/// ```
///
/// `JJJJJ` the Modified Julian Date (at least five digits); the date and time in UTC, whatever the
/// server's zone; `TT` the US daylight-saving code (``USDaylightSavingCode``); `L` the leap-second
/// warning (``LeapIndicator``); `H` the clock's health (``ClockState/healthDigit``); `msADV` the advance in
/// milliseconds, `%5.1f`; the label; `*` the on-time marker. The framing is NIST's: a line feed
/// before the code, a space and a line feed after the marker, no carriage return. See
/// docs/FORMATS.md.
@usableFromInline
package enum NISTFormat {
    /// The line's length apart from the label, with a seven-digit MJD (year 9999).
    package static let lengthWithoutLabel = 44

    /// The MJD of 1970-01-01.
    @usableFromInline
    static let mjdOfUnixEpoch = 40_587

    /// The Modified Julian Date of the UTC day containing `instant` (days since 1858-11-17).
    @inlinable
    package static func modifiedJulianDate(_ instant: Instant) -> Int {
        var days = instant.seconds / 86_400
        if instant.seconds % 86_400 < 0 { days -= 1 }
        return Int(days) + Self.mjdOfUnixEpoch
    }

    /// Writes the line for `instant` (already advanced) with `leap`, `health` and `options` at the start
    /// of `buffer`, which holds at least `lengthWithoutLabel + options.label.count` bytes. Returns
    /// its length. Instants before 1858-11-17 write MJD 00000; years after 9999 are clamped.
    @inlinable
    package static func write(
        _ instant: Instant,
        leap: LeapIndicator,
        health: Int,
        options: NISTFormatOptions,
        into buffer: UnsafeMutableRawBufferPointer
    ) -> Int {
        let time = CivilDateTime(instant)
        var w = ASCIIWriter(buffer)
        w.byte(0x0A)
        w.decimal(max(0, min(Self.modifiedJulianDate(instant), 9_999_999)), minimumDigits: 5)
        w.byte(0x20)
        w.twoDigits((time.year % 100 + 100) % 100)
        w.byte(0x2D)
        w.twoDigits(time.month)
        w.byte(0x2D)
        w.twoDigits(time.day)
        w.byte(0x20)
        w.timeOfDay(time)
        w.byte(0x20)
        w.twoDigits(USDaylightSavingCode.code(year: time.year, month: time.month, day: time.day))
        w.byte(0x20)
        w.byte(UInt8(truncatingIfNeeded: 0x30 + leap.digit))
        w.byte(0x20)
        w.byte(UInt8(truncatingIfNeeded: 0x30 + health))
        w.byte(0x20)
        // %5.1f of 0.0...999.9: three places space-padded, a point, one decimal.
        let tenths = options.advanceTenthsOfMillisecond
        let whole = tenths / 10
        if whole >= 100 {
            w.decimal(whole, digits: 3)
        } else {
            w.byte(0x20)
            w.spacePadded2(whole)
        }
        w.byte(0x2E)
        w.byte(UInt8(truncatingIfNeeded: 0x30 + tenths % 10))
        w.byte(0x20)
        for byte in options.label { w.byte(byte) }
        w.byte(0x20)
        w.byte(0x2A)
        w.byte(0x20)
        w.byte(0x0A)
        return w.count
    }
}
