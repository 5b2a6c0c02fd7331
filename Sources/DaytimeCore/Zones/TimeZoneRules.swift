import DaytimeSystem

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The rules of one time zone: which offset from UTC applies at each instant.
///
/// Read from the system's tz database (TZif files, RFC 8536) or from a POSIX TZ rule, in pure Swift:
/// no Foundation, and no `localtime_r`, whose zone is the process-global `TZ`. Lookups are a binary
/// search over the zone's transitions; after the last one the file's POSIX rule takes over, so dates
/// beyond 2037 are right too. The value holds plain arrays and is safe to share between threads.
public struct TimeZoneRules: Sendable, Hashable {
    /// The zone's name: an IANA identifier such as `America/New_York`, `UTC`, the TZ rule it was
    /// made from (`EST5EDT,M3.2.0,M11.1.0`), or the path of a zone file given by absolute path.
    public let identifier: String

    private let transitionTimes: [Int64]
    private let transitionTypes: [UInt8]
    private let localTimeTypes: [LocalTimeType]
    private let footer: POSIXTimeZoneRule?

    /// Coordinated Universal Time: offset 0, never any daylight saving.
    public static let utc = TimeZoneRules(
        identifier: "UTC",
        transitionTimes: [],
        transitionTypes: [],
        localTimeTypes: [LocalTimeType(utcOffset: 0, isDaylightSaving: false, abbreviation: "UTC")],
        footer: nil
    )

    /// The directory of TZif files: `$TZDIR` when set and not empty, else `/usr/share/zoneinfo`.
    public static var zoneInfoDirectory: String {
        if let value = getenv("TZDIR"), value.pointee != 0 {
            return String(cString: value)
        }
        return "/usr/share/zoneinfo"
    }

    private init(
        identifier: String,
        transitionTimes: [Int64],
        transitionTypes: [UInt8],
        localTimeTypes: [LocalTimeType],
        footer: POSIXTimeZoneRule?
    ) {
        self.identifier = identifier
        self.transitionTimes = transitionTimes
        self.transitionTypes = transitionTypes
        self.localTimeTypes = localTimeTypes
        self.footer = footer
    }

    /// Loads the zone `identifier` (such as `Europe/London`) from ``zoneInfoDirectory``.
    ///
    /// `UTC`, `GMT` and `Z` need no file and give ``utc``. Names that could leave the directory (with
    /// `..`, `.` or empty components, or starting with `/`) are rejected.
    /// - Throws: ``TimeZoneError`` with code `unknownZone` when there is no such zone, `invalidData`
    ///   when its file is not valid TZif.
    public init(identifier: String) throws(TimeZoneError) {
        try self.init(identifier: identifier, directory: Self.zoneInfoDirectory)
    }

    /// Loads the zone `identifier` from the TZif files in `directory` instead of ``zoneInfoDirectory``.
    /// - Throws: ``TimeZoneError``, as ``init(identifier:)``.
    public init(identifier: String, directory: String) throws(TimeZoneError) {
        if identifier == "UTC" || identifier == "GMT" || identifier == "Z" {
            self = .utc
            return
        }
        let components = identifier.split(separator: "/", omittingEmptySubsequences: false)
        guard !identifier.isEmpty, !identifier.utf8.contains(0),
            !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else {
            throw TimeZoneError.invalidName(identifier, directory: directory)
        }
        let path = directory.hasSuffix("/") ? directory + identifier : directory + "/" + identifier
        try self.init(path: path, identifier: identifier, adviceDirectory: directory)
    }

    /// Reads the zone from TZif bytes, for tests and for zone data that does not come from a file.
    /// - Throws: ``TimeZoneError`` with code `invalidData` when the bytes are not valid TZif.
    public init(tzifData: [UInt8], identifier: String) throws(TimeZoneError) {
        try self.init(tzifData: tzifData, identifier: identifier, source: "data for \"\(identifier)\"")
    }

    /// A zone described by a POSIX TZ rule alone, such as `EST5EDT,M3.2.0,M11.1.0`, `IST-5:30` or
    /// `<+1030>-10:30<+11>-11,M10.1.0,M4.1.0` (POSIX.1-2017 §8.3 with the RFC 8536 extensions).
    ///
    /// Offsets are written west of UTC (`EST5` is UTC-5), as POSIX has it. A daylight-saving name
    /// without rules (`EST5EDT`) gets the United States rules, as in glibc. The identifier is `rule`.
    /// - Throws: ``TimeZoneError`` with code `invalidRule`, saying where the rule stops making sense.
    public init(posixRule rule: String) throws(TimeZoneError) {
        let parsed: POSIXTimeZoneRule
        do {
            parsed = try POSIXTimeZoneRule(rule)
        } catch {
            throw TimeZoneError.invalidRule(rule, reason: error.reason)
        }
        self.init(identifier: rule, transitionTimes: [], transitionTypes: [], localTimeTypes: [], footer: parsed)
    }

