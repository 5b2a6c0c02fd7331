import DaytimeCore
import Testing
import _DaytimeTesting

/// A header written out by hand from RFC 5905 figure 8, field by field.
private let handWritten: [UInt8] =
    [
        0xE3,  // leap 3, version 4, mode 3: 11 100 011
        0x02,  // stratum 2
        0xFA,  // poll -6
        0xEC,  // precision -20
        0x00, 0x01, 0x80, 0x00,  // root delay 1.5 s
        0x00, 0x00, 0x40, 0x00,  // root dispersion 0.25 s
        0x47, 0x50, 0x53, 0x00,  // reference ID "GPS"
    ]
    + bigEndianBytes(0xEEBF_F5CC_F7B0_A51F)  // reference
    + bigEndianBytes(0x0102_0304_0506_0708)  // origin
    + bigEndianBytes(0x1112_1314_1516_1718)  // receive
    + bigEndianBytes(0x2122_2324_2526_2728)  // transmit

@Suite("NTP packet codec")
struct NTPPacketTests {
    @Test("A header written by hand reads field by field, and writes back to the same bytes")
    func handWrittenHeader() throws {
        let packet = try #require(NTPPacket(handWritten))
        #expect(packet.leap == 3)
        #expect(packet.version == 4)
        #expect(packet.mode == .client)
        #expect(packet.stratum == 2)
        #expect(packet.poll == -6)
        #expect(packet.precision == -20)
        #expect(packet.rootDelay == 0x0001_8000)
        #expect(NTPShortFormat.decode(packet.rootDelay) == 1.5)
        #expect(NTPShortFormat.decode(packet.rootDispersion) == 0.25)
        #expect(packet.referenceID == 0x4750_5300)
        #expect(NTPPacket.describe(referenceID: packet.referenceID) == "GPS")
        #expect(packet.referenceTime.bits == 0xEEBF_F5CC_F7B0_A51F)
        #expect(packet.originTime.bits == 0x0102_0304_0506_0708)
        #expect(packet.receiveTime.bits == 0x1112_1314_1516_1718)
        #expect(packet.transmitTime.bits == 0x2122_2324_2526_2728)
        #expect(packet.bytes == handWritten)
    }

    @Test("Every mode and leap indicator, and negative poll and precision, survive a round trip")
    func roundTrip() throws {
        var random = SplitMix64(seed: 48)
        for mode in NTPPacket.Mode.allCases {
            for leap: UInt8 in 0...3 {
                for version: UInt8 in 0...7 {
                    let packet = NTPPacket(
                        leap: leap,
                        version: version,
                        mode: mode,
                        stratum: UInt8(truncatingIfNeeded: random.next()),
                        poll: Int8(truncatingIfNeeded: random.next()),
                        precision: Int8(truncatingIfNeeded: random.next()),
                        rootDelay: UInt32(truncatingIfNeeded: random.next()),
                        rootDispersion: UInt32(truncatingIfNeeded: random.next()),
                        referenceID: UInt32(truncatingIfNeeded: random.next()),
                        referenceTime: NTPTimestamp(bits: random.next()),
                        originTime: NTPTimestamp(bits: random.next()),
                        receiveTime: NTPTimestamp(bits: random.next()),
                        transmitTime: NTPTimestamp(bits: random.next())
                    )
                    let bytes = packet.bytes
                    #expect(bytes.count == 48)
                    #expect(bytes[0] == leap << 6 | version << 3 | mode.rawValue)
                    #expect(try #require(NTPPacket(bytes)) == packet)
                }
            }
        }
    }

    @Test("Fewer than 48 bytes are no header", arguments: [0, 1, 47])
    func tooShort(count: Int) {
        #expect(NTPPacket(Array(handWritten.prefix(count))) == nil)
        #expect(handWritten.prefix(count).withUnsafeBytes { NTPPacket($0) } == nil)
    }

    @Test("An extension field after the header is not read")
    func extensionFieldIgnored() throws {
        let withExtension = handWritten + [0x00, 0x02, 0x00, 0x14] + [UInt8](repeating: 0xFF, count: 16)
        let header = try #require(NTPPacket(handWritten))
        let packet = try #require(NTPPacket(withExtension))
        #expect(packet == header)
        #expect(withExtension.withUnsafeBytes { NTPPacket($0) } == header)
    }

    @Test("A slice of a larger buffer is read from its own start")
    func slice() throws {
        let buffer = [UInt8](repeating: 0x77, count: 10) + handWritten + [UInt8](repeating: 0x88, count: 10)
        let packet = try #require(NTPPacket(buffer[10..<58]))
        #expect(packet == (try #require(NTPPacket(handWritten))))
    }

    @Test("write(into:) writes 48 bytes and not one more")
    func writeStopsAt48() throws {
        let packet = try #require(NTPPacket(handWritten))
        let buffer = answerBuffer { packet.write(into: $0) }
        #expect(Array(buffer.prefix(48)) == handWritten)
        #expect(buffer.dropFirst(48).allSatisfy { $0 == guardByte })
    }

    @Test("Reference identifiers from four ASCII characters")
    func asciiReferenceIDs() {
        #expect(NTPPacket.referenceID(ascii: "RATE") == 0x5241_5445)
        #expect(NTPPacket.referenceID(ascii: "LOCL") == 0x4C4F_434C)
        #expect(NTPPacket.referenceID(ascii: "DENY") == 0x4445_4E59)
    }

    @Test(
        "Reference identifiers described: printable codes as text, anything else as a dotted quad",
        arguments: [
            (UInt32(0x5241_5445), "RATE"), (0x4750_5300, "GPS"), (0x7F7F_0101, "127.127.1.1"),
            (0xCF40_4DC8, "207.64.77.200"), (0, "0.0.0.0"), (0x4100_4200, "65.0.66.0"), (0x7F00_003D, "127.0.0.61"),
        ]
    )
    func describe(referenceID: UInt32, text: String) {
        #expect(NTPPacket.describe(referenceID: referenceID) == text)
    }

    @Test("An IPv4 upstream's reference identifier is its address")
    func ipv4ReferenceID() {
        #expect(NTPPacket.referenceID(upstreamAddress: [127, 0, 0, 61]) == 0x7F00_003D)
        #expect(NTPPacket.referenceID(upstreamAddress: [192, 0, 2, 1]) == 0xC000_0201)
    }

    @Test("An IPv6 upstream's reference identifier is the first four bytes of its address's MD5")
    func ipv6ReferenceID() {
        // python3: hashlib.md5(ipaddress.ip_address(...).packed).hexdigest()[:8]
        let loopback = [UInt8](repeating: 0, count: 15) + [1]
        #expect(NTPPacket.referenceID(upstreamAddress: loopback) == 0xCF40_4DC8)
        let documentation: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
        #expect(NTPPacket.referenceID(upstreamAddress: documentation) == 0x39AB_9B37)
    }
}
