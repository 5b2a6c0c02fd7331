import DaytimeCore
import Testing

/// An answer recorded from chronyd (see Tests/Fixtures/NTPAnswers), what the request carried, and
/// what the answer's bytes say (read with xxd).
struct RecordedNTPAnswer: Sendable, CustomTestStringConvertible {
    var file: String
    /// The server's IPv4 address, from which a client derives its reference identifier.
    var server: [UInt8]
    var version: UInt8
    /// The request's transmit timestamp.
    var sent: UInt64
    /// The client's clock just before sending and just after receiving.
    var t1: Instant
    var t4: Instant
    var stratum: UInt8
    var rootDelay: UInt32
    var rootDispersion: UInt32
    var referenceID: UInt32
    var referenceTime: UInt64
    var receiveTime: UInt64
    var transmitTime: UInt64
    /// ((T2 - T1) + (T3 - T4)) / 2 and (T4 - T1) - (T3 - T2), by python3 in exact fractions, to 1 ns.
    var offset: Double
    var delay: Double

    var testDescription: String { self.file }
}

private let recordedAnswers: [RecordedNTPAnswer] = [
    RecordedNTPAnswer(
        file: "chronyd-local-stratum-8-v4.bin",
        server: [127, 0, 0, 61],
        version: 4,
        sent: 0xEEBF_F5CE_1234_5678,
        t1: Instant(seconds: 1_796_568_910, nanoseconds: 509_343_900),
        t4: Instant(seconds: 1_796_568_910, nanoseconds: 532_010_300),
        stratum: 8,
        rootDelay: 0,
        rootDispersion: 0,
        referenceID: 0x7F7F_0101,
        referenceTime: 0xEEBF_F5CC_F7B0_A51F,
        receiveTime: 0xEEBF_F5CE_8265_6287,
        transmitTime: 0xEEBF_F5CE_8829_F1B0,
        offset: -0.000_052_337,
        delay: 0.000_135_894
    ),
    RecordedNTPAnswer(
        file: "chronyd-local-stratum-8-v3.bin",
        server: [127, 0, 0, 61],
        version: 3,
        sent: 0xEEBF_F5D1_1234_5678,
        t1: Instant(seconds: 1_796_568_913, nanoseconds: 638_020_800),
        t4: Instant(seconds: 1_796_568_913, nanoseconds: 651_946_800),
        stratum: 8,
        rootDelay: 0,
        rootDispersion: 0,
        referenceID: 0x7F7F_0101,
        referenceTime: 0xEEBF_F5CC_F7B0_A51F,
        receiveTime: 0xEEBF_F5D1_A356_E09B,
        transmitTime: 0xEEBF_F5D1_A35A_2AD2,
        offset: -0.006_914_307,
        delay: 0.013_875_800
    ),
    RecordedNTPAnswer(
        file: "chronyd-ipv6-upstream-v4.bin",
        server: [127, 0, 0, 62],
        version: 4,
        sent: 0xEEBF_F605_1234_5678,
        t1: Instant(seconds: 1_796_568_965, nanoseconds: 920_688_200),
        t4: Instant(seconds: 1_796_568_965, nanoseconds: 943_949_500),
        stratum: 9,
        rootDelay: 1,
        rootDispersion: 1,
        referenceID: 0xCF40_4DC8,
        referenceTime: 0xEEBF_F604_A685_52BA,
        receiveTime: 0xEEBF_F605_EBB4_34B3,
        transmitTime: 0xEEBF_F605_EBB9_6FBC,
        offset: -0.011_560_470,
        delay: 0.023_181_487
    ),
]

private func bytes(of recorded: RecordedNTPAnswer) throws -> [UInt8] {
    let path = ntpFixtures + "/" + recorded.file
    return try #require(readBytes(path), "cannot read \(path)")
}

