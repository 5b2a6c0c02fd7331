import DaytimeCore

/// One answer from a time server, with the local clock readings around it and what they say about
/// the local clock.
///
/// Sign convention: ``offset`` is *server minus local*. A positive offset means the server's clock
/// is ahead, that is the local clock is behind; add the offset to the local clock to agree with the server.
///
/// The estimate: the server read its clock somewhere between T1 (the client asked the kernel to
/// connect, ``connectStartedAt``) and T4 (the first byte of the answer arrived, ``firstByteAt``), and
/// truncated the reading to its ``resolution``. So the best single
/// guess is `(serverInstant + resolution / 2) - (T1 + T4) / 2`, wrong by at most
/// `roundTrip / 2 + resolution / 2` (``offsetBound``), plus whatever error the server's own clock has.
///
/// T1 is the start of the connection attempt, not the moment it was established (``connectedAt``):
/// a server may accept and answer before the client even notices that its connection is up (on a
/// loaded loopback the "established" reading can come milliseconds after the server's answer was
/// written), and then an interval starting there would not contain the server's reading.
/// The price is one extra network round trip inside the bound.
///
/// An NTP answer carries the server's receive and transmit times (``ntp``): its offset and bound
/// are NTP's (``NTPAnswer``), to a few microseconds on loopback.
public struct TimeSample: Sendable, Hashable {
    /// The host as the query named it.
    public var host: String
    /// The numeric address the answer came from, such as `127.0.0.1` or `::1`.
    public var serverAddress: String
    /// The server's port.
    public var serverPort: Int
    /// The protocol the answer was read as.
    public var `protocol`: TimeProtocolKind
    /// The transport the exchange used.
    public var transport: TimeQuery.Transport
    /// Every byte the server sent, as sent.
    public var rawBytes: [UInt8]
    /// For Daytime, the text the server sent without leading and trailing CR and LF; nil for Time.
    public var line: String?
    /// For Daytime, the layout the line was recognised as; nil for Time and for unrecognised lines.
    public var lineLayout: DaytimeLineLayout?
    /// For a NIST line, its status fields (health, leap-second warning, advance); nil otherwise.
    public var nist: NISTLineStatus?
    /// The server's time as the answer states it; nil when a Daytime line's layout is not recognised.
    public var serverInstant: Instant?
    /// The step of the server's clock as the answer shows it, in seconds (1 for ctime lines and for
    /// Time, 0.001 for an RFC 3339 line with milliseconds); nil when ``serverInstant`` is nil.
    public var resolution: Double?
    /// T1: the local wall-clock time when the TCP connection attempt began (the SYN was about to be
    /// sent), or when the UDP request was about to be sent.
    public var connectStartedAt: Instant
    /// The local wall-clock time when the TCP connection was reported established; for diagnosis
    /// (the handshake took about `connectedAt - connectStartedAt`), not used in the estimate.
    public var connectedAt: Instant
    /// T4: the local wall-clock time when the first byte of the answer arrived.
    public var firstByteAt: Instant
    /// T1 on the monotonic clock (`CLOCK_MONOTONIC`, nanoseconds since an arbitrary point).
    public var connectStartedMonotonic: UInt64
    /// T4 on the monotonic clock.
    public var firstByteMonotonic: UInt64
    /// T4 - T1 in seconds (TCP handshake plus answer, or the UDP round trip), measured on the
    /// monotonic clock, which steps of the wall clock do not affect.
    public var roundTrip: Double
    /// For NTP, the answer's timestamps, header fields, offset and delay; nil for Daytime and Time.
    public var ntp: NTPAnswer?
    /// For a precise measurement (``TimeClient/measurePrecisely(_:)``), the offsets all its answers
    /// allow: this sample is its last answer, and its offset and bound are the search's.
    public var secondEdge: SecondEdge?

