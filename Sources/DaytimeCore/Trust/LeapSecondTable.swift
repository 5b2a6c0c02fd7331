import DaytimeSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The leap seconds the IERS has announced, read from the tz database's `leap-seconds.list`.
///
/// The file's own rules (its header comments): a data line is `<NTP seconds> <TAI-UTC>` with an
/// optional `#` comment, valid from 00:00:00 UTC of the day it names; `#$` is the last update and
/// `#@` the expiry, both in NTP seconds (since 1900); `#h` is the SHA-1 of the `#$` and `#@` values
/// and of each data line's two fields, concatenated without white space, as five hexadecimal
/// words. A table is only built from a file whose hash matches, so a truncated or edited file is
/// refused rather than half-believed.
public struct LeapSecondTable: Sendable, Hashable {
    /// One line of the table: from `start` on, TAI - UTC is `taiMinusUTC` seconds.
    public struct Entry: Sendable, Hashable {
        /// The first instant the offset applies to (00:00:00 UTC of a day).
        public var start: Instant
        /// TAI - UTC in seconds from `start` on.
        public var taiMinusUTC: Int
    }

    /// Where Debian's tzdata (and most Linux distributions) install the list.
    public static let defaultPath = "/usr/share/zoneinfo/leap-seconds.list"

    /// Seconds from 1900-01-01 (the NTP epoch) to 1970-01-01.
    static let ntpToUnix: Int64 = 2_208_988_800

    /// Every line of the table, oldest first. The first is the initial offset (10 s in 1972), not a leap.
    public let entries: [Entry]
    /// When the list was last updated (`#$`).
    public let lastUpdate: Instant
    /// After this instant the list must not be trusted for leap seconds still to come (`#@`).
    public let expiry: Instant
    /// Where the table came from, for messages.
    public let source: String