@Suite("NTP answers recorded from chronyd")
struct NTPRecordedAnswerTests {
    @Test(
        "chronyd's answer reads as mode 4, our version and poll, our transmit as its origin",
        arguments: recordedAnswers
    )
    func fields(recorded: RecordedNTPAnswer) throws {
        let bytes = try bytes(of: recorded)
        #expect(bytes.count == 48)
        let answer = try #require(NTPPacket(bytes))
        #expect(answer.leap == 0)
        #expect(answer.version == recorded.version)
        #expect(answer.mode == .server)
        #expect(answer.stratum == recorded.stratum)
        #expect(answer.poll == 6)
        #expect(answer.precision == -25)
        #expect(answer.rootDelay == recorded.rootDelay)
        #expect(answer.rootDispersion == recorded.rootDispersion)
        #expect(answer.referenceID == recorded.referenceID)
        #expect(answer.referenceTime.bits == recorded.referenceTime)
        #expect(answer.originTime.bits == recorded.sent)
        #expect(answer.receiveTime.bits == recorded.receiveTime)
        #expect(answer.transmitTime.bits == recorded.transmitTime)
        #expect(answer.bytes == bytes)
    }

    @Test("On one clock, chronyd's receive and transmit times fall between t1 and t4", arguments: recordedAnswers)
    func timesInOrder(recorded: RecordedNTPAnswer) throws {
        let answer = try #require(NTPPacket(try bytes(of: recorded)))
        let t2 = answer.receiveTime.instant(near: recorded.t1)
        let t3 = answer.transmitTime.instant(near: recorded.t4)
        #expect(recorded.t1 <= t2)
        #expect(t2 <= t3)
        #expect(t3 <= recorded.t4)
    }

    @Test("Given chronyd's clock and times, the responder writes the 48 bytes chronyd sent", arguments: recordedAnswers)
    func responderMatchesChrony(recorded: RecordedNTPAnswer) throws {
        let chrony = try bytes(of: recorded)
        let answer = try #require(NTPPacket(chrony))
        let responder = NTPResponder(
            clock: NTPServerClock(
                leap: answer.leap,
                stratum: answer.stratum,
                precision: answer.precision,
                rootDelay: NTPShortFormat.decode(answer.rootDelay),
                rootDispersion: NTPShortFormat.decode(answer.rootDispersion),
                referenceID: answer.referenceID,
                referenceTime: answer.referenceTime
            )
        )
        let request = clientRequest(first: recorded.version << 3 | 3, transmit: recorded.sent)
        let ours = request.withUnsafeBytes { request in
            answerBuffer { buffer in
                #expect(NTPResponder.dropReason(request: request, length: request.count) == nil)
                responder.writeAnswer(to: request, receivedAt: answer.receiveTime, into: buffer)
                NTPResponder.finish(buffer, transmit: answer.transmitTime)
            }
        }
        #expect(Array(ours.prefix(48)) == chrony)
        #expect(ours.dropFirst(48).allSatisfy { $0 == guardByte })
    }

    @Test(
        "An upstream sample of chronyd's answer has the offset and delay python3 computes",
        arguments: recordedAnswers
    )
    func upstreamSample(recorded: RecordedNTPAnswer) throws {
        let answer = try #require(NTPPacket(try bytes(of: recorded)))
        let sample = try #require(
            NTPUpstreamSample(
                answer: answer,
                sent: NTPTimestamp(bits: recorded.sent),
                t1: recorded.t1,
                t4: recorded.t4,
                referenceID: NTPPacket.referenceID(upstreamAddress: recorded.server),
                receivedAt: 42
            )
        )
        #expect(abs(sample.offset - recorded.offset) < 3e-9)
        #expect(abs(sample.delay - recorded.delay) < 3e-9)
        #expect(sample.referenceID == UInt32(recorded.server[3]) | 0x7F00_0000)
        // The same answer to another request is not a sample.
        let other = NTPTimestamp(bits: recorded.sent + 1)
        #expect(
            NTPUpstreamSample(
                answer: answer,
                sent: other,
                t1: recorded.t1,
                t4: recorded.t4,
                referenceID: 0,
                receivedAt: 42
            )
                == nil
        )
    }

    @Test("chronyd synchronized to [::1] sends the reference ID referenceID(upstreamAddress:) computes for ::1")
    func ipv6ReferenceIDAgreesWithChrony() throws {
        let answer = try #require(NTPPacket(try bytes(of: recordedAnswers[2])))
        let loopback = [UInt8](repeating: 0, count: 15) + [1]
        #expect(answer.referenceID == NTPPacket.referenceID(upstreamAddress: loopback))
    }
}