    /// Creates a sample from its parts.
    public init(
        host: String,
        serverAddress: String,
        serverPort: Int,
        protocol: TimeProtocolKind,
        transport: TimeQuery.Transport = .tcp,
        rawBytes: [UInt8],
        line: String?,
        lineLayout: DaytimeLineLayout?,
        nist: NISTLineStatus? = nil,
        serverInstant: Instant?,
        resolution: Double?,
        connectStartedAt: Instant,
        connectedAt: Instant,
        firstByteAt: Instant,
        roundTrip: Double,
        connectStartedMonotonic: UInt64 = 0,
        firstByteMonotonic: UInt64 = 0,
        ntp: NTPAnswer? = nil
    ) {
        self.host = host
        self.serverAddress = serverAddress
        self.serverPort = serverPort
        self.protocol = `protocol`
        self.transport = transport
        self.rawBytes = rawBytes
        self.line = line
        self.lineLayout = lineLayout
        self.nist = nist
        self.serverInstant = serverInstant
        self.resolution = resolution
        self.connectStartedAt = connectStartedAt
        self.connectedAt = connectedAt
        self.firstByteAt = firstByteAt
        self.roundTrip = roundTrip
        self.connectStartedMonotonic = connectStartedMonotonic
        self.firstByteMonotonic = firstByteMonotonic
        self.ntp = ntp
    }

    /// The ``DaytimeFormat`` that writes the line's layout, for the layouts this package writes.
    public var lineFormat: DaytimeFormat? {
        self.lineLayout?.format
    }

    /// The interval the server's clock lies in, relative to the local clock: `offset ± offsetBound`
    /// as (lower, upper) seconds. Nil when the answer's time was not recognised.
    public var offsetInterval: (lower: Double, upper: Double)? {
        guard let offset = self.offset, let bound = self.offsetBound else { return nil }
        return (offset - bound, offset + bound)
    }

    /// The middle of the exchange on the local clock, (T1 + T4) / 2.
    public var localMidpoint: Instant {
        self.connectStartedAt.advanced(by: self.firstByteAt.seconds(since: self.connectStartedAt) / 2)
    }

    /// Server minus local clock, in seconds: `(serverInstant + resolution / 2) - (T1 + T4) / 2`, or
    /// for NTP ``NTPAnswer/offset``. Positive when the local clock is behind. Nil when the answer's
    /// time was not recognised.
    public var offset: Double? {
        if let ntp = self.ntp { return ntp.offset }
        if let edge = self.secondEdge { return (edge.lower + edge.upper) / 2 }
        guard let serverInstant = self.serverInstant, let resolution = self.resolution else { return nil }
        return serverInstant.seconds(since: self.localMidpoint) + resolution / 2
    }

    /// The most ``offset`` can be wrong by, in seconds, if the server's clock is right (for NTP: if
    /// its account of its own error is right):
    /// `roundTrip / 2 + resolution / 2`, or for NTP ``NTPAnswer/offsetBound``. Nil when ``offset`` is nil.
    public var offsetBound: Double? {
        if let ntp = self.ntp { return ntp.offsetBound }
        if let edge = self.secondEdge { return (edge.upper - edge.lower) / 2 }
        guard let resolution = self.resolution, self.serverInstant != nil else { return nil }
        return self.roundTrip / 2 + resolution / 2
    }
}

extension TimeSample {
    /// What samples of one server are ranked by, least first: NTP's delay (the round trip without
    /// the server's own time, as chrony's filter and ntpdig rank), else the round trip.
    var delay: Double {
        self.ntp?.delay ?? self.roundTrip
    }
}

/// What a precise measurement of a whole-second server found: the offsets (server minus local, in
/// seconds) that every one of its answers allows, and how many queries it took.
public struct SecondEdge: Sendable, Hashable {
    /// The least offset every answer allows.
    public var lower: Double
    /// The greatest offset every answer allows.
    public var upper: Double
    /// The queries sent.
    public var queries: Int
    /// The answers that came back and were used.
    public var answers: Int

    /// Creates a result from its parts.
    public init(lower: Double, upper: Double, queries: Int, answers: Int) {
        self.lower = lower
        self.upper = upper
        self.queries = queries
        self.answers = answers
    }
}
