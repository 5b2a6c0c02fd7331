/// A line layout given by the user, strftime-style: `%Y-%m-%dT%H:%M:%S.%3N%:z`.
///
/// The pattern is checked once, when it is created: an unknown field is an error naming it, and
/// the longest line it can produce must fit ``DaytimeLineRenderer/capacity``. Writing is then a walk
/// over the parsed fields with no allocation. Fields (all from C's `strftime` or GNU `date`, plus
/// `%J`):
///
/// | field | meaning | example |
/// |---|---|---|
/// | `%Y` `%y` `%C` | year (4 digits), last two digits, century | `2026` `26` `20` |
/// | `%m` `%d` `%e` `%j` | month, day, day space-padded, day of the year | `03` `07` `␠7` `066` |
/// | `%H` `%I` `%p` `%M` `%S` | hour (24 h), hour (12 h), AM/PM, minute, second | `20` `08` `PM` `36` `52` |
/// | `%a` `%A` `%b` `%B` | weekday and month names, short and full | `Fri` `Friday` `May` `May` |
/// | `%u` `%w` | weekday 1...7 from Monday, 0...6 from Sunday | `5` `5` |
/// | `%z` `%:z` | offset from UTC | `+0530` `+05:30` |
/// | `%s` | seconds since 1970-01-01 UTC | `1620419812` |
/// | `%J` | Modified Julian Date, as in NIST's line | `59341` |
/// | `%N` `%1N`...`%9N` | fraction of the second, 9 or 1...9 digits, truncated | `123456789` `123` |
/// | `%F` `%T` `%R` | `%Y-%m-%d`, `%H:%M:%S`, `%H:%M` | |
/// | `%%` | a percent sign | |
///
/// Any other character is copied; it must be printable ASCII. The line ends with CR LF.
public struct DaytimePattern: Sendable, Hashable {
    @usableFromInline
    enum Field: Sendable, Hashable {
        case literal(UInt8)
        case year, year2, century, month, day, daySpacePadded, dayOfYear
        case hour, hour12, amPM, minute, second
        case weekdayShort, weekdayFull, monthShort, monthFull, weekdayFromMonday, weekdayFromSunday
        case offset, offsetWithColon, unixSeconds, modifiedJulianDate
        case fraction(digits: Int)

        var maximumLength: Int {
            switch self {
            case .literal, .weekdayFromMonday, .weekdayFromSunday: return 1
            case .year2, .century, .month, .day, .daySpacePadded, .hour, .hour12, .amPM, .minute, .second: return 2
            case .dayOfYear, .weekdayShort, .monthShort: return 3
            case .year: return 4
            case .offset: return 5
            case .offsetWithColon: return 6
            case .modifiedJulianDate: return 7
            case .weekdayFull, .monthFull: return 9
            case .unixSeconds: return 12
            case .fraction(let digits): return digits
            }
        }
    }

    /// The pattern as the user wrote it.
    public let source: String
    @usableFromInline
    let fields: [Field]

    /// The longest line (CR LF included) the pattern can write, for years 0...9999.
    public let maximumLineLength: Int

    /// Whether the pattern shows a fraction of a second (then lines are not cached per second).
    public var showsFractionOfSecond: Bool {
        self.fields.contains { if case .fraction = $0 { return true } else { return false } }
    }

