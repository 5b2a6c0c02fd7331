import DaytimeCore

/// The client's side of SNTP (RFC 4330 section 5, RFC 5905's on-wire protocol): the request, and
/// what an answer must be before its time is used.
enum SNTPRequest {
    /// A version 4 client request that carries nothing but a random transmit timestamp, which the
    /// answer must echo as its origin: no local time leaks to the server, and a forger off the path
    /// cannot guess it (RFC 9109 adds the random source port, which each exchange's new socket has).
    static func make() -> (bytes: [UInt8], transmit: NTPTimestamp) {
        var transmit = NTPTimestamp(bits: UInt64.random(in: 1...UInt64.max))
        // The chance is 2^-64, but a zero origin would match a server that echoes nothing.
        if transmit == .zero { transmit = NTPTimestamp(bits: 1) }
        return (NTPPacket(version: 4, mode: .client, transmitTime: transmit).bytes, transmit)
    }

    /// Whether `bytes` can be the answer to the request sent with `transmit`: 48 bytes or more whose
    /// origin echoes it. Anything else is not taken (a late answer, or a forgery) and the exchange
    /// waits on for the real one.
    static func isAnswer(_ bytes: [UInt8], to transmit: NTPTimestamp) -> Bool {
        guard let packet = NTPPacket(bytes) else { return false }
        return packet.originTime == transmit
    }

    /// The answer's time, or why it must not be trusted: a Kiss-o'-Death, an unsynchronized
    /// server, or a packet that is not an answer with a time. `bytes` passed ``isAnswer(_:to:)``;
    /// T1 and T4 are the local clock's readings around the exchange.
    static func decode(
        _ bytes: [UInt8],
        t1: Instant,
        t4: Instant,
        endpoint: String
    ) throws(TimeClientError)
        -> NTPAnswer
    {
        guard let packet = NTPPacket(bytes) else {
            throw .shortNTPAnswer(endpoint: endpoint, count: bytes.count)
        }
        guard packet.mode == .server else {
            throw .notAnNTPServer(endpoint: endpoint, mode: packet.mode.rawValue)
        }
        // A Kiss-o'-Death first: it says leap 3 as well, and its code is the reason to report.
        if packet.stratum == 0 {
            throw .kissOfDeath(endpoint: endpoint, code: NTPPacket.describe(referenceID: packet.referenceID))
        }
        guard packet.leap != 3 else {
            throw .unsynchronized(endpoint: endpoint, reason: "its leap indicator is 3 (clock not synchronized)")
        }
        guard packet.stratum < 16 else {
            throw .unsynchronized(endpoint: endpoint, reason: "its stratum is \(packet.stratum) (unsynchronized)")
        }
        guard packet.transmitTime != .zero else {
            throw .zeroTransmitTime(endpoint: endpoint)
        }
        let measured = NTPUpstreamSample.measure(packet, t1: t1, t4: t4)
        return NTPAnswer(
            server: NTPServerClock(packet),
            receiveTime: packet.receiveTime.instant(near: t1),
            transmitTime: packet.transmitTime.instant(near: t4),
            offset: measured.offset,
            delay: measured.delay
        )
    }
}
