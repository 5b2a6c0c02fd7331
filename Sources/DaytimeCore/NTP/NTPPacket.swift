/// The 48-byte NTP header (RFC 5905 section 7.3), which is all SNTP (RFC 4330) exchanges.
///
/// Extension fields and a MAC may follow the header in a request; this type reads the header only,
/// and ``write(into:)`` writes exactly 48 bytes.
public struct NTPPacket: Sendable, Hashable {
    /// The size of the header on the wire.
    public static let size = 48

    /// The association modes of RFC 5905 figure 10.
    public enum Mode: UInt8, Sendable, Hashable, CaseIterable {
        /// Reserved.
        case reserved = 0
        /// Symmetric active.
        case symmetricActive = 1
        /// Symmetric passive.
        case symmetricPassive = 2
        /// A client's request.
        case client = 3
        /// A server's answer.
        case server = 4
        /// Broadcast.
        case broadcast = 5
        /// NTP control messages (ntpq, `mrulist`).
        case control = 6
        /// Reserved for private use (ntpdc, `monlist`).
        case `private` = 7
    }

    /// The leap indicator: 0 none, 1 a second is inserted at the end of the month, 2 deleted,
    /// 3 the clock is not synchronized.
    public var leap: UInt8
    /// The protocol version, 1 to 4.
    public var version: UInt8
    /// The association mode.
    public var mode: Mode
    /// 1 for a primary server, n+1 for a server synchronized to stratum n, 16 for unsynchronized;
    /// 0 in a server's answer marks a Kiss-o'-Death.
    public var stratum: UInt8
    /// The poll interval, log2 seconds.
    public var poll: Int8
    /// The precision of the sender's clock, log2 seconds.
    public var precision: Int8
    /// Round-trip delay to the primary reference, NTP short format.
    public var rootDelay: UInt32
    /// Dispersion to the primary reference, NTP short format.
    public var rootDispersion: UInt32
    /// The reference identifier: a refclock's code, an upstream's IPv4 address or a hash of its
    /// IPv6 address, or a Kiss-o'-Death code.
    public var referenceID: UInt32
    /// When the sender's clock was last set or corrected.
    public var referenceTime: NTPTimestamp
    /// In an answer: the request's transmit timestamp, echoed.
    public var originTime: NTPTimestamp
    /// In an answer: when the request arrived.
    public var receiveTime: NTPTimestamp
    /// When the packet left.
    public var transmitTime: NTPTimestamp

    /// Creates a packet; the fields default to an empty version 4 client request.
    public init(
        leap: UInt8 = 0,
        version: UInt8 = 4,
        mode: Mode = .client,
        stratum: UInt8 = 0,
        poll: Int8 = 0,
        precision: Int8 = 0,
        rootDelay: UInt32 = 0,
        rootDispersion: UInt32 = 0,
        referenceID: UInt32 = 0,
        referenceTime: NTPTimestamp = .zero,
        originTime: NTPTimestamp = .zero,
        receiveTime: NTPTimestamp = .zero,
        transmitTime: NTPTimestamp = .zero
    ) {
        self.leap = leap
        self.version = version
        self.mode = mode
        self.stratum = stratum
        self.poll = poll
        self.precision = precision
        self.rootDelay = rootDelay
        self.rootDispersion = rootDispersion
        self.referenceID = referenceID
        self.referenceTime = referenceTime
        self.originTime = originTime
        self.receiveTime = receiveTime
        self.transmitTime = transmitTime
    }

    /// Reads the header at the start of `bytes`; nil if there are fewer than 48 bytes.
    public init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= Self.size else { return nil }
        let first = bytes[0]
        self.leap = first >> 6
        self.version = (first >> 3) & 7
        self.mode = Mode(rawValue: first & 7)!
        self.stratum = bytes[1]
        self.poll = Int8(bitPattern: bytes[2])
        self.precision = Int8(bitPattern: bytes[3])
        self.rootDelay = Self.load32(bytes, 4)
        self.rootDispersion = Self.load32(bytes, 8)
        self.referenceID = Self.load32(bytes, 12)
        self.referenceTime = NTPTimestamp(bits: Self.load64(bytes, 16))
        self.originTime = NTPTimestamp(bits: Self.load64(bytes, 24))
        self.receiveTime = NTPTimestamp(bits: Self.load64(bytes, 32))
        self.transmitTime = NTPTimestamp(bits: Self.load64(bytes, 40))
    }

    /// Reads the header at the start of `bytes`; nil if there are fewer than 48 bytes.
    public init?(_ bytes: some Collection<UInt8>) {
        guard bytes.count >= Self.size else { return nil }
        var copy = [UInt8](bytes.prefix(Self.size))
        guard let packet = copy.withUnsafeMutableBytes({ NTPPacket(UnsafeRawBufferPointer($0)) }) else { return nil }
        self = packet
    }

    /// Writes the 48-byte header into the start of `buffer` (which must have room).
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= Self.size, "an NTP header needs 48 bytes")
        buffer[0] = (self.leap & 3) << 6 | (self.version & 7) << 3 | self.mode.rawValue
        buffer[1] = self.stratum
        buffer[2] = UInt8(bitPattern: self.poll)
        buffer[3] = UInt8(bitPattern: self.precision)
        buffer.storeBytes(of: self.rootDelay.bigEndian, toByteOffset: 4, as: UInt32.self)
        buffer.storeBytes(of: self.rootDispersion.bigEndian, toByteOffset: 8, as: UInt32.self)
        buffer.storeBytes(of: self.referenceID.bigEndian, toByteOffset: 12, as: UInt32.self)
        buffer.storeBytes(of: self.referenceTime.bits.bigEndian, toByteOffset: 16, as: UInt64.self)
        buffer.storeBytes(of: self.originTime.bits.bigEndian, toByteOffset: 24, as: UInt64.self)
        buffer.storeBytes(of: self.receiveTime.bits.bigEndian, toByteOffset: 32, as: UInt64.self)
        buffer.storeBytes(of: self.transmitTime.bits.bigEndian, toByteOffset: 40, as: UInt64.self)
    }

    /// The 48 bytes of the header.
    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.withUnsafeMutableBytes { self.write(into: $0) }
        return bytes
    }

    @inline(__always)
    static func load32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    static func load64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}

extension NTPPacket {
    /// A reference identifier of four ASCII characters, such as `RATE`, `DENY` or `LOCL`.
    public static func referenceID(ascii code: StaticString) -> UInt32 {
        precondition(code.utf8CodeUnitCount == 4, "a reference identifier has four characters")
        let p = code.utf8Start
        return UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
    }

    /// The reference identifier as text: four characters when they are printable ASCII (a
    /// refclock or a Kiss-o'-Death code), else the dotted quad of an IPv4 address or hash.
    public static func describe(referenceID: UInt32) -> String {
        let bytes = (0..<4).map { UInt8(truncatingIfNeeded: referenceID >> (24 - 8 * $0)) }
        let letters = bytes.prefix { $0 != 0 }
        if !letters.isEmpty, letters.allSatisfy({ (0x20...0x7E).contains($0) }),
            bytes.dropFirst(letters.count).allSatisfy({ $0 == 0 })
        {
            return String(decoding: letters, as: UTF8.self)
        }
        return bytes.map(String.init).joined(separator: ".")
    }
}
