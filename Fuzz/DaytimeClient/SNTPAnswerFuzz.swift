// Fuzz target: the SNTP client's reading of answers (SNTPRequest), beside the server's reading of
// its upstreams' (NTPUpstreamSample). Run by scripts/fuzz (see DaytimeClientFuzz.swift).

import DaytimeCore

/// The first 16 bytes choose the local clock: T1 (1900...2100) and the round trip to T4 (under
/// 4.3 s); the rest is the answer. Any answer is refused with a reason, or read into a stratum,
/// leap and bounds in range, with T2 and T3 in the era nearest the local clock; the server's check
/// of an upstream never takes what the client refuses, and both compute the same offset. Then a
/// server clock built from the answer's fields answers a request through NTPResponder: the client
/// takes that answer exactly when the clock is synchronized, and reads back the skew and delay.
func fuzzSNTPAnswer(_ buffer: UnsafeRawBufferPointer) {
    guard buffer.count >= 16 else { return }
    var t1Bits: UInt64 = 0
    for byte in buffer.prefix(8) { t1Bits = t1Bits << 8 | UInt64(byte) }
    var roundTrip: UInt64 = 0
    for byte in buffer[8..<12] { roundTrip = roundTrip << 8 | UInt64(byte) }
    var skewBits: UInt32 = 0
    for byte in buffer[12..<16] { skewBits = skewBits << 8 | UInt32(byte) }
    // 1900-01-01 to 2100-01-01, to the nanosecond.
    let t1 = Instant(seconds: -2_208_988_800).adding(nanoseconds: t1Bits % (6_311_433_600 * 1_000_000_000))
    let t4 = t1.adding(nanoseconds: roundTrip)
    let bytes = Array(buffer[16...])

    checkDecode(bytes, t1: t1, t4: t4)

    // The round trip through the server's responder, with a skew of up to ±2^30 s.
    let skew = Int64(Int32(bitPattern: skewBits)) / 2
    let request = NTPPacket(version: 4, mode: .client, transmitTime: NTPTimestamp(bits: t1Bits | 1))
    let fields = NTPPacket(bytes) ?? NTPPacket()
    let clock = NTPServerClock(fields)
    // The server reads the request half-way through the round trip and answers at once.
    let serverTime = t1.adding(nanoseconds: roundTrip / 2).adding(seconds: skew)
    var answer = [UInt8](repeating: 0, count: NTPPacket.size)
    request.bytes.withUnsafeBytes { request in
        answer.withUnsafeMutableBytes { answer in
            let responder = NTPResponder(clock: clock)
            responder.writeAnswer(to: request, receivedAt: NTPTimestamp(serverTime), into: answer)
            NTPResponder.finish(answer, transmit: NTPTimestamp(serverTime))
        }
    }
    require(SNTPRequest.isAnswer(answer, to: request.transmitTime), "the server's answer does not match")
    let synchronized = clock.leap != 3 && (1...15).contains(clock.stratum) && NTPTimestamp(serverTime) != .zero
    do {
        let decoded = try SNTPRequest.decode(answer, t1: t1, t4: t4, endpoint: "fuzz")
        require(synchronized, "an answer from an unsynchronized clock was taken")
        // The timestamps' 2^-32 s steps and the nanosecond rounding leave a few nanoseconds.
        require(abs(decoded.offset - Double(skew)) < 1e-5, "offset \(decoded.offset), skew \(skew)")
        require(abs(decoded.delay - Double(roundTrip) / 1e9) < 1e-5, "delay \(decoded.delay), \(roundTrip) ns")
    } catch {
        require(!synchronized, "a synchronized server's answer refused: \(error)")
    }
}

/// The client's and the upstream check's verdicts on `bytes` as an answer received at `t4` to a
/// request sent at `t1`.
private func checkDecode(_ bytes: [UInt8], t1: Instant, t4: Instant) {
    let packet = NTPPacket(bytes)
    require((packet == nil) == (bytes.count < NTPPacket.size))
    if let packet {
        require(SNTPRequest.isAnswer(bytes, to: packet.originTime), "its own origin does not match")
        require(!SNTPRequest.isAnswer(bytes, to: NTPTimestamp(bits: ~packet.originTime.bits)))
    } else {
        require(!SNTPRequest.isAnswer(bytes, to: .zero), "a short answer matched")
    }
    // What a server makes of the same packet from an upstream it asked.
    let upstream = packet.flatMap {
        NTPUpstreamSample(answer: $0, sent: $0.originTime, t1: t1, t4: t4, referenceID: 1, receivedAt: 0)
    }
    let answer: NTPAnswer
    do {
        answer = try SNTPRequest.decode(bytes, t1: t1, t4: t4, endpoint: "fuzz")
    } catch {
        require(!error.description.isEmpty)
        require(upstream == nil, "the server takes from an upstream what the client refuses: \(error)")
        return
    }
    guard let packet else { fatalError("an answer of \(bytes.count) bytes taken") }
    require(packet.mode == .server && packet.transmitTime != .zero, "not a server's answer with a time")
    let server = answer.server
    require((1...15).contains(server.stratum) && server.leap < 3, "stratum \(server.stratum), leap \(server.leap)")
    require(server.rootDelay >= 0 && server.rootDispersion >= 0 && answer.delay >= 0)
    require(answer.offset.isFinite && answer.offsetBound.isFinite && answer.offsetBound > 0)
    // RFC 5905's era rule: each timestamp within 68 years of the local reading it is read against.
    require(abs(answer.receiveTime.seconds(since: t1)) < 2_147_483_649, "T2 in the wrong era")
    require(abs(answer.transmitTime.seconds(since: t4)) < 2_147_483_649, "T3 in the wrong era")
    if let upstream {
        require(upstream.offset == answer.offset && upstream.delay == answer.delay, "offsets differ")
    }
}

extension Instant {
    /// This instant moved by whole nanoseconds, without the rounding of a `Double`.
    fileprivate func adding(nanoseconds: UInt64) -> Instant {
        let total = UInt64(self.nanoseconds) + nanoseconds % 1_000_000_000
        return Instant(
            seconds: self.seconds + Int64(nanoseconds / 1_000_000_000) + Int64(total / 1_000_000_000),
            nanoseconds: Int32(total % 1_000_000_000)
        )
    }

    /// This instant moved by whole seconds.
    fileprivate func adding(seconds: Int64) -> Instant {
        Instant(seconds: self.seconds + seconds, nanoseconds: self.nanoseconds)
    }
}
