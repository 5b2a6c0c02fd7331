/// Whether a leap second ends the current month (UTC), as NIST's `L` digit says it.
///
/// The digits 0, 1 and 2 are NIST's (and NTP's leap indicator's). NIST's format has no digit for
/// "not known"; ``unknown`` writes 3, NTP's leap indicator for the same state, so a client that
/// reads the digit as NTP's sees an alarm rather than a false "no leap second".
public enum LeapIndicator: Int, Sendable, Hashable, CaseIterable {
    /// No leap second at the end of this month.
    case none = 0
    /// A second is inserted: the last minute of the month has 61 seconds (23:59:60).
    case positive = 1
    /// A second is deleted: the last minute of the month has 59 seconds (23:59:59 never happens).
    case negative = 2
    /// No valid table says: the leap-second file is missing, broken or expired.
    case unknown = 3

    /// The digit written in NIST's `L` field.
    public var digit: Int { self.rawValue }
}