    /// Parses the text of a `leap-seconds.list` and checks its hash.
    ///
    /// - Throws: ``LeapSecondTableError`` with code `malformed` or `hashMismatch`.
    public init(text bytes: [UInt8], source: String) throws(LeapSecondTableError) {
        var lastUpdate: Int64?
        var expiry: Int64?
        var hash: [UInt32]?
        var entries: [Entry] = []
        var hashed: [UInt8] = []
        // Hashed in this order whatever the order of the lines: last update, expiry, data.
        var hashedUpdate: [UInt8] = []
        var hashedExpiry: [UInt8] = []
        var lineNumber = 0

        func fail(_ reason: String) -> LeapSecondTableError {
            LeapSecondTableError(
                code: .malformed,
                message: "leap-second list \(source) line \(lineNumber): \(reason); \(LeapSecondTableError.advice)"
            )
        }

        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let fields = line.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
            guard let first = fields.first else { continue }
            if first.first == 0x23 {  // '#'
                let tag = first.count > 1 ? first[first.startIndex + 1] : 0
                // The value, whether or not white space follows the tag.
                let values = (first.count > 2 ? [first.dropFirst(2)] : []) + fields.dropFirst()
                switch tag {
                case 0x24, 0x40:  // '$' last update, '@' expiry
                    guard values.count == 1, let value = Self.integer(values[0]) else {
                        throw fail("expected one number after #\(tag == 0x24 ? "$" : "@")")
                    }
                    if tag == 0x24 {
                        lastUpdate = value
                        hashedUpdate = Array(values[0])
                    } else {
                        expiry = value
                        hashedExpiry = Array(values[0])
                    }
                case 0x68:  // 'h'
                    let words = values.compactMap { Self.hexWord($0) }
                    guard values.count == 5, words.count == 5 else {
                        throw fail("the #h line needs five hexadecimal words")
                    }
                    hash = words
                default:
                    continue
                }
                continue
            }
            guard fields.count >= 2, let seconds = Self.integer(fields[0]), let offset = Self.integer(fields[1]),
                fields.count == 2 || fields[2].first == 0x23
            else {
                throw fail("expected \"<NTP seconds> <TAI-UTC> # <date>\"")
            }
            let start = Instant(seconds: seconds - Self.ntpToUnix)
            if let previous = entries.last {
                guard start > previous.start else { throw fail("times must increase") }
                guard abs(Int(offset) - previous.taiMinusUTC) == 1 else {
                    throw fail("TAI-UTC may change by one second at a time")
                }
                guard start.seconds % 86_400 == 0 else { throw fail("a leap second ends a UTC day") }
            }
            entries.append(Entry(start: start, taiMinusUTC: Int(offset)))
            hashed += fields[0]
            hashed += fields[1]
        }
        lineNumber = 0
        guard let lastUpdate else { throw fail("no #$ (last update) line") }
        guard let expiry else { throw fail("no #@ (expiry) line") }
        guard !entries.isEmpty else { throw fail("no data lines") }
        guard let hash else {
            throw LeapSecondTableError(
                code: .malformed,
                message: "leap-second list \(source) has no #h (hash) line: it is truncated or not a "
                    + "leap-seconds.list; \(LeapSecondTableError.advice)"
            )
        }
        let actual = SHA1.hash(hashedUpdate + hashedExpiry + hashed)
        guard actual == hash else {
            throw LeapSecondTableError(
                code: .hashMismatch,
                message: "leap-second list \(source) fails its hash check (#h \(SHA1.hexDigest(hash)), data "
                    + "\(SHA1.hexDigest(actual))): it is truncated or was edited; \(LeapSecondTableError.advice)"
            )
        }
        self.entries = entries
        self.lastUpdate = Instant(seconds: lastUpdate - Self.ntpToUnix)
        self.expiry = Instant(seconds: expiry - Self.ntpToUnix)
        self.source = source
    }

    /// Reads and checks the list at `path`.
    ///
    /// - Throws: ``LeapSecondTableError``: `missing`, `unreadable`, `malformed` or `hashMismatch`.
    public init(path: String = LeapSecondTable.defaultPath) throws(LeapSecondTableError) {
        try self.init(text: Self.readFile(path), source: path)
    }

    /// Whether the list is past its expiry at `instant`.
    public func isExpired(at instant: Instant) -> Bool {
        instant >= self.expiry
    }

    /// Whether a leap second ends the UTC month containing `instant`.
    ///
    /// A leap second the list names is known whatever its expiry; otherwise "none" holds only while
    /// the list is valid, and an expired list answers ``LeapIndicator/unknown``.
    public func indicator(forMonthContaining instant: Instant) -> LeapIndicator {
        let date = CivilDateTime(instant)
        let nextMonth =
            date.month == 12
            ? CivilDateTime(year: date.year + 1, month: 1, day: 1)
            : CivilDateTime(year: date.year, month: date.month + 1, day: 1)
        let end = nextMonth.instant
        if let index = self.entries.firstIndex(where: { $0.start == end }), index > 0 {
            return self.entries[index].taiMinusUTC > self.entries[index - 1].taiMinusUTC ? .positive : .negative
        }
        return self.isExpired(at: instant) ? .unknown : .none
    }

    /// TAI - UTC at `instant`, or nil before the table's first line.
    public func taiMinusUTC(at instant: Instant) -> Int? {
        self.entries.last { $0.start <= instant }?.taiMinusUTC
    }

    private static func integer(_ text: ArraySlice<UInt8>) -> Int64? {
        guard !text.isEmpty, text.count <= 18, text.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return text.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }

    // Compared as numbers: some writers drop a word's leading zeros.
    private static func hexWord(_ text: ArraySlice<UInt8>) -> UInt32? {
        guard !text.isEmpty, text.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in text {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            case 0x41...0x46: digit = byte - 0x41 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    /// The list is about 5 KB; anything far bigger is not one.
    private static let maximumFileSize = 1 << 20

    private static func readFile(_ path: String) throws(LeapSecondTableError) -> [UInt8] {
        do {
            return try DaytimeSystem.readFile(path, maximumSize: Self.maximumFileSize)
        } catch {
            let (code, reason): (LeapSecondTableError.Code, String) =
                switch (error.call, error.errno) {
                case ("open", ENOENT), ("open", ENOTDIR): (.missing, "no such file")
                case ("open", _): (.unreadable, "cannot open it (\(error.reason))")
                case (_, EFBIG): (.unreadable, "over \(Self.maximumFileSize) bytes, too big for a leap-second list")
                default: (.unreadable, "cannot read it (\(error.reason))")
                }
            throw LeapSecondTableError(
                code: code,
                message: "leap-second list \(path): \(reason); \(LeapSecondTableError.advice)"
            )
        }
    }
}