    /// The zone a value of the `TZ` environment variable names, read as glibc reads it.
    ///
    /// - An empty value means UTC.
    /// - `:name` is a zone file: `name` in ``zoneInfoDirectory``, or an absolute path.
    /// - `/path` is a zone file at that absolute path.
    /// - Anything else is first tried as a zone name (`Europe/London`, `EST5EDT`), then as a POSIX TZ
    ///   rule (`CET-1CEST,M3.5.0,M10.5.0/3`).
    /// - Throws: ``TimeZoneError``: for a value that looks like a rule (it has a digit, `,` or `<`)
    ///   the rule's error, otherwise the zone file's.
    public init(environmentValue value: String) throws(TimeZoneError) {
        if value.isEmpty {
            self = .utc
            return
        }
        self = try Self.fromEnvironmentValue(value)
    }

    private static func fromEnvironmentValue(_ value: String) throws(TimeZoneError) -> TimeZoneRules {
        let isFileOnly = value.hasPrefix(":")
        let name = isFileOnly ? String(value.dropFirst()) : value
        if name.hasPrefix("/") {
            return try TimeZoneRules(path: name, identifier: name, adviceDirectory: Self.zoneInfoDirectory)
        }
        if isFileOnly {
            return try TimeZoneRules(identifier: name)
        }
        let zoneError: TimeZoneError
        do {
            return try TimeZoneRules(identifier: name)
        } catch {
            zoneError = error
        }
        guard zoneError.code == .unknownZone else { throw zoneError }
        do {
            return try TimeZoneRules(posixRule: name)
        } catch {
            let looksLikeRule = name.utf8.contains { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2C || $0 == 0x3C }
            throw looksLikeRule ? error : zoneError
        }
    }

    /// The zone this process runs in, read as the C library would: the `TZ` environment variable when
    /// set (see ``init(environmentValue:)``), else `/etc/localtime`, else UTC.
    ///
    /// Never fails: a `TZ` or `/etc/localtime` that cannot be read gives UTC, as it does in glibc.
    /// Use ``init(environmentValue:)`` to report such a problem instead.
    public static func local() -> TimeZoneRules {
        if let value = getenv("TZ") {
            return (try? TimeZoneRules(environmentValue: String(cString: value))) ?? .utc
        }
        let path = "/etc/localtime"
        let identifier = Self.linkedZoneName(path) ?? path
        return (try? TimeZoneRules(path: path, identifier: identifier, adviceDirectory: Self.zoneInfoDirectory))
            ?? .utc
    }

    /// The offset period in force at `seconds` since the Unix epoch.
    ///
    /// `start` and `end` bound the stretch in which nothing changes, so a caller may keep the period
    /// until `end`. A binary search over the zone's transitions: O(log n), no allocation for zones
    /// read from files before their last transition.
    public func period(at seconds: Int64) -> UTCOffsetPeriod {
        let times = self.transitionTimes
        if times.isEmpty {
            if let footer = self.footer {
                return footer.period(at: seconds)
            }
            return self.period(type: 0, start: .min, end: .max)
        }
        // The number of transitions at or before `seconds`.
        var low = 0
        var high = times.count
        while low < high {
            let middle = (low + high) / 2
            if times[middle] <= seconds {
                low = middle + 1
            } else {
                high = middle
            }
        }
        if low == 0 {
            // RFC 8536 §3.2: local time type 0 applies before the first transition.
            return self.period(type: 0, start: .min, end: times[0])
        }
        let last = low - 1
        let type = Int(self.transitionTypes[last])
        if low < times.count {
            return self.period(type: type, start: times[last], end: times[low])
        }
        guard let footer = self.footer else {
            return self.period(type: type, start: times[last], end: .max)
        }
        var period = footer.period(at: seconds)
        period.start = max(period.start, times[last])
        return period
    }

