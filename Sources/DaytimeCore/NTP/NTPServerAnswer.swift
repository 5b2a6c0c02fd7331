/// Why an SNTP server gives a datagram no answer: anything but a well-formed client request.
///
/// Control (mode 6) and private (mode 7) queries get their own reasons: they are how NTP servers
/// became traffic amplifiers (`monlist`), so an operator wants to see them apart.
public enum NTPDropReason: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Fewer than the 48 bytes of an NTP header.
    case tooShort = "too-short"
    /// Version 0, or above 4.
    case badVersion = "bad-version"
    /// Mode 6: an NTP control query (ntpq). Never answered.
    case controlMode = "control-mode"
    /// Mode 7: a private query (ntpdc, `monlist`). Never answered.
    case privateMode = "private-mode"
    /// Any other mode but 3 (client): symmetric, server, broadcast, reserved.
    case notClientMode = "not-client-mode"

    public var description: String { self.rawValue }
}

/// What a server says about its own clock in every answer: the fields of the NTP header that do not
/// depend on the request (RFC 5905 section 7.3).
public struct NTPServerClock: Sendable, Hashable {
    /// 0, 1 or 2 for a synchronized clock (with the coming leap second), 3 for unsynchronized.
    public var leap: UInt8
    /// The server's stratum: its upstream's plus one, or 16 when unsynchronized.
    public var stratum: UInt8
    /// The precision of the server's clock, log2 seconds.
    public var precision: Int8
    /// Round-trip delay to the primary reference, in seconds.
    public var rootDelay: Double
    /// The error bound to the primary reference, in seconds.
    public var rootDispersion: Double
    /// The upstream's IPv4 address, a hash of its IPv6 address, or an ASCII code.
    public var referenceID: UInt32
    /// When the clock was last set or corrected.
    public var referenceTime: NTPTimestamp

    /// Creates the state; see each property.
    public init(
        leap: UInt8,
        stratum: UInt8,
        precision: Int8,
        rootDelay: Double,
        rootDispersion: Double,
        referenceID: UInt32,
        referenceTime: NTPTimestamp
    ) {
        self.leap = leap
        self.stratum = stratum
        self.precision = precision
        self.rootDelay = rootDelay
        self.rootDispersion = rootDispersion
        self.referenceID = referenceID
        self.referenceTime = referenceTime
    }

    /// What the server that sent `packet` says about its clock.
    public init(_ packet: NTPPacket) {
        self.init(
            leap: packet.leap,
            stratum: packet.stratum,
            precision: packet.precision,
            rootDelay: NTPShortFormat.decode(packet.rootDelay),
            rootDispersion: NTPShortFormat.decode(packet.rootDispersion),
            referenceID: packet.referenceID,
            referenceTime: packet.referenceTime
        )
    }

    /// A clock that must not be used: leap indicator 3, stratum 16, no reference.
    public static func unsynchronized(precision: Int8) -> NTPServerClock {
        NTPServerClock(
            leap: 3,
            stratum: 16,
            precision: precision,
            rootDelay: 0,
            rootDispersion: 0,
            referenceID: 0,
            referenceTime: .zero
        )
    }

    /// The precision in seconds, 2^``precision``.
    public var precisionSeconds: Double {
        Self.seconds(log2: self.precision)
    }

    /// 2^`exponent` seconds, exactly.
    static func seconds(log2 exponent: Int8) -> Double {
        Double(sign: .plus, exponent: Int(exponent), significand: 1)
    }

    /// Whether a client may take time from this clock.
    public var isSynchronized: Bool {
        self.leap != 3 && (1...15).contains(self.stratum)
    }
}

/// The server side of SNTP (RFC 4330 section 6, RFC 5905 server mode) on raw bytes: checks a
/// request and writes the 48-byte answer, without allocating.
///
/// The answer is never longer than the request: a request must have at least the 48 bytes of a
/// header, and the answer has exactly 48 whatever extension fields or MAC followed.
public struct NTPResponder: Sendable {
    /// The request-independent header fields, encoded once.
    private let stratum: UInt8
    private let leap: UInt8
    private let precision: UInt8
    private let rootDelay: UInt32
    private let rootDispersion: UInt32
    private let referenceID: UInt32
    private let referenceTime: UInt64
    /// The state it was built from.
    public let clock: NTPServerClock

