/// The contents of a TZif file (RFC 8536) that time-zone lookups need.
struct TZifData: Sendable, Hashable {
    /// Transition instants, seconds since the Unix epoch, strictly ascending.
    var transitionTimes: [Int64]
    /// For each transition, the index into ``localTimeTypes`` in force from it on.
    var transitionTypes: [UInt8]
    /// The local time types; type 0 applies before the first transition. Never empty.
    var localTimeTypes: [LocalTimeType]
    /// The POSIX TZ rule for instants after the last transition (v2+ footer), if any.
    var footer: String?
}

/// Parses TZif bytes: version 1 (32-bit times only) and versions 2, 3 and 4, of which only the
/// 64-bit second part is read, so that times before 1901 and after 2038 are right.
///
/// Leap-second records (present in the `right/` zones) are skipped: instants here are POSIX times,
/// which do not count leap seconds.
enum TZifReader {
    /// The fixed header of each data block, in bytes.
    static let headerLength = 44

    static func parse(_ bytes: [UInt8]) throws(ParseFailure) -> TZifData {
        let first = try Header(bytes, at: 0)
        guard first.version >= 2 else {
            return try self.dataBlock(bytes, header: first, timeSize: 4).data
        }
        // Skip the 32-bit block: its size follows from its header alone.
        let second = try Header(bytes, at: headerLength + first.blockLength(timeSize: 4))
        var (data, end) = try self.dataBlock(bytes, header: second, timeSize: 8)
        data.footer = try self.footer(bytes, at: end)
        return data
    }

    /// The header of a data block: the magic, the version and six counts.
    struct Header {
        var version: Int
        var offset: Int
        var isUTCCount: Int
        var isStandardCount: Int
        var leapCount: Int
        var timeCount: Int
        var typeCount: Int
        var charCount: Int

        init(_ bytes: [UInt8], at offset: Int) throws(ParseFailure) {
            guard offset + TZifReader.headerLength <= bytes.count else {
                throw ParseFailure(
                    reason: "truncated: \(bytes.count) bytes, a header at byte \(offset) needs "
                        + "\(offset + TZifReader.headerLength)"
                )
            }
            guard bytes[offset..<offset + 4].elementsEqual("TZif".utf8) else {
                throw ParseFailure(reason: "no \"TZif\" magic at byte \(offset)")
            }
            // Version byte: NUL for version 1, else an ASCII digit ("2", "3", "4").
            let v = bytes[offset + 4]
            self.version = v == 0 ? 1 : Int(v) - 0x30
            guard self.version >= 1 else {
                throw ParseFailure(reason: "unknown version byte \(v)")
            }
            self.offset = offset
            func count(_ i: Int) -> Int {
                let p = offset + 20 + 4 * i
                return Int(
                    UInt32(bytes[p]) << 24 | UInt32(bytes[p + 1]) << 16 | UInt32(bytes[p + 2]) << 8
                        | UInt32(bytes[p + 3])
                )
            }
            self.isUTCCount = count(0)
            self.isStandardCount = count(1)
            self.leapCount = count(2)
            self.timeCount = count(3)
            self.typeCount = count(4)
            self.charCount = count(5)
        }

        /// The length of the data block after this header.
        func blockLength(timeSize: Int) -> Int {
            self.timeCount * (timeSize + 1) + self.typeCount * 6 + self.charCount
                + self.leapCount * (timeSize + 4) + self.isStandardCount + self.isUTCCount
        }
    }

