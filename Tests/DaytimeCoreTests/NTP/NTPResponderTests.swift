import DaytimeCore
import Testing
import _DaytimeTesting

/// Why `bytes` (a whole datagram unless `length` says it was longer) gets no answer.
private func dropReason(_ bytes: [UInt8], length: Int? = nil) -> NTPDropReason? {
    bytes.withUnsafeBytes { NTPResponder.dropReason(request: $0, length: length ?? bytes.count) }
}

/// A synchronized clock with a value in every field.
private let clock = NTPServerClock(
    leap: 1,
    stratum: 3,
    precision: -20,
    rootDelay: 0.041_25,  // 2703.36 / 65536: 2704 = 0x0A90 rounded up
    rootDispersion: 0.5,
    referenceID: 0x7F00_003D,
    referenceTime: NTPTimestamp(bits: 0xEEBF_F5CC_F7B0_A51F)
)

private let receive = NTPTimestamp(bits: 0xEEBF_F5CE_8265_6287)
private let transmit = NTPTimestamp(bits: 0xEEBF_F5CE_8829_F1B0)

/// The answer `responder` writes to `request`, in a 64-byte buffer of guard bytes.
private func answer(_ request: [UInt8], responder: NTPResponder = NTPResponder(clock: clock)) -> [UInt8] {
    request.withUnsafeBytes { request in
        answerBuffer { buffer in
            responder.writeAnswer(to: request, receivedAt: receive, into: buffer)
            NTPResponder.finish(buffer, transmit: transmit)
        }
    }
}

@Suite("NTP responder")
struct NTPResponderTests {
    @Test(
        "Of the eight modes only 3 (client) is answered; 6 and 7 are told apart",
        arguments: zip(
            UInt8(0)...7,
            [
                NTPDropReason.notClientMode, .notClientMode, .notClientMode, nil, .notClientMode, .notClientMode,
                .controlMode, .privateMode,
            ]
        )
    )
    func modes(mode: UInt8, reason: NTPDropReason?) {
        #expect(dropReason(clientRequest(first: 4 << 3 | mode, transmit: 1)) == reason)
    }

    @Test(
        "Versions 1 to 4 are answered; 0 and 5 to 7 are not",
        arguments: zip(
            UInt8(0)...7,
            [NTPDropReason.badVersion, nil, nil, nil, nil, .badVersion, .badVersion, .badVersion]
        )
    )
    func versions(version: UInt8, reason: NTPDropReason?) {
        #expect(dropReason(clientRequest(first: version << 3 | 3, transmit: 1)) == reason)
    }

    @Test("A client that says its own clock is unsynchronized (LI 3, as ntpdate and ntpdig send) is answered")
    func clientLeapIgnored() {
        #expect(dropReason(clientRequest(first: 0xE3, transmit: 1)) == nil)
    }

    @Test(
        "Lengths: 0 and 47 bytes are too short, 48 and 68 (an extension field) are answered",
        arguments: zip([0, 47, 48, 68], [NTPDropReason.tooShort, .tooShort, nil, nil])
    )
    func lengths(count: Int, reason: NTPDropReason?) {
        let request = clientRequest(first: 0x23, transmit: 1, extra: 20)
        #expect(dropReason(Array(request.prefix(count))) == reason)
    }

    @Test("A datagram of 48 bytes read into a buffer of 47, or the other way round, is too short")
    func bufferAndLengthDisagree() {
        let request = clientRequest(first: 0x23, transmit: 1)
        #expect(dropReason(Array(request.prefix(47)), length: 48) == .tooShort)
        #expect(dropReason(request, length: 47) == .tooShort)
        #expect(dropReason(request, length: 1_000) == nil)
    }

    @Test("ntpq's control query and ntpdc's monlist query get nothing")
    func amplifiers() {
        // Version 2, mode 6, READVAR; version 2, mode 7, MON_GETLIST_1 (0x2A), at full and at their own length.
        let readvar: [UInt8] = [0x16, 0x02, 0x00, 0x01] + [UInt8](repeating: 0, count: 8)
        let monlist: [UInt8] = [0x17, 0x00, 0x03, 0x2A] + [UInt8](repeating: 0, count: 4)
        #expect(dropReason(readvar + [UInt8](repeating: 0, count: 36)) == .controlMode)
        #expect(dropReason(monlist + [UInt8](repeating: 0, count: 40)) == .privateMode)
        #expect(dropReason(readvar) == .tooShort)
        #expect(dropReason(monlist) == .tooShort)
    }

