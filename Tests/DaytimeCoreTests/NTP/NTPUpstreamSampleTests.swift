import DaytimeCore
import Testing

// A worked exchange, by hand: our clock reads T1 = 14:55:10.000 when the request leaves and
// T4 = 14:55:10.011 when the answer arrives; the upstream's reads T2 = 10.030 on arrival and
// T3 = 10.031 on departure. RFC 5905 section 8: offset = ((T2 - T1) + (T3 - T4)) / 2 =
// (0.030 + 0.020) / 2 = 0.025 s; delay = (T4 - T1) - (T3 - T2) = 0.011 - 0.001 = 0.010 s.
// The fractions are python3's int(seconds * 2**32): 0.030 → 0x07AE147A, 0.031 → 0x07EF9DB2.

private let sent = NTPTimestamp(bits: 0xEEBF_F5CE_1234_5678)
private let t1 = Instant(seconds: 1_796_568_910)  // 2026-12-06T14:55:10Z
private let t4 = Instant(seconds: 1_796_568_910, nanoseconds: 11_000_000)

private func upstreamAnswer(
    leap: UInt8 = 0,
    mode: NTPPacket.Mode = .server,
    stratum: UInt8 = 2,
    origin: NTPTimestamp = sent,
    receive: UInt64 = 0xEEBF_F5CE_07AE_147A,
    transmit: UInt64 = 0xEEBF_F5CE_07EF_9DB2
) -> NTPPacket {
    NTPPacket(
        leap: leap,
        mode: mode,
        stratum: stratum,
        referenceID: 0x0A00_0001,
        originTime: origin,
        receiveTime: NTPTimestamp(bits: receive),
        transmitTime: NTPTimestamp(bits: transmit)
    )
}

private func measure(_ answer: NTPPacket, t1: Instant = t1, t4: Instant = t4) -> NTPUpstreamSample? {
    NTPUpstreamSample(answer: answer, sent: sent, t1: t1, t4: t4, referenceID: 0x7F00_003D, receivedAt: 77)
}

@Suite("NTP upstream samples")
struct NTPUpstreamSampleTests {
    @Test("Offset and delay of the worked exchange: 25 ms and 10 ms")
    func offsetAndDelay() throws {
        let answer = upstreamAnswer()
        let sample = try #require(measure(answer))
        #expect(abs(sample.offset - 0.025) < 1e-9)
        #expect(abs(sample.delay - 0.010) < 1e-9)
        #expect(sample.packet == answer)
        #expect(sample.referenceID == 0x7F00_003D)
        #expect(sample.receivedAt == 77)
    }

    @Test("The same exchange across the 2036 era boundary: T1 in era 0, T2 and T3 in era 1")
    func acrossEraBoundary() throws {
        // T1 = 2036-02-07T06:28:15.990Z, T4 = 16.001, T2 = 16.020 (0x051EB851), T3 = 16.021 (0x05604189).
        let sample = try #require(
            measure(
                upstreamAnswer(receive: 0x0000_0000_051E_B851, transmit: 0x0000_0000_0560_4189),
                t1: Instant(seconds: 2_085_978_495, nanoseconds: 990_000_000),
                t4: Instant(seconds: 2_085_978_496, nanoseconds: 1_000_000)
            )
        )
        #expect(abs(sample.offset - 0.025) < 1e-9)
        #expect(abs(sample.delay - 0.010) < 1e-9)
    }

    @Test("An upstream that says it held the request longer than our round trip gives delay 0, not less")
    func negativeDelayClamped() throws {
        // T3 = 10.050 (0x0CCCCCCC): (T4 - T1) - (T3 - T2) = 0.011 - 0.020 < 0; offset (0.030 + 0.039) / 2.
        let sample = try #require(measure(upstreamAnswer(transmit: 0xEEBF_F5CE_0CCC_CCCC)))
        #expect(sample.delay == 0)
        #expect(abs(sample.offset - 0.0345) < 1e-9)
    }

    @Test("Only a server's answer (mode 4) is a sample", arguments: NTPPacket.Mode.allCases)
    func mode(mode: NTPPacket.Mode) {
        #expect((measure(upstreamAnswer(mode: mode)) != nil) == (mode == .server))
    }

    @Test("An answer whose origin is not our transmit time is not ours")
    func originMismatch() {
        #expect(measure(upstreamAnswer(origin: NTPTimestamp(bits: sent.bits + 1))) == nil)
        #expect(measure(upstreamAnswer(origin: .zero)) == nil)
    }

    @Test(
        "Leap indicators 0 to 2 are taken; 3 (unsynchronized) is not",
        arguments: zip(UInt8(0)...3, [true, true, true, false])
    )
    func leap(leap: UInt8, taken: Bool) {
        #expect((measure(upstreamAnswer(leap: leap)) != nil) == taken)
    }

    @Test(
        "Strata 1 to 14 are taken; 0 (a kiss), 15 (no room below) and 16 (unsynchronized) are not",
        arguments: zip([UInt8(0), 1, 2, 14, 15, 16, 255], [false, true, true, true, false, false, false])
    )
    func stratum(stratum: UInt8, taken: Bool) {
        #expect((measure(upstreamAnswer(stratum: stratum)) != nil) == taken)
    }

    @Test("An answer without a transmit time is not a sample")
    func zeroTransmit() {
        #expect(measure(upstreamAnswer(transmit: 0)) == nil)
    }
}
