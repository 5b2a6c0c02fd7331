/// One good answer from an upstream NTP server, as a client measured it (RFC 5905 section 8).
public struct NTPUpstreamSample: Sendable, Hashable {
    /// The upstream's answer.
    public var packet: NTPPacket
    /// The reference identifier a server synchronized to this upstream sends (its IPv4 address, or
    /// the hash of its IPv6 address).
    public var referenceID: UInt32
    /// The local clock's offset from the upstream's, in seconds: ((T2 - T1) + (T3 - T4)) / 2.
    public var offset: Double
    /// The round-trip delay, in seconds: (T4 - T1) - (T3 - T2), never below 0.
    public var delay: Double
    /// Monotonic nanoseconds when the answer arrived.
    public var receivedAt: UInt64

    /// Creates a sample from its parts.
    public init(packet: NTPPacket, referenceID: UInt32, offset: Double, delay: Double, receivedAt: UInt64) {
        self.packet = packet
        self.referenceID = referenceID
        self.offset = offset
        self.delay = delay
        self.receivedAt = receivedAt
    }

    /// Checks an upstream's `answer` to a request sent with transmit timestamp `sent` at local
    /// time `t1`, received at local time `t4`: nil if it must not be used (not a server answer,
    /// not the answer to that request, unsynchronized, a Kiss-o'-Death, or a stratum that leaves
    /// no room for ours below it).
    public init?(
        answer: NTPPacket,
        sent: NTPTimestamp,
        t1: Instant,
        t4: Instant,
        referenceID: UInt32,
        receivedAt: UInt64
    ) {
        guard answer.mode == .server, answer.originTime == sent, answer.leap != 3,
            (1...14).contains(answer.stratum), answer.transmitTime != .zero
        else { return nil }
        let measured = Self.measure(answer, t1: t1, t4: t4)
        self.packet = answer
        self.referenceID = referenceID
        self.offset = measured.offset
        self.delay = measured.delay
        self.receivedAt = receivedAt
    }

    /// RFC 5905 section 8's on-wire arithmetic for `answer`, sent at local time `t1` and received at
    /// `t4`: the offset ((T2 - T1) + (T3 - T4)) / 2 (server minus local) and the delay
    /// (T4 - T1) - (T3 - T2), never below 0. The answer is not checked.
    public static func measure(_ answer: NTPPacket, t1: Instant, t4: Instant) -> (offset: Double, delay: Double) {
        let t2 = answer.receiveTime.instant(near: t1)
        let t3 = answer.transmitTime.instant(near: t4)
        return (
            (t2.seconds(since: t1) + t3.seconds(since: t4)) / 2,
            max(0, t4.seconds(since: t1) - t3.seconds(since: t2))
        )
    }

    /// The upstream's synchronization distance as this server sees it: its root delay and ours to
    /// it halved, plus its root dispersion.
    var rootDistance: Double {
        (NTPShortFormat.decode(self.packet.rootDelay) + self.delay) / 2
            + NTPShortFormat.decode(self.packet.rootDispersion)
    }
}

/// What an SNTP server vouches for, from its upstreams' latest answers: the pure state machine
/// behind every answer's stratum, reference, root delay and dispersion, and leap indicator.
///
/// An upstream is *synchronized* while its latest good answer is younger than
/// ``lostAfter``; then *lost*. Of the synchronized ones the one with the least root distance is
/// the reference. With none, the server serves its own clock at ``localStratum`` if one is set, or
/// says it is unsynchronized (leap indicator 3).
public struct NTPUpstreamTracker: Sendable {
    /// How the server's clock stands.
    public enum State: Sendable, Hashable {
        /// Synchronized to the upstream with this reference identifier.
        case synchronized(referenceID: UInt32)
        /// No upstream is synchronized; the local clock is served at the local stratum.
        case local
        /// No upstream is synchronized and no local stratum is set.
        case unsynchronized
    }

    /// Dispersion growth per second of a sample's age (RFC 5905's PHI, 15 ppm).
    public static let dispersionRate = 15e-6

    /// The precision of the local clock, log2 seconds.
    public let precision: Int8
    /// The stratum served when no upstream is synchronized; nil to say unsynchronized.
    public var localStratum: Int?
    /// After how long without a good answer an upstream counts as lost, in nanoseconds.
    public var lostAfter: UInt64
    /// The latest good sample of each upstream, by reference identifier.
    private var samples: [UInt32: NTPUpstreamSample] = [:]

    /// Creates a tracker that knows no upstream yet.
    public init(precision: Int8, localStratum: Int?, lostAfter: Duration) {
        self.precision = precision
        self.localStratum = localStratum
        let (seconds, attoseconds) = lostAfter.components
        self.lostAfter = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// Takes a good sample of an upstream (replacing that upstream's previous one).
    public mutating func record(_ sample: NTPUpstreamSample) {
        self.samples[sample.referenceID] = sample
    }

    /// Forgets every upstream (after the list of upstreams changed).
    public mutating func reset() {
        self.samples = [:]
    }

    /// The upstream the server follows at monotonic time `now`, if any.
    public func reference(at now: UInt64) -> NTPUpstreamSample? {
        self.samples.values
            .filter { now &- $0.receivedAt < self.lostAfter || $0.receivedAt > now }
            .min { $0.rootDistance < $1.rootDistance }
    }

    /// The server's state at monotonic time `now`.
    public func state(at now: UInt64) -> State {
        if let reference = self.reference(at: now) { return .synchronized(referenceID: reference.referenceID) }
        return self.localStratum == nil ? .unsynchronized : .local
    }

    /// What answers say at monotonic time `now`, wall-clock time `wallNow`, with `localLeap` the
    /// leap warning of the server's own leap-second list: used at the local stratum, and when
    /// synchronized if the upstream announces nothing.
    public func clock(at now: UInt64, wallNow: Instant, localLeap: LeapIndicator) -> NTPServerClock {
        let precisionSeconds = NTPServerClock.seconds(log2: self.precision)
        if let reference = self.reference(at: now) {
            let upstream = reference.packet
            // A sample recorded after `now` was read (a poll meanwhile) is fresh, not 2^64 ns old.
            let age = reference.receivedAt > now ? 0 : Double(now - reference.receivedAt) / 1e9
            // The upstream's warning, or else the one of the server's own leap-second list.
            let leap = upstream.leap != 0 ? upstream.leap : (localLeap == .unknown ? 0 : UInt8(localLeap.rawValue))
            return NTPServerClock(
                leap: leap,
                stratum: upstream.stratum + 1,
                precision: self.precision,
                rootDelay: NTPShortFormat.decode(upstream.rootDelay) + reference.delay,
                // The upstream's bound, plus how far our clock was from it, plus the sample's
                // growing age, plus our own reading error.
                rootDispersion: NTPShortFormat.decode(upstream.rootDispersion) + abs(reference.offset)
                    + Self.dispersionRate * age + precisionSeconds,
                referenceID: reference.referenceID,
                referenceTime: upstream.referenceTime
            )
        }
        if let stratum = self.localStratum {
            return NTPServerClock(
                leap: localLeap == .unknown ? 0 : UInt8(localLeap.rawValue),
                stratum: UInt8(stratum),
                precision: self.precision,
                rootDelay: 0,
                rootDispersion: precisionSeconds,
                referenceID: NTPPacket.referenceID(ascii: "LOCL"),
                referenceTime: NTPTimestamp(wallNow)
            )
        }
        return .unsynchronized(precision: self.precision)
    }

}