    @Test("The answer, byte by byte: the clock's fields, the request's version, poll and transmit, our times")
    func answerBytes() {
        // Version 3 with LI 3 and stratum 15 of the client's own: neither may leak into the answer.
        var request = clientRequest(first: 0xDB, poll: 10, transmit: 0xDEAD_BEEF_0123_4567)
        request[1] = 15
        let expected: [UInt8] =
            [
                0x5C,  // leap 1, version 3, mode 4: 01 011 100
                0x03, 0x0A, 0xEC,  // stratum 3, poll 10 echoed, precision -20
                0x00, 0x00, 0x0A, 0x90,  // root delay
                0x00, 0x00, 0x80, 0x00,  // root dispersion 0.5 s
                0x7F, 0x00, 0x00, 0x3D,  // reference ID
                0xEE, 0xBF, 0xF5, 0xCC, 0xF7, 0xB0, 0xA5, 0x1F,  // reference
                0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67,  // origin: the request's transmit
                0xEE, 0xBF, 0xF5, 0xCE, 0x82, 0x65, 0x62, 0x87,  // receive
                0xEE, 0xBF, 0xF5, 0xCE, 0x88, 0x29, 0xF1, 0xB0,  // transmit
            ] + [UInt8](repeating: guardByte, count: 16)
        #expect(answer(request) == expected)
    }

    @Test("Every answered version and any poll, negative ones too, are echoed; the mode is 4", arguments: UInt8(1)...4)
    func versionAndPollEchoed(version: UInt8) {
        for poll: UInt8 in [0x00, 0x04, 0x11, 0xFA, 0x80] {
            let bytes = answer(clientRequest(first: version << 3 | 3, poll: poll, transmit: 1))
            #expect(bytes[0] == 1 << 6 | version << 3 | 4)
            #expect(bytes[2] == poll)
        }
    }

    @Test("The origin is the request's transmit field, bit for bit, whatever it holds")
    func originCopied() {
        var random = SplitMix64(seed: 0x0123)
        for bits in [0, UInt64.max, 0x8000_0000_0000_0001] + (0..<200).map({ _ in random.next() }) {
            let request = clientRequest(first: 0x23, transmit: bits)
            #expect(Array(answer(request)[24..<32]) == Array(request[40..<48]))
        }
    }

    @Test("An answer to a request with an extension field is still 48 bytes: never more out than in")
    func neverMoreThan48() {
        let request = clientRequest(first: 0x23, transmit: 0x1111_2222_3333_4444, extra: 20)
        #expect(dropReason(request) == nil)
        let bytes = answer(request)
        #expect(bytes[..<48] == answer(Array(request.prefix(48)))[..<48])
        #expect(bytes[48...].allSatisfy { $0 == guardByte })
    }

    @Test("writeAnswer leaves the transmit field to finish, and finish writes only that field")
    func finishWritesTransmitOnly() {
        let request = clientRequest(first: 0x23, transmit: 0x1111_2222_3333_4444)
        let responder = NTPResponder(clock: clock)
        let unfinished = request.withUnsafeBytes { request in
            answerBuffer { responder.writeAnswer(to: request, receivedAt: receive, into: $0) }
        }
        #expect(unfinished[40...].allSatisfy { $0 == guardByte })
        let finished = answerBuffer { NTPResponder.finish($0, transmit: transmit) }
        #expect(Array(finished[40..<48]) == bigEndianBytes(transmit.bits))
        #expect(finished[..<40].allSatisfy { $0 == guardByte })
        #expect(finished[48...].allSatisfy { $0 == guardByte })
    }

    @Test("An unsynchronized clock answers with LI 3, stratum 16 and no reference")
    func unsynchronizedAnswer() throws {
        let responder = NTPResponder(clock: .unsynchronized(precision: -22))
        let bytes = answer(clientRequest(first: 0x23, transmit: 0x1111_2222_3333_4444), responder: responder)
        #expect(Array(bytes[0..<16]) == [0xE4, 16, 6, 0xEA] + [UInt8](repeating: 0, count: 12))
        #expect(bytes[16..<24].allSatisfy { $0 == 0 })
        let packet = try #require(NTPPacket(bytes))
        #expect(packet.originTime.bits == 0x1111_2222_3333_4444)
        #expect(!NTPServerClock.unsynchronized(precision: -22).isSynchronized)
        #expect(clock.isSynchronized)
    }

    @Test("A Kiss-o'-Death RATE: LI 3, stratum 0, reference RATE, and every time the request's transmit time")
    func rateKiss() {
        let request = clientRequest(first: 0x1B, poll: 0x0A, transmit: 0xDEAD_BEEF_0123_4567, extra: 20)
        let kiss = request.withUnsafeBytes { request in
            answerBuffer { NTPResponder.writeRateKiss(to: request, into: $0) }
        }
        let origin: [UInt8] = [0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x23, 0x45, 0x67]
        let expected: [UInt8] =
            [
                0xDC,  // leap 3, version 3, mode 4: 11 011 100
                0x00, 0x0A, 0x00,  // stratum 0, poll echoed, no precision
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // no root delay or dispersion
                0x52, 0x41, 0x54, 0x45,  // "RATE"
                0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // no reference time
            ] + origin + origin + origin + [UInt8](repeating: guardByte, count: 16)
        #expect(kiss == expected)
    }
}
