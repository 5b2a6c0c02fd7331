import DaytimeCore

/// What an SNTP server's answer says beyond its time: the four timestamps' result and the server's
/// own account of its clock (RFC 5905 section 7.3).
///
/// The offset and delay are RFC 5905's on-wire arithmetic: with T1 the request sent (local clock),
/// T2 the request received and T3 the answer sent (server's clock), T4 the answer received (local
/// clock), the offset is ((T2 - T1) + (T3 - T4)) / 2 and the delay (T4 - T1) - (T3 - T2).
///
/// The bound (``offsetBound``) is the synchronization distance seen from here: half the delay (the
/// most an asymmetric path can shift the offset), plus the server's root dispersion and half its
/// root delay (how far the server's clock may be from the true time), plus the server's precision.
/// If the server's account of itself is honest, the true offset lies within `offset ± offsetBound`.
public struct NTPAnswer: Sendable, Hashable {
    /// The server's account of its clock: the leap indicator (0 no warning, 1 a second is inserted
    /// at the end of the month, 2 deleted; 3, unsynchronized, is refused), the stratum (1 to 15),
    /// the precision, the root delay and dispersion, the reference identifier and time.
    public var server: NTPServerClock
    /// T2: when the request reached the server, on the server's clock.
    public var receiveTime: Instant
    /// T3: when the answer left the server, on the server's clock.
    public var transmitTime: Instant
    /// Server minus local clock, in seconds: ((T2 - T1) + (T3 - T4)) / 2.
    public var offset: Double
    /// The round-trip delay without the server's time between T2 and T3, in seconds, never below 0.
    public var delay: Double

    /// The reference identifier as text: an upstream's IPv4 address (or the hash of an IPv6 one) as
    /// a dotted quad, or a reference clock's code such as `GPS` or `LOCL`.
    public var referenceID: String {
        NTPPacket.describe(referenceID: self.server.referenceID)
    }

    /// The most ``offset`` can be wrong by, in seconds: `delay / 2 + rootDispersion + rootDelay / 2
    /// + 2^precision`.
    public var offsetBound: Double {
        self.delay / 2 + self.server.rootDispersion + self.server.rootDelay / 2 + self.server.precisionSeconds
    }
}
