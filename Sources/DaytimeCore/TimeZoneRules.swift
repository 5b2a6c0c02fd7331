/// The rules of one time zone: which offset from UTC applies at each instant.
///
/// PLACEHOLDER: UTC only until the TZif reader lands.
public struct TimeZoneRules: Sendable, Hashable {
    /// The zone's name: an IANA identifier such as `America/New_York`, or `UTC`.
    public let identifier: String

    /// Coordinated Universal Time: offset 0, never any daylight saving.
    public static let utc = TimeZoneRules(identifier: "UTC")

    private init(identifier: String) {
        self.identifier = identifier
    }

    /// The offset period in force at `seconds` since the Unix epoch.
    public func period(at seconds: Int64) -> UTCOffsetPeriod {
        UTCOffsetPeriod(utcOffset: 0, isDaylightSaving: false, abbreviation: "UTC", start: .min, end: .max)
    }
}

/// A stretch of time during which a zone's offset from UTC does not change.
public struct UTCOffsetPeriod: Sendable, Hashable {
    /// Seconds east of UTC.
    public var utcOffset: Int
    /// Whether this is daylight-saving (summer) time.
    public var isDaylightSaving: Bool
    /// The abbreviation the tz database gives, such as `EST`, `BST` or `+0530`.
    public var abbreviation: String
    /// First second (since the Unix epoch) of the period; `Int64.min` if unbounded.
    public var start: Int64
    /// First second after the period; `Int64.max` if unbounded.
    public var end: Int64

    /// Creates a period.
    public init(utcOffset: Int, isDaylightSaving: Bool, abbreviation: String, start: Int64, end: Int64) {
        self.utcOffset = utcOffset
        self.isDaylightSaving = isDaylightSaving
        self.abbreviation = abbreviation
        self.start = start
        self.end = end
    }
}
