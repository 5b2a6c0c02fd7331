/// The layout of the line a Daytime (RFC 867) server sends.
///
/// RFC 867 leaves the syntax free. These are the layouts people use; each writes into a caller's
/// buffer, so a server can render a line per connection without allocating.
public enum DaytimeFormat: Sendable, Hashable {
    /// C's `asctime`/`ctime` and Python's `time.ctime()`: `Fri May  7 20:36:52 2021`, no zone.
    /// What Python's `time.ctime()` server and inetd send.
    case ctime
    /// RFC 3339 / ISO 8601: `2021-05-07T20:36:52Z` or `2021-05-07T20:36:52.123+05:30`,
    /// with 0, 3, 6 or 9 fraction digits.
    case rfc3339(fractionDigits: Int)
    /// RFC 2822 (e-mail) date: `Fri, 07 May 2021 20:36:52 +0000`.
    case rfc2822
    /// NIST's Internet Time Service line, `\n60640 24-11-26 16:13:06 00 0 0   0.0 UTC(daytimed) * \n`,
    /// always in UTC, with the leap-second warning and clock health from a ``TimeQualitySource``
    /// (see ``NISTFormatOptions``). Ends with LF, as NIST's does.
    case nist(NISTFormatOptions)
    /// A layout given as a strftime-style pattern (see ``DaytimePattern``).
    case pattern(DaytimePattern)

    /// Lines end with CR LF, as ctime-based servers (inetd, Python's `time.ctime()` server) send them;
    /// NIST's ends with LF.
    public static let lineEnding: [UInt8] = [0x0D, 0x0A]

    /// Parses a format name as given on the command line: `ctime`, `rfc3339`, `rfc3339.3`,
    /// `rfc3339.6`, `rfc3339.9`, `rfc2822`. Returns nil for anything else.
    public init?(name: String) {
        switch name.lowercased() {
        case "ctime", "asctime": self = .ctime
        case "rfc3339", "iso8601", "rfc3339.0": self = .rfc3339(fractionDigits: 0)
        case "rfc3339.3": self = .rfc3339(fractionDigits: 3)
        case "rfc3339.6": self = .rfc3339(fractionDigits: 6)
        case "rfc3339.9": self = .rfc3339(fractionDigits: 9)
        case "rfc2822", "rfc822": self = .rfc2822
        case "nist":
            // The default options are valid by construction.
            guard let options = try? NISTFormatOptions() else { return nil }
            self = .nist(options)
        default: return nil
        }
    }

    /// Parses what a user gives as a format: a name (``init(name:)``), or a pattern if it contains `%`.
    ///
    /// - Throws: ``DaytimeFormatError`` for an unknown name, or a pattern ``DaytimePattern`` rejects.
    public static func parse(_ text: String) throws(DaytimeFormatError) -> DaytimeFormat {
        if text.contains("%") {
            return .pattern(try DaytimePattern(text))
        }
        guard let format = DaytimeFormat(name: text) else {
            throw DaytimeFormatError(
                "unknown format '\(text)': use one of \(Self.names.joined(separator: ", ")), or a pattern "
                    + "such as '%F %T %z' (docs/FORMATS.md)"
            )
        }
        return format
    }

    /// The names ``init(name:)`` accepts, for help texts and error messages.
    public static let names = ["ctime", "rfc3339", "rfc3339.3", "rfc3339.6", "rfc3339.9", "rfc2822", "nist"]

    /// The canonical name of this format, as ``init(name:)`` reads it.
    public var name: String {
        switch self {
        case .ctime: return "ctime"
        case .rfc3339(let digits): return digits == 0 ? "rfc3339" : "rfc3339.\(digits)"
        case .rfc2822: return "rfc2822"
        case .nist: return "nist"
        case .pattern(let pattern): return pattern.source
        }
    }

    /// The longest line this format writes, line ending included. A buffer of this size is
    /// always enough for ``write(_:into:)`` (for years 0...9999).
    public var maximumLineLength: Int {
        switch self {
        case .ctime: return CTimeFormat.length + 2
        case .rfc3339(let digits): return RFC3339Format.maximumLength(fractionDigits: digits) + 2
        case .rfc2822: return RFC2822Format.length + 2
        case .nist(let options): return NISTFormat.lengthWithoutLabel + options.label.count
        case .pattern(let pattern): return pattern.maximumLineLength
        }
    }

    /// The smallest step between two lines, in seconds: how much time a line can hide.
    public var resolution: Double {
        switch self {
        case .ctime, .rfc2822, .nist: return 1
        case .pattern(let pattern):
            var digits = 0
            for field in pattern.fields {
                if case .fraction(let d) = field { digits = max(digits, d) }
            }
            return digits == 0 ? 1 : DaytimeFormat.rfc3339(fractionDigits: digits).resolution
        case .rfc3339(let digits):
            // One division by an exact power of ten, so 9 digits give exactly the double nearest 1e-9
            // (dividing by 10 nine times drifts to 1.0000000000000003e-09).
            var power = 1
            for _ in 0..<digits { power *= 10 }
            return 1 / Double(power)
        }
    }

    /// Whether two instants in the same second can give different lines. When false, a server may
    /// render once per second and reuse the bytes.
    public var showsFractionOfSecond: Bool {
        switch self {
        case .rfc3339(let digits): return digits > 0
        case .pattern(let pattern): return pattern.showsFractionOfSecond
        case .ctime, .rfc2822, .nist: return false
        }
    }

    /// Writes the line for `time` (line ending included) at the start of `buffer` and returns the
    /// number of bytes written. `buffer` must hold at least ``maximumLineLength`` bytes.
    ///
    /// A NIST line written this way has no ``TimeQualitySource`` and no advance: `L` and `H` say
    /// unknown. ``DaytimeLineRenderer`` writes it with both.
    @inlinable
    public func write(_ time: CivilDateTime, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(buffer.count >= self.maximumLineLength, "buffer too small for a \(self.name) line")
        var n: Int
        switch self {
        case .ctime: n = CTimeFormat.write(time, into: buffer)
        case .rfc3339(let digits): n = RFC3339Format.write(time, fractionDigits: digits, into: buffer)
        case .rfc2822: n = RFC2822Format.write(time, into: buffer)
        case .nist(let options):
            return NISTFormat.write(time.instant, leap: .unknown, health: 3, options: options, into: buffer)
        case .pattern(let pattern):
            return pattern.write(time, into: buffer)
        }
        buffer[n] = 0x0D
        buffer[n + 1] = 0x0A
        n += 2
        return n
    }

    /// The line for `time` as a string (line ending included). Allocates: for tests and tools, not
    /// for the server's hot path.
    public func line(for time: CivilDateTime) -> String {
        withUnsafeTemporaryAllocation(byteCount: self.maximumLineLength, alignment: 1) { buffer in
            let n = self.write(time, into: buffer)
            return String(decoding: UnsafeRawBufferPointer(rebasing: buffer[0..<n]), as: UTF8.self)
        }
    }
}
