/// Writes ASCII fields into a raw buffer, left to right, without allocating.
///
/// The formats use it so that rendering a line is a handful of stores. Callers size the buffer;
/// writes past its end trap (bounds are checked in debug builds by the buffer pointer).
@usableFromInline
struct ASCIIWriter {
    @usableFromInline
    let buffer: UnsafeMutableRawBufferPointer
    @usableFromInline
    var count: Int

    @inlinable
    init(_ buffer: UnsafeMutableRawBufferPointer) {
        self.buffer = buffer
        self.count = 0
    }

    @inlinable
    mutating func byte(_ b: UInt8) {
        self.buffer[self.count] = b
        self.count += 1
    }

    /// Two digits, zero-padded; `value` must be in 0...99.
    @inlinable
    mutating func twoDigits(_ value: Int) {
        self.byte(UInt8(truncatingIfNeeded: 0x30 + value / 10))
        self.byte(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }

    /// `hh:mm:ss`, the time of day every fixed layout writes alike.
    @inlinable
    mutating func timeOfDay(_ time: CivilDateTime) {
        self.twoDigits(time.hour)
        self.byte(0x3A)
        self.twoDigits(time.minute)
        self.byte(0x3A)
        self.twoDigits(time.second)
    }

    /// Two characters, the tens replaced by a space when zero (C's `%e`).
    @inlinable
    mutating func spacePadded2(_ value: Int) {
        self.byte(value >= 10 ? UInt8(truncatingIfNeeded: 0x30 + value / 10) : 0x20)
        self.byte(UInt8(truncatingIfNeeded: 0x30 + value % 10))
    }

    /// Four digits, zero-padded; years outside 0...9999 are clamped (the formats' stated range).
    @inlinable
    mutating func fourDigits(_ value: Int) {
        let v = min(max(value, 0), 9999)
        self.twoDigits(v / 100)
        self.twoDigits(v % 100)
    }

    /// The first `digits` digits of a nanosecond fraction (`digits` in 1...9).
    @inlinable
    mutating func fraction(_ nanoseconds: Int, digits: Int) {
        var divisor = 100_000_000
        var rest = nanoseconds
        for _ in 0..<digits {
            self.byte(UInt8(truncatingIfNeeded: 0x30 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    /// The `index`-th three-letter name from a table of concatenated names.
    @inlinable
    mutating func name(_ table: StaticString, index: Int) {
        let base = table.utf8Start + index * 3
        self.byte(base[0])
        self.byte(base[1])
        self.byte(base[2])
    }
}

extension ASCIIWriter {
    /// A non-negative number in decimal, in as many digits as it takes, zero-padded to at least
    /// `minimumDigits` (five for NIST's MJD); beyond `maximumDigits`, higher digits are dropped.
    @inlinable
    mutating func decimal(_ value: Int, minimumDigits: Int, maximumDigits: Int = 19) {
        var digits = 1
        var limit = 10
        while (digits < minimumDigits || value >= limit) && digits < maximumDigits {
            digits += 1
            limit &*= 10
        }
        self.decimal(value, digits: digits)
    }

    /// `value` (non-negative) as exactly `digits` decimal digits, zero-padded; higher digits are dropped.
    @inlinable
    mutating func decimal(_ value: Int, digits: Int) {
        var rest = value
        var index = self.count + digits - 1
        while index >= self.count {
            self.buffer[index] = UInt8(truncatingIfNeeded: 0x30 + rest % 10)
            rest /= 10
            index -= 1
        }
        self.count += digits
    }
}
