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

    /// An optional `.` and 1 to 9 digits of a second: the nanoseconds and the number of digits,
    /// (0, 0) when there is no `.`, nil for a `.` without digits or with more than nine.
    mutating func fractionOfSecond() -> (nanoseconds: Int, digits: Int)? {
        guard self.byte(0x2E) else { return (0, 0) }
        guard let (value, digits) = self.digits(atMost: 9) else { return nil }
        var nanoseconds = value
        for _ in digits..<9 {
            nanoseconds *= 10
        }
        return (nanoseconds, digits)
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
    /// Consumes a run of 1 to `most` decimal digits: their value and how many there are; nil if
    /// there are none, or more.
    mutating func digits(atMost most: Int) -> (value: Int, count: Int)? {
        var value = 0
        var count = 0
        while let d = self.digit() {
            count += 1
            guard count <= most else { return nil }
            value = value * 10 + d
        }
        return count > 0 ? (value, count) : nil
    }

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

    /// Consumes a zone abbreviation (1 to 5 ASCII letters) and returns its offset in seconds east:
    /// `UT`, `UTC`, `GMT` and the US names RFC 2822 §4.3 defines (`EST` ... `PDT`), or else
    /// `localAbbreviation`'s offset when the name is that (the assumed zone's abbreviation at the
    /// line's time). Military single letters are not accepted: RFC 2822 says their meaning is unknown.
    mutating func zoneName(local: (abbreviation: String, utcOffset: Int)? = nil) -> Int? {
        var length = 0
        while self.index + length < self.end, length < 6 {
            let b = self.buffer[self.index + length] | 0x20
            guard b >= 0x61 && b <= 0x7A else { break }
            length += 1
        }
        guard length >= 2 && length <= 5 else { return nil }
        func upper(_ i: Int) -> UInt8 {
            let b = self.buffer[self.index + i]
            return b >= 0x61 && b <= 0x7A ? b - 0x20 : b
        }
        var offset: Int? = nil
        if length == 2 && upper(0) == 0x55 && upper(1) == 0x54 {  // UT
            offset = 0
        } else if length == 3 {
            let (a, b, c) = (upper(0), upper(1), upper(2))
            if (a == 0x47 && b == 0x4D && c == 0x54) || (a == 0x55 && b == 0x54 && c == 0x43) {  // GMT, UTC
                offset = 0
            } else if c == 0x54, b == 0x53 || b == 0x44 {
                // EST EDT CST CDT MST MDT PST PDT: standard -5...-8 hours, daylight one hour more.
                switch a {
                case 0x45: offset = -5
                case 0x43: offset = -6
                case 0x4D: offset = -7
                case 0x50: offset = -8
                default: break
                }
                offset = offset.map { ($0 + (b == 0x44 ? 1 : 0)) * 3600 }
            }
        }
        if offset == nil, let local, local.abbreviation.utf8.count == length {
            var matches = true
            for (i, b) in local.abbreviation.utf8.enumerated() where upper(i) != (b >= 0x61 && b <= 0x7A ? b - 0x20 : b)
            {
                matches = false
            }
            if matches {
                offset = local.utcOffset
            }
        }
        guard let offset else { return nil }
        self.index += length
        return offset
    }

    /// Consumes `+hhmm` / `-hhmm` (or `+hh:mm` with `colon`) and returns the offset in seconds east.
    mutating func numericOffset(colon: Bool) -> Int? {
        let start = self.index
        let negative = self.peek == 0x2D
        guard self.byte(0x2B) || self.byte(0x2D), let hh = self.digits(2), !colon || self.byte(0x3A),
            let mm = self.digits(2), hh < 24, mm < 60
        else {
            self.index = start
            return nil
        }
        return (negative ? -1 : 1) * (hh * 3600 + mm * 60)
    }

    /// Whether the next byte is an ASCII letter.
    var atLetter: Bool {
        let b = self.peek | 0x20
        return b >= 0x61 && b <= 0x7A
    }
}