    /// Reads the data block after `header`; returns it and the offset just past it.
    private static func dataBlock(
        _ bytes: [UInt8],
        header: Header,
        timeSize: Int
    ) throws(ParseFailure) -> (data: TZifData, end: Int) {
        guard header.typeCount >= 1 else {
            throw ParseFailure(reason: "no local time types (typecnt is 0)")
        }
        guard header.charCount >= 1 else {
            throw ParseFailure(reason: "no abbreviation characters (charcnt is 0)")
        }
        guard header.isUTCCount == 0 || header.isUTCCount == header.typeCount,
            header.isStandardCount == 0 || header.isStandardCount == header.typeCount
        else {
            throw ParseFailure(reason: "isutcnt or isstdcnt is neither 0 nor typecnt")
        }
        var p = header.offset + headerLength
        let end = p + header.blockLength(timeSize: timeSize)
        guard end <= bytes.count else {
            throw ParseFailure(reason: "truncated: \(bytes.count) bytes, the data block needs \(end)")
        }

        var times: [Int64] = []
        times.reserveCapacity(header.timeCount)
        for i in 0..<header.timeCount {
            let t = Self.signedInteger(bytes, at: p, size: timeSize)
            if i > 0 && t <= times[i - 1] {
                throw ParseFailure(reason: "transition \(i) (\(t)) does not come after transition \(i - 1)")
            }
            times.append(t)
            p += timeSize
        }
        let types = Array(bytes[p..<p + header.timeCount])
        if let bad = types.first(where: { Int($0) >= header.typeCount }) {
            throw ParseFailure(reason: "a transition uses local time type \(bad) of \(header.typeCount)")
        }
        p += header.timeCount

        let charsStart = p + header.typeCount * 6
        let chars = bytes[charsStart..<charsStart + header.charCount]
        var localTimeTypes: [LocalTimeType] = []
        localTimeTypes.reserveCapacity(header.typeCount)
        for i in 0..<header.typeCount {
            let utcOffset = Int(Self.signedInteger(bytes, at: p, size: 4))
            let isDST = bytes[p + 4]
            let index = Int(bytes[p + 5])
            p += 6
            guard validUTCOffsets.contains(utcOffset) else {
                throw ParseFailure(reason: "local time type \(i) has offset \(utcOffset) s, beyond -25...+26 hours")
            }
            guard isDST <= 1 else {
                throw ParseFailure(reason: "local time type \(i) has isdst \(isDST), not 0 or 1")
            }
            guard index < header.charCount else {
                throw ParseFailure(
                    reason: "local time type \(i) has abbreviation index \(index) of \(header.charCount)"
                )
            }
            let nameStart = charsStart + index
            let nameEnd = chars[nameStart...].firstIndex(of: 0) ?? chars.endIndex
            localTimeTypes.append(
                LocalTimeType(
                    utcOffset: utcOffset,
                    isDaylightSaving: isDST == 1,
                    abbreviation: String(decoding: bytes[nameStart..<nameEnd], as: UTF8.self)
                )
            )
        }
        // The abbreviation characters, leap-second records and the isstd/isut indicators follow;
        // none is needed for POSIX instants.
        let data = TZifData(
            transitionTimes: times,
            transitionTypes: types,
            localTimeTypes: localTimeTypes,
            footer: nil
        )
        return (data, end)
    }

    /// The v2+ footer: a TZ rule between two newlines. Empty means "no rule"; so does a missing footer,
    /// which RFC 8536 forbids but which costs nothing to tolerate.
    private static func footer(_ bytes: [UInt8], at offset: Int) throws(ParseFailure) -> String? {
        guard offset < bytes.count else { return nil }
        guard bytes[offset] == 0x0A, let close = bytes[(offset + 1)...].firstIndex(of: 0x0A) else {
            throw ParseFailure(reason: "the footer after byte \(offset) is not a TZ rule between two newlines")
        }
        return close == offset + 1 ? nil : String(decoding: bytes[(offset + 1)..<close], as: UTF8.self)
    }

    /// A big-endian two's-complement integer of 4 or 8 bytes.
    private static func signedInteger(_ bytes: [UInt8], at offset: Int, size: Int) -> Int64 {
        var value: UInt64 = 0
        for i in 0..<size {
            value = value << 8 | UInt64(bytes[offset + i])
        }
        return size == 4 ? Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: value))) : Int64(bitPattern: value)
    }
}