    /// The offset, in seconds east of UTC, to read the local wall-clock time `localSeconds` with:
    /// `localSeconds - utcOffset(forLocal: localSeconds)` is the instant it denotes. `localSeconds`
    /// counts seconds since 1970-01-01T00:00:00 local time, as ``CivilDateTime/instant`` with a zero
    /// offset gives them. This is how to place a line without a zone, such as a ctime line.
    ///
    /// Local times that occur twice (when clocks go back) are read with the offset in force first, so
    /// `01:30` on the night New York leaves daylight saving is 01:30 EDT, the earlier of the two
    /// instants. (glibc's `mktime` with `tm_isdst = -1` picks 01:30 EST, the later one.)
    /// Local times that never occur (when clocks go forward) are read with the offset in force before
    /// the gap too, so they land after it: `02:30` on the night New York enters daylight saving becomes
    /// 03:30 EDT, as with `mktime`.
    public func utcOffset(forLocal localSeconds: Int64) -> Int {
        // Every offset lies within (-25 h, +26 h), so the instant lies in this window; walk its periods.
        let windowStart = Self.saturatingAdd(localSeconds, -Int64(validUTCOffsets.upperBound))
        let windowEnd = Self.saturatingAdd(localSeconds, -Int64(validUTCOffsets.lowerBound))
        var period = self.period(at: windowStart)
        var previous: UTCOffsetPeriod?
        // A bound on the walk, against pathological data with a transition every few seconds.
        for _ in 0..<1000 {
            let instant = Self.saturatingAdd(localSeconds, -Int64(period.utcOffset))
            if period.start <= instant && instant < period.end {
                return period.utcOffset  // the first match is the earliest instant
            }
            if let previous, instant < period.start {
                // Past the end of the previous period and before the start of this one: a gap.
                return previous.utcOffset
            }
            if period.end == .max || period.end > windowEnd {
                break
            }
            previous = period
            period = self.period(at: period.end)
        }
        return period.utcOffset
    }

    private func period(type index: Int, start: Int64, end: Int64) -> UTCOffsetPeriod {
        let type = self.localTimeTypes[index]
        return UTCOffsetPeriod(
            utcOffset: type.utcOffset,
            isDaylightSaving: type.isDaylightSaving,
            abbreviation: type.abbreviation,
            start: start,
            end: end
        )
    }

    private static func saturatingAdd(_ a: Int64, _ b: Int64) -> Int64 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b < 0 ? .min : .max) : sum
    }

    // MARK: Reading files

    private init(tzifData: [UInt8], identifier: String, source: String) throws(TimeZoneError) {
        let data: TZifData
        do {
            data = try TZifReader.parse(tzifData)
        } catch {
            throw TimeZoneError.invalidData(source: source, reason: error.reason)
        }
        var footer: POSIXTimeZoneRule?
        if let text = data.footer {
            do {
                footer = try POSIXTimeZoneRule(text)
            } catch {
                throw TimeZoneError.invalidData(
                    source: source,
                    reason: "its footer rule \"\(text)\" does not parse (\(error.reason))"
                )
            }
        }
        self.init(
            identifier: identifier,
            transitionTimes: data.transitionTimes,
            transitionTypes: data.transitionTypes,
            localTimeTypes: data.localTimeTypes,
            footer: footer
        )
    }

    private init(path: String, identifier: String, adviceDirectory: String) throws(TimeZoneError) {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path, maximumSize: Self.maximumFileSize)
        } catch {
            throw TimeZoneError.unknownZone(identifier, detail: Self.reason(error, path), directory: adviceDirectory)
        }
        try self.init(tzifData: bytes, identifier: identifier, source: "file \(path)")
    }

    /// Zone files are a few kilobytes; anything this big is not one.
    private static let maximumFileSize = 1 << 20

    /// Why the zone file at `path` could not be read.
    private static func reason(_ error: SystemError, _ path: String) -> String {
        switch (error.call, error.errno) {
        case ("open", ENOENT), ("open", ENOTDIR): "no file \(path)"
        case ("open", _): "cannot open \(path) (\(error.reason))"
        case (_, EISDIR): "\(path) is a directory of zones, not a zone"
        case (_, EFBIG): "\(path) is over \(Self.maximumFileSize) bytes, too big for a zone file"
        default: "cannot read \(path) (\(error.reason))"
        }
    }

    /// The zone name `/etc/localtime` links to (`Europe/London` for `/usr/share/zoneinfo/Europe/London`),
    /// or nil when it is no link into a `zoneinfo` directory.
    private static func linkedZoneName(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, $0.count) }
        guard n > 0 else { return nil }
        let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let range = target.ranges(of: "zoneinfo/").last else { return nil }
        let name = String(target[range.upperBound...])
        return name.isEmpty ? nil : name
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
}
