/// The layouts ``DaytimeLineParser`` recognises: every layout a daytime server is known to send.
public enum DaytimeLineLayout: Sendable, Hashable, CustomStringConvertible {
    /// C's `ctime`/`asctime`: `Thu Nov 26 12:22:36 2026` (openbsd-inetd, Python's `time.ctime()`).
    /// States no zone: read in the assumed zone.
    case ctime
    /// `date(1)`'s default: `Thu Nov 26 12:22:36 UTC 2026`, ctime with a zone name before the year.
    case date
    /// RFC 3339 / ISO 8601 extended: `2026-11-26T12:22:36Z`, `2026-11-26T07:22:20-05:00` (nginx's
    /// `$time_iso8601`), with 0 to 9 fraction digits.
    case rfc3339(fractionDigits: Int)
    /// ISO 8601 extended forms that RFC 3339 does not allow: an offset `+0530`, or none
    /// (`2026-11-26T12:22:36`: local time, read in the assumed zone).
    case iso8601(fractionDigits: Int)
    /// RFC 2822 (and HTTP's IMF-fixdate): `Thu, 26 Nov 2026 12:22:36 +0000`.
    case rfc2822
    /// RFC 850 (HTTP's obsolete date): `Thursday, 26-Nov-26 12:22:36 GMT`. Two-digit years 70...99
    /// are 19xx, 00...69 20xx (the rule of RFC 6265 §5.1.1).
    case rfc850
    /// xinetd's internal daytime: `26 NOV 2026 12:22:38 UTC` (strftime `%d %b %Y %H:%M:%S %Z`, upper case).
    case xinetd
    /// The Common Log Format's time, nginx's `$time_local`: `26/Nov/2026:07:22:18 -0500`.
    case commonLog
    /// The NIST Internet Time Service line: `60640 24-11-26 16:13:06 00 0 0  50.0 UTC(NIST) *`.
    case nist
    /// Seconds since 1970 in decimal, 9 to 12 digits, optionally with a fraction: `1795695756`, `1795695756.25`.
    case unixSeconds(fractionDigits: Int)

    /// A short name: `ctime`, `date`, `rfc3339`, `rfc3339.3`, `iso8601`, `rfc2822`, `rfc850`, `xinetd`,
    /// `common-log`, `nist`, `unix-seconds`, `unix-seconds.3`.
    public var name: String {
        switch self {
        case .ctime: return "ctime"
        case .date: return "date"
        case .rfc3339(let digits): return digits == 0 ? "rfc3339" : "rfc3339.\(digits)"
        case .iso8601(let digits): return digits == 0 ? "iso8601" : "iso8601.\(digits)"
        case .rfc2822: return "rfc2822"
        case .rfc850: return "rfc850"
        case .xinetd: return "xinetd"
        case .commonLog: return "common-log"
        case .nist: return "nist"
        case .unixSeconds(let digits): return digits == 0 ? "unix-seconds" : "unix-seconds.\(digits)"
        }
    }

    /// The same as ``name``.
    public var description: String { self.name }

    /// The ``DaytimeFormat`` that writes this layout, when this package writes it.
    public var format: DaytimeFormat? {
        switch self {
        case .ctime: return .ctime
        case .rfc3339(let digits): return .rfc3339(fractionDigits: digits)
        case .rfc2822: return .rfc2822
        default: return nil
        }
    }
}

/// What a NIST Internet Time Service line says besides the time.
public struct NISTLineStatus: Sendable, Hashable {
    /// The Modified Julian Day the line states (checked against its date).
    public var modifiedJulianDay: Int
    /// `TT`: 00 in US standard time, 50 in daylight saving time, other values count down to a change.
    public var daylightSavingCode: Int
    /// `L`: 0 no leap second this month, 1 one will be added, 2 one will be removed.
    public var leapSecondWarning: Int
    /// `H`: 0 when the server is healthy; anything else means its time may be wrong (1: by up to
    /// 5 s, 2: by more, 4: hardware or software failure).
    public var health: Int
    /// `msADV`, in seconds: how far the server advanced the stated time to make up for the network
    /// delay it expected.
    public var advance: Double
    /// The label, such as `UTC(NIST)` or `UTC(daytimed)`: printable characters without spaces.
    public var label: String

    /// Whether the server says its clock is healthy (`H` is 0).
    public var isHealthy: Bool { self.health == 0 }
}

/// A daytime line read back into an instant: what a client gets from a line it recognises.
public struct ParsedDaytimeLine: Sendable, Hashable {
    /// The server's clock reading the line denotes. For a line with a fraction, the fraction is
    /// included as written. For a NIST line, this is the stated time minus the stated advance: the
    /// reading before the server advanced it (see ``NISTLineStatus/advance``).
    public var instant: Instant
    /// The step of the line's clock, in seconds: 1 for whole seconds, 0.001 for three fraction digits,
    /// 60 for an RFC 2822 date written without seconds. The server's true time lies in
    /// `instant ..< instant + resolution` when it truncates, as every known server does.
    public var resolution: Double
    /// The layout the line was written in.
    public var layout: DaytimeLineLayout
    /// The offset from UTC the line states (numerically or by a zone name), in seconds east; nil for
    /// lines that state none (ctime: their instant was computed with the assumed zone).
    public var statedUTCOffset: Int?
    /// For a NIST line, its other fields; nil otherwise.
    public var nist: NISTLineStatus?

    /// The ``DaytimeFormat`` that writes the line's layout; nil for layouts this package reads but
    /// does not write.
    public var format: DaytimeFormat? {
        self.layout.format
    }
}

extension ParsedDaytimeLine {
    /// A line that states its offset from UTC, `offset` seconds east, with the local time `local`
    /// (seconds since the epoch as if the zone were UTC).
    init(local: Int64, statedUTCOffset offset: Int, layout: DaytimeLineLayout, resolution: Double = 1) {
        self.init(
            instant: Instant(seconds: local - Int64(offset)),
            resolution: resolution,
            layout: layout,
            statedUTCOffset: offset
        )
    }
}