    /// Encodes `clock` for answers.
    public init(clock: NTPServerClock) {
        self.clock = clock
        self.leap = clock.leap & 3
        self.stratum = clock.stratum
        self.precision = UInt8(bitPattern: clock.precision)
        self.rootDelay = NTPShortFormat.encode(clock.rootDelay)
        self.rootDispersion = NTPShortFormat.encode(clock.rootDispersion)
        self.referenceID = clock.referenceID
        self.referenceTime = clock.referenceTime.bits
    }

    /// Why the datagram in `request` (of `length` bytes in all, which may be more than the buffer
    /// holds) gets no answer, or nil if it is a client request to answer.
    @inline(__always)
    public static func dropReason(request: UnsafeRawBufferPointer, length: Int) -> NTPDropReason? {
        guard length >= NTPPacket.size, request.count >= NTPPacket.size else { return .tooShort }
        let first = request[0]
        let version = (first >> 3) & 7
        switch first & 7 {
        case NTPPacket.Mode.client.rawValue:
            break
        case NTPPacket.Mode.control.rawValue:
            return .controlMode
        case NTPPacket.Mode.private.rawValue:
            return .privateMode
        default:
            return .notClientMode
        }
        guard (1...4).contains(version) else { return .badVersion }
        return nil
    }

    /// Writes the answer to the client request in `request` into the first 48 bytes of `answer`,
    /// with every field but the transmit timestamp; ``finish(_:transmit:)`` writes that one, as
    /// late as possible before sending.
    ///
    /// The version and poll are the request's; the origin is the request's transmit timestamp,
    /// copied bit for bit (the client matches on it).
    @inline(__always)
    public func writeAnswer(
        to request: UnsafeRawBufferPointer,
        receivedAt receive: NTPTimestamp,
        into answer: UnsafeMutableRawBufferPointer
    ) {
        let version = (request[0] >> 3) & 7
        answer[0] = self.leap << 6 | version << 3 | NTPPacket.Mode.server.rawValue
        answer[1] = self.stratum
        answer[2] = request[2]
        answer[3] = self.precision
        answer.storeBytes(of: self.rootDelay.bigEndian, toByteOffset: 4, as: UInt32.self)
        answer.storeBytes(of: self.rootDispersion.bigEndian, toByteOffset: 8, as: UInt32.self)
        answer.storeBytes(of: self.referenceID.bigEndian, toByteOffset: 12, as: UInt32.self)
        answer.storeBytes(of: self.referenceTime.bigEndian, toByteOffset: 16, as: UInt64.self)
        answer.storeBytes(
            of: request.loadUnaligned(fromByteOffset: 40, as: UInt64.self),
            toByteOffset: 24,
            as: UInt64.self
        )
        answer.storeBytes(of: receive.bits.bigEndian, toByteOffset: 32, as: UInt64.self)
    }

    /// Writes the transmit timestamp of an answer ``writeAnswer(to:receivedAt:into:)`` wrote.
    @inline(__always)
    public static func finish(_ answer: UnsafeMutableRawBufferPointer, transmit: NTPTimestamp) {
        answer.storeBytes(of: transmit.bits.bigEndian, toByteOffset: 40, as: UInt64.self)
    }

    /// Writes a Kiss-o'-Death RATE answer to `request` into the first 48 bytes of `answer`
    /// (RFC 5905 section 7.4): leap 3, stratum 0, reference `RATE`, and no time of the server's
    /// (every timestamp is the request's transmit time), so that it tells the client to slow down
    /// and nothing else.
    public static func writeRateKiss(to request: UnsafeRawBufferPointer, into answer: UnsafeMutableRawBufferPointer) {
        let version = (request[0] >> 3) & 7
        answer[0] = 3 << 6 | version << 3 | NTPPacket.Mode.server.rawValue
        answer[1] = 0
        answer[2] = request[2]
        answer[3] = 0
        answer.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        answer.storeBytes(of: UInt32(0), toByteOffset: 8, as: UInt32.self)
        answer.storeBytes(of: NTPPacket.referenceID(ascii: "RATE").bigEndian, toByteOffset: 12, as: UInt32.self)
        answer.storeBytes(of: UInt64(0), toByteOffset: 16, as: UInt64.self)
        let transmit = request.loadUnaligned(fromByteOffset: 40, as: UInt64.self)
        answer.storeBytes(of: transmit, toByteOffset: 24, as: UInt64.self)
        answer.storeBytes(of: transmit, toByteOffset: 32, as: UInt64.self)
        answer.storeBytes(of: transmit, toByteOffset: 40, as: UInt64.self)
    }
}
