/// An NTP timestamp (RFC 5905 section 6): 32 bits of seconds since 1900-01-01T00:00:00Z and 32 bits
/// of fraction, as one big-endian 64-bit field on the wire.
///
/// The seconds wrap every 2^32 s (136 years): era 0 ends on 2036-02-07T06:28:16Z, and the same bits
/// then count era 1. A timestamp alone cannot say which era it is in; ``instant(near:)`` takes the
/// one closest to a time already known, as RFC 5905 advises (it is right within 68 years).
public struct NTPTimestamp: Sendable, Hashable, CustomStringConvertible {
    /// The 64 bits as they go on the wire: seconds in the high half, fraction in the low.
    public var bits: UInt64

    /// Seconds from 1900-01-01 (the NTP prime epoch) to 1970-01-01 (the Unix epoch).
    public static let unixEpochOffset: Int64 = 2_208_988_800

    /// The zero timestamp, which NTP uses for "not known" (an origin in a client's request, say).
    public static let zero = NTPTimestamp(bits: 0)

    /// Wraps 64 bits read off the wire.
    @inlinable
    public init(bits: UInt64) {
        self.bits = bits
    }

    /// The timestamp of `instant`, in whatever era it falls (the seconds are taken modulo 2^32).
    /// The fraction is rounded down to 2^-32 s (about 233 ps).
    @inlinable
    public init(_ instant: Instant) {
        let seconds = UInt64(truncatingIfNeeded: instant.seconds &+ Self.unixEpochOffset) & 0xFFFF_FFFF
        // nanoseconds * 2^32 / 10^9 fits easily in 64 bits (10^9 * 2^32 < 2^62).
        let fraction = (UInt64(instant.nanoseconds) << 32) / 1_000_000_000
        self.bits = seconds << 32 | fraction
    }

    /// The whole seconds field.
    @inlinable
    public var seconds: UInt32 { UInt32(truncatingIfNeeded: self.bits >> 32) }

    /// The fraction field, in units of 2^-32 s.
    @inlinable
    public var fraction: UInt32 { UInt32(truncatingIfNeeded: self.bits) }

    /// The instant this timestamp stands for in the era that puts it closest to `reference`.
    ///
    /// The fraction is rounded to the nearest nanosecond.
    public func instant(near reference: Instant) -> Instant {
        let referenceNTP = reference.seconds + Self.unixEpochOffset
        // The era of `reference`, then the candidate in that era and its neighbours.
        let era = referenceNTP >> 32
        var best = Int64.max
        var bestSeconds: Int64 = 0
        for candidateEra in [era - 1, era, era + 1] {
            let candidate = candidateEra << 32 + Int64(self.seconds)
            let distance = abs(candidate - referenceNTP)
            if distance < best {
                best = distance
                bestSeconds = candidate
            }
        }
        let nanoseconds = (UInt64(self.fraction) * 1_000_000_000 + (1 << 31)) >> 32
        return Instant(seconds: bestSeconds - Self.unixEpochOffset, nanoseconds: Int32(nanoseconds))
    }

    /// `seconds.fraction` in hexadecimal, as ntpq prints timestamps.
    public var description: String {
        let hex = String(self.bits, radix: 16)
        let padded = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(padded.prefix(8)).\(padded.suffix(8))"
    }
}

/// NTP's 32-bit short format (RFC 5905 section 6): 16 bits of seconds and 16 of fraction, for the
/// root delay and root dispersion.
package enum NTPShortFormat {
    /// `seconds` in the short format, rounded up (a bound must not shrink), saturating at the
    /// largest value (about 18 hours) and at zero for negative input.
    package static func encode(_ seconds: Double) -> UInt32 {
        guard seconds > 0 else { return 0 }
        let scaled = (seconds * 65536).rounded(.up)
        return scaled >= Double(UInt32.max) ? UInt32.max : UInt32(scaled)
    }

    /// The seconds a short-format value stands for.
    package static func decode(_ value: UInt32) -> Double {
        Double(value) / 65536
    }
}
