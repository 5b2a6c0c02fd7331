/// The RFC 868 Time protocol's answer: a 32-bit big-endian count of seconds since
/// 1900-01-01T00:00:00Z, modulo 2^32.
///
/// The value wraps on 2036-02-07T06:28:16Z, and nothing on the wire says which 136-year era it
/// belongs to: a reader must place it with an ``EraRule``.
public struct TimeProtocolValue: Sendable, Hashable, CustomStringConvertible {
    /// Seconds from 1900-01-01 to 1970-01-01 (RFC 868's own example: 2,208,988,800 = 1970-01-01).
    public static let secondsFrom1900To1970: Int64 = 2_208_988_800
    /// Length of one era: 2^32 seconds, about 136 years.
    public static let eraLength: Int64 = 1 << 32

    /// The 32-bit value as sent on the wire (host byte order here).
    public var rawValue: UInt32

    /// Wraps a raw 32-bit value.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// The value a server sends at `instant`: whole seconds since 1900, modulo 2^32.
    @inlinable
    public init(_ instant: Instant) {
        self.rawValue = UInt32(truncatingIfNeeded: instant.seconds &+ Self.secondsFrom1900To1970)
    }

    /// Reads the value from the first four bytes of `bytes`, big-endian; nil if there are fewer.
    ///
    /// Extra bytes are ignored on purpose: inetutils-inetd sends 8 (a C `long`), the first 4 of
    /// which are the value.
    // Inlinable so that callers get it specialized for their collection: the generic version
    // instantiates `PrefixSequence` metadata at run time, a cost `daytime` pays on every start.
    @inlinable
    public init?<Bytes: Collection<UInt8>>(bigEndianBytes bytes: Bytes) {
        var value: UInt32 = 0
        var count = 0
        for byte in bytes.prefix(4) {
            value = value << 8 | UInt32(byte)
            count += 1
        }
        guard count == 4 else { return nil }
        self.rawValue = value
    }

    /// The four bytes to send, big-endian.
    @inlinable
    public var bigEndianBytes: (UInt8, UInt8, UInt8, UInt8) {
        (
            UInt8(truncatingIfNeeded: self.rawValue >> 24), UInt8(truncatingIfNeeded: self.rawValue >> 16),
            UInt8(truncatingIfNeeded: self.rawValue >> 8), UInt8(truncatingIfNeeded: self.rawValue)
        )
    }

    /// How to choose the era of a value.
    public enum EraRule: Sendable, Hashable {
        /// The instant within ±2^31 seconds (±68 years) of `reference`, usually the local clock
        /// (BusyBox rdate's rule). The right choice when the local clock is roughly right.
        case nearest(to: Instant)
        /// RFC 4330's rule: most significant bit set means era 0 (1968-01-20...2036-02-07),
        /// clear means era 1 (2036-02-07...2104-02-26). Needs no clock at all.
        case rfc4330
        /// Always the given era: 0 is 1900...2036, 1 is 2036...2172.
        case era(Int)
    }

    /// The instant this value denotes under `rule`.
    public func instant(eraRule rule: EraRule) -> Instant {
        let inEra0 = Int64(self.rawValue) - Self.secondsFrom1900To1970
        switch rule {
        case .era(let era):
            return Instant(seconds: inEra0 + Int64(era) * Self.eraLength)
        case .rfc4330:
            return Instant(seconds: self.rawValue & 0x8000_0000 != 0 ? inEra0 : inEra0 + Self.eraLength)
        case .nearest(let reference):
            // Add the signed 32-bit difference between the value and the reference's own value.
            let referenceValue = TimeProtocolValue(reference).rawValue
            let delta = Int64(Int32(bitPattern: self.rawValue &- referenceValue))
            return Instant(seconds: reference.seconds + delta)
        }
    }

    /// The raw value in decimal.
    public var description: String {
        String(self.rawValue)
    }
}