    /// Parses and checks `pattern`.
    ///
    /// - Throws: ``DaytimeFormatError`` naming an unknown field, a stray `%`, a character that is
    ///   not printable ASCII, or a pattern whose longest line does not fit.
    public init(_ pattern: String) throws(DaytimeFormatError) {
        let bytes = Array(pattern.utf8)
        var fields: [Field] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            guard (0x20...0x7E).contains(byte) else {
                throw DaytimeFormatError(
                    "format '\(pattern)' has a character that is not printable ASCII at byte \(index + 1): a "
                        + "daytime line is ASCII (RFC 867); write it with fields such as %Y-%m-%d"
                )
            }
            index += 1
            guard byte == 0x25 else {  // not '%'
                fields.append(.literal(byte))
                continue
            }
            guard index < bytes.count else {
                throw DaytimeFormatError("format '\(pattern)' ends with a lone %: write %% for a percent sign")
            }
            var name = [bytes[index]]
            var field = bytes[index]
            index += 1
            var digits: Int? = nil
            if (0x31...0x39).contains(field) || field == 0x3A {  // %3N, %:z
                guard index < bytes.count else {
                    throw Self.unknown(String(decoding: [0x25] + name, as: UTF8.self), in: pattern)
                }
                if field != 0x3A { digits = Int(field - 0x30) }
                name.append(bytes[index])
                field = bytes[index]
                index += 1
            }
            let text = String(decoding: [0x25] + name, as: UTF8.self)
            switch (name.count == 2 ? name[0] : 0, field) {
            case (0, 0x59): fields.append(.year)
            case (0, 0x79): fields.append(.year2)
            case (0, 0x43): fields.append(.century)
            case (0, 0x6D): fields.append(.month)
            case (0, 0x64): fields.append(.day)
            case (0, 0x65): fields.append(.daySpacePadded)
            case (0, 0x6A): fields.append(.dayOfYear)
            case (0, 0x48): fields.append(.hour)
            case (0, 0x49): fields.append(.hour12)
            case (0, 0x70): fields.append(.amPM)
            case (0, 0x4D): fields.append(.minute)
            case (0, 0x53): fields.append(.second)
            case (0, 0x61): fields.append(.weekdayShort)
            case (0, 0x41): fields.append(.weekdayFull)
            case (0, 0x62): fields.append(.monthShort)
            case (0, 0x42): fields.append(.monthFull)
            case (0, 0x75): fields.append(.weekdayFromMonday)
            case (0, 0x77): fields.append(.weekdayFromSunday)
            case (0, 0x7A): fields.append(.offset)
            case (0x3A, 0x7A): fields.append(.offsetWithColon)
            case (0, 0x73): fields.append(.unixSeconds)
            case (0, 0x4A): fields.append(.modifiedJulianDate)
            case (0, 0x4E): fields.append(.fraction(digits: 9))
            case (_, 0x4E) where digits != nil: fields.append(.fraction(digits: digits!))
            case (0, 0x46): fields += [.year, .literal(0x2D), .month, .literal(0x2D), .day]
            case (0, 0x54): fields += [.hour, .literal(0x3A), .minute, .literal(0x3A), .second]
            case (0, 0x52): fields += [.hour, .literal(0x3A), .minute]
            case (0, 0x25): fields.append(.literal(0x25))
            default: throw Self.unknown(text, in: pattern)
            }
        }
        let length = fields.reduce(0) { $0 + $1.maximumLength } + 2
        guard length <= DaytimeLineRenderer.capacity else {
            throw DaytimeFormatError(
                "format '\(pattern)' can write lines of up to \(length) bytes with CR LF; the limit is "
                    + "\(DaytimeLineRenderer.capacity): shorten it"
            )
        }
        guard !fields.isEmpty else {
            throw DaytimeFormatError("the format is empty: give a name such as ctime or a pattern such as '%F %T'")
        }
        self.source = pattern
        self.fields = fields
        self.maximumLineLength = length
    }

    private static func unknown(_ field: String, in pattern: String) -> DaytimeFormatError {
        DaytimeFormatError(
            "unknown field \(field) in format '\(pattern)': use %Y %y %C %m %d %e %j %H %I %p %M %S %a %A %b %B %u %w "
                + "%z %:z %s %J %N %1N-%9N %F %T %R or %% (docs/FORMATS.md)"
        )
    }

    @usableFromInline
    static let weekdayNames: [StaticString] = [
        "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
    ]
    @usableFromInline
    static let monthNames: [StaticString] = [
        "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
        "November", "December",
    ]

    /// Writes the line for `time` (CR LF included) at the start of `buffer`, which holds at least
    /// ``maximumLineLength`` bytes, and returns its length.
    @inlinable
    public func write(_ time: CivilDateTime, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var w = ASCIIWriter(buffer)
        for field in self.fields {
            switch field {
            case .literal(let byte): w.byte(byte)
            case .year: w.fourDigits(time.year)
            case .year2: w.twoDigits((time.year % 100 + 100) % 100)
            case .century: w.twoDigits(min(max(time.year, 0), 9999) / 100)
            case .month: w.twoDigits(time.month)
            case .day: w.twoDigits(time.day)
            case .daySpacePadded: w.spacePadded2(time.day)
            case .dayOfYear:
                let days =
                    CivilDateTime.daysSinceEpoch(year: time.year, month: time.month, day: time.day)
                    - CivilDateTime.daysSinceEpoch(year: time.year, month: 1, day: 1)
                w.decimal(days + 1, digits: 3)
            case .hour: w.twoDigits(time.hour)
            case .hour12: w.twoDigits(time.hour % 12 == 0 ? 12 : time.hour % 12)
            case .amPM:
                w.byte(time.hour < 12 ? 0x41 : 0x50)
                w.byte(0x4D)
            case .minute: w.twoDigits(time.minute)
            case .second: w.twoDigits(time.second)
            case .weekdayShort: w.name(CTimeFormat.weekdayNames, index: time.weekday)
            case .weekdayFull: w.staticString(Self.weekdayNames[time.weekday])
            case .monthShort: w.name(CTimeFormat.monthNames, index: time.month - 1)
            case .monthFull: w.staticString(Self.monthNames[time.month - 1])
            case .weekdayFromMonday: w.byte(UInt8(truncatingIfNeeded: 0x30 + (time.weekday == 0 ? 7 : time.weekday)))
            case .weekdayFromSunday: w.byte(UInt8(truncatingIfNeeded: 0x30 + time.weekday))
            case .offset, .offsetWithColon:
                let offset = abs(time.utcOffset)
                w.byte(time.utcOffset < 0 ? 0x2D : 0x2B)
                w.twoDigits(offset / 3600 % 100)
                if case .offsetWithColon = field { w.byte(0x3A) }
                w.twoDigits(offset / 60 % 60)
            case .unixSeconds:
                let seconds = time.instant.seconds
                if seconds < 0 { w.byte(0x2D) }
                let magnitude = Int(seconds.magnitude)
                w.decimal(magnitude, minimumDigits: 1, maximumDigits: 12)
            case .modifiedJulianDate:
                w.decimal(max(0, min(NISTFormat.modifiedJulianDate(time.instant), 9_999_999)), minimumDigits: 5)
            case .fraction(let digits): w.fraction(time.nanosecond, digits: digits)
            }
        }
        w.byte(0x0D)
        w.byte(0x0A)
        return w.count
    }
}

extension ASCIIWriter {
    /// The bytes of a static ASCII string.
    @inlinable
    mutating func staticString(_ text: StaticString) {
        let base = text.utf8Start
        for index in 0..<text.utf8CodeUnitCount {
            self.byte(base[index])
        }
    }
}
