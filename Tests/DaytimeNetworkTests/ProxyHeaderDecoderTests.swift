import DaytimeNetwork
import DaytimeTestSupport
import Testing
import _DaytimeTesting

private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// The address `text` names, for the tables below, which are built before any test runs and so
/// cannot throw: text that does not parse becomes 0.0.0.0, which no header here carries, so the
/// tests that use it fail instead of the whole run stopping.
private func tableIP(_ text: String) -> IPAddress { IPAddress(text) ?? IPAddress(ipv4: 0) }

private func tcp(
    _ source: String,
    _ sourcePort: UInt16,
    _ destination: String,
    _ destinationPort: UInt16
)
    -> ProxyHeader.Addresses
{
    .inet(
        transport: .stream,
        source: .init(address: tableIP(source), port: sourcePort),
        destination: .init(address: tableIP(destination), port: destinationPort)
    )
}

/// The address block of TCP over IPv4: 192.0.2.7:56324 -> 198.51.100.1:13.
private let ipv4Block: [UInt8] = [192, 0, 2, 7, 198, 51, 100, 1, 0xDC, 0x04, 0x00, 0x0D]

/// The address block of TCP over IPv6: [2001:db8::7]:56324 -> [2001:db8::1]:13.
private let ipv6Block: [UInt8] =
    [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [7]
    + [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1] + [0xDC, 0x04, 0x00, 0x0D]

/// A valid header, and what the decoder must read it as.
struct ValidProxyHeader: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var header: ProxyHeader

    var testDescription: String { self.name }
}

let validProxyHeaders: [ValidProxyHeader] = [
    // Version 1: the specification's examples and its longest lines.
    ValidProxyHeader(
        name: "v1 TCP4, the specification's example",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
        header: ProxyHeader(version: .v1, command: .proxy, addresses: tcp("192.168.0.1", 56324, "192.168.0.11", 443))
    ),
    ValidProxyHeader(
        name: "v1 TCP4 at its longest (56 bytes)",
        bytes: bytes("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
        header: ProxyHeader(
            version: .v1,
            command: .proxy,
            addresses: tcp("255.255.255.255", 65535, "255.255.255.255", 65535)
        )
    ),
    ValidProxyHeader(
        name: "v1 TCP6 at its longest (104 bytes)",
        bytes: bytes(
            "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF 65535 65535\r\n"
        ),
        header: ProxyHeader(
            version: .v1,
            command: .proxy,
            addresses: tcp(
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                65535,
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                65535
            )
        )
    ),
    ValidProxyHeader(
        name: "v1 TCP6 compressed, port 0",
        bytes: bytes("PROXY TCP6 2001:db8::7 ::1 0 13\r\n"),
        header: ProxyHeader(version: .v1, command: .proxy, addresses: tcp("2001:db8::7", 0, "::1", 13))
    ),
    ValidProxyHeader(
        name: "v1 UNKNOWN, short form (15 bytes)",
        bytes: bytes("PROXY UNKNOWN\r\n"),
        header: ProxyHeader(version: .v1, command: .proxy, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v1 UNKNOWN, worst case (107 bytes): the rest of the line is ignored",
        bytes: bytes(
            "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
        ),
        header: ProxyHeader(version: .v1, command: .proxy, addresses: .unknown)
    ),
    // Version 2: every command and family the specification lists.
    ValidProxyHeader(
        name: "v2 PROXY TCP over IPv4",
        bytes: proxyV2(family: 0x11, block: ipv4Block),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: tcp("192.0.2.7", 56324, "198.51.100.1", 13))
    ),
    ValidProxyHeader(
        name: "v2 PROXY TCP over IPv6",
        bytes: proxyV2(family: 0x21, block: ipv6Block),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: tcp("2001:db8::7", 56324, "2001:db8::1", 13))
    ),
    ValidProxyHeader(
        name: "v2 PROXY UDP over IPv4",
        bytes: proxyV2(family: 0x12, block: ipv4Block),
        header: ProxyHeader(
            version: .v2,
            command: .proxy,
            addresses: .inet(
                transport: .datagram,
                source: .init(address: tableIP("192.0.2.7"), port: 56324),
                destination: .init(address: tableIP("198.51.100.1"), port: 13)
            )
        )
    ),
    ValidProxyHeader(
        name: "v2 PROXY TCP over IPv4 with TLVs after the addresses (skipped)",
        bytes: proxyV2(
            family: 0x11,
            block: ipv4Block + [0x02, 0x00, 0x09] + bytes("authority") + [0x04, 0x00, 0x00] + [
                0x03, 0x00, 0x04, 1, 2, 3, 4,
            ]
        ),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: tcp("192.0.2.7", 56324, "198.51.100.1", 13))
    ),
    ValidProxyHeader(
        name: "v2 PROXY TCP over IPv6 with the longest TLVs (16 + 65,535 bytes)",
        bytes: proxyV2(family: 0x21, block: ipv6Block + [UInt8](repeating: 0xEE, count: 65_535 - 36)),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: tcp("2001:db8::7", 56324, "2001:db8::1", 13))
    ),
    ValidProxyHeader(
        name: "v2 LOCAL, no addresses (HAProxy's health check)",
        bytes: proxyV2(command: 0x0, family: 0x00, block: []),
        header: ProxyHeader(version: .v2, command: .local, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v2 LOCAL with an address block and a family: both ignored",
        bytes: proxyV2(command: 0x0, family: 0x11, block: ipv4Block),
        header: ProxyHeader(version: .v2, command: .local, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v2 LOCAL with a family byte no PROXY header may carry: ignored",
        bytes: proxyV2(command: 0x0, family: 0xFF, block: []),
        header: ProxyHeader(version: .v2, command: .local, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v2 PROXY AF_UNSPEC",
        bytes: proxyV2(family: 0x00, block: []),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v2 PROXY IPv4 with an unspecified transport: the addresses are ignored",
        bytes: proxyV2(family: 0x10, block: []),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: .unknown)
    ),
    ValidProxyHeader(
        name: "v2 PROXY UNIX stream (216 bytes of paths, not kept)",
        bytes: proxyV2(family: 0x31, block: bytes("/run/a.sock") + [UInt8](repeating: 0, count: 205)),
        header: ProxyHeader(version: .v2, command: .proxy, addresses: .unix(transport: .stream))
    ),
]

/// Bytes that are not a valid header, and why.
struct InvalidProxyHeader: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var error: ProxyHeaderError

    var testDescription: String { self.name }
}

let invalidProxyHeaders: [InvalidProxyHeader] = [
    // Not the protocol at all.
    InvalidProxyHeader(
        name: "empty lines: a prefix of v2's signature until the fifth byte",
        bytes: bytes("\r\n\r\n\r\n"),
        error: .wrongSignature
    ),
    InvalidProxyHeader(name: "an HTTP request", bytes: bytes("GET / HTTP/1.0\r\n\r\n"), error: .wrongSignature),
    InvalidProxyHeader(name: "lower-case proxy", bytes: bytes("proxy TCP4 "), error: .wrongSignature),
    InvalidProxyHeader(name: "PROXY without its space", bytes: bytes("PROXYTCP4"), error: .wrongSignature),
    InvalidProxyHeader(
        name: "v2 signature with one wrong byte",
        bytes: [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x55, 0x0A],
        error: .wrongSignature
    ),
    // Version 1, malformed.
    InvalidProxyHeader(
        name: "v1 with two spaces between fields",
        bytes: bytes("PROXY TCP4 192.168.0.1  192.168.0.11 56324 443\r\n"),
        error: .malformedLine
    ),
    InvalidProxyHeader(
        name: "v1 with a space before CR LF",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 \r\n"),
        error: .malformedLine
    ),
    InvalidProxyHeader(
        name: "v1 with two spaces after PROXY",
        bytes: bytes("PROXY  TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
        error: .malformedLine
    ),
    InvalidProxyHeader(
        name: "v1 with a field missing",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n"),
        error: .malformedLine
    ),
    InvalidProxyHeader(
        name: "v1 with an extra field",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 80\r\n"),
        error: .malformedLine
    ),
    InvalidProxyHeader(
        name: "v1 UDP4 is not a v1 protocol",
        bytes: bytes("PROXY UDP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
        error: .unsupportedProtocol
    ),
    InvalidProxyHeader(
        name: "v1 UNKNOWNX is not UNKNOWN",
        bytes: bytes("PROXY UNKNOWNX\r\n"),
        error: .unsupportedProtocol
    ),
    InvalidProxyHeader(
        name: "v1 TCP4 with an IPv6 address",
        bytes: bytes("PROXY TCP4 ::1 192.168.0.11 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 TCP6 with an IPv4 address",
        bytes: bytes("PROXY TCP6 192.168.0.1 ::1 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 IPv4 with a leading zero (octal confusion)",
        bytes: bytes("PROXY TCP4 192.168.0.01 192.168.0.11 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 IPv4 part above 255",
        bytes: bytes("PROXY TCP4 192.168.0.256 192.168.0.11 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 IPv6 with two double colons",
        bytes: bytes("PROXY TCP6 2001::db8::1 ::1 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 a name, not an address",
        bytes: bytes("PROXY TCP4 localhost 192.168.0.11 56324 443\r\n"),
        error: .badAddress
    ),
    InvalidProxyHeader(
        name: "v1 port above 65535",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n"),
        error: .badPort
    ),
    InvalidProxyHeader(
        name: "v1 port with a leading zero",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 056324 443\r\n"),
        error: .badPort
    ),
    InvalidProxyHeader(
        name: "v1 negative port",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 -1 443\r\n"),
        error: .badPort
    ),
    InvalidProxyHeader(
        name: "v1 ending in LF alone",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\n"),
        error: .badLineEnding
    ),
    InvalidProxyHeader(
        name: "v1 with a CR not followed by LF",
        bytes: bytes("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r "),
        error: .badLineEnding
    ),
    InvalidProxyHeader(
        name: "v1 without CR LF in 107 bytes (oversized)",
        bytes: bytes("PROXY UNKNOWN " + String(repeating: "f", count: 93)),
        error: .lineTooLong
    ),
    InvalidProxyHeader(
        name: "v1 of 108 bytes: CR LF one byte too late",
        bytes: bytes("PROXY UNKNOWN " + String(repeating: "f", count: 92) + "\r\n"),
        error: .lineTooLong
    ),
    // Version 2, malformed.
    InvalidProxyHeader(
        name: "v2 version 1 in the binary header",
        bytes: proxyV2(family: 0x11, block: ipv4Block, version: 0x1),
        error: .unsupportedVersion
    ),
    InvalidProxyHeader(
        name: "v2 version 3",
        bytes: proxyV2(family: 0x11, block: ipv4Block, version: 0x3),
        error: .unsupportedVersion
    ),
    InvalidProxyHeader(
        name: "v2 command 2 (unassigned)",
        bytes: proxyV2(command: 0x2, family: 0x11, block: ipv4Block),
        error: .unsupportedCommand
    ),
    InvalidProxyHeader(
        name: "v2 family 4 (unassigned)",
        bytes: proxyV2(family: 0x41, block: ipv4Block),
        error: .unsupportedFamily
    ),
    InvalidProxyHeader(
        name: "v2 transport 3 (unassigned)",
        bytes: proxyV2(family: 0x13, block: ipv4Block),
        error: .unsupportedFamily
    ),
    InvalidProxyHeader(
        name: "v2 TCP over IPv4 with an 11-byte address block",
        bytes: proxyV2(family: 0x11, block: Array(ipv4Block.prefix(11))),
        error: .addressBlockTooShort
    ),
    InvalidProxyHeader(
        name: "v2 TCP over IPv6 with an IPv4-sized address block",
        bytes: proxyV2(family: 0x21, block: ipv4Block),
        error: .addressBlockTooShort
    ),
    InvalidProxyHeader(
        name: "v2 UNIX with a 215-byte address block",
        bytes: proxyV2(family: 0x31, block: [UInt8](repeating: 0, count: 215)),
        error: .addressBlockTooShort
    ),
]

/// Feeds `bytes` to a fresh decoder in pieces of the given sizes (the last piece takes the rest).
private func decodeInPieces(_ bytes: [UInt8], sizes: [Int]) -> (steps: [ProxyHeaderDecoder.Step], taken: Int) {
    var decoder = ProxyHeaderDecoder()
    var steps: [ProxyHeaderDecoder.Step] = []
    var offset = 0
    var taken = 0
    var pieces = sizes.makeIterator()
    while offset < bytes.count {
        let size = min(bytes.count - offset, max(1, pieces.next() ?? bytes.count))
        let step = bytes[offset..<(offset + size)].withUnsafeBytes { decoder.decode($0) }
        steps.append(step)
        switch step {
        case .needMoreBytes: taken += size
        case .header(_, let consumed): taken += consumed
        case .invalid: break
        }
        offset += size
        if case .needMoreBytes = step { continue }
        break
    }
    return (steps, taken)
}

@Suite("ProxyHeaderDecoder: HAProxy's PROXY protocol v1 and v2")
struct ProxyHeaderDecoderTests {
    @Test("decodes every form of the specification", arguments: validProxyHeaders)
    func decodesValidHeaders(_ valid: ValidProxyHeader) {
        #expect(ProxyHeaderDecoder.decode(valid.bytes) == .header(valid.header, consumed: valid.bytes.count))
    }

    @Test("decodes a header fed one byte at a time, taking exactly its bytes", arguments: validProxyHeaders)
    func decodesByteByByte(_ valid: ValidProxyHeader) {
        let (steps, taken) = decodeInPieces(valid.bytes, sizes: [Int](repeating: 1, count: valid.bytes.count))
        #expect(steps.dropLast().allSatisfy { $0 == .needMoreBytes })
        #expect(steps.last == .header(valid.header, consumed: 1))
        #expect(taken == valid.bytes.count)
    }

    @Test("never takes a byte past the header: what follows is left for the connection", arguments: validProxyHeaders)
    func stopsAtTheEndOfTheHeader(_ valid: ValidProxyHeader) {
        let trailing = bytes("GET / HTTP/1.0\r\n\r\n")
        #expect(ProxyHeaderDecoder.decode(valid.bytes + trailing) == .header(valid.header, consumed: valid.bytes.count))
        // Split one byte before the end: the second read takes one byte of its twenty.
        var decoder = ProxyHeaderDecoder()
        let first = valid.bytes.dropLast()
        #expect(first.withUnsafeBytes { decoder.decode($0) } == .needMoreBytes)
        #expect(
            ([valid.bytes.last!] + trailing).withUnsafeBytes { decoder.decode($0) }
                == .header(valid.header, consumed: 1)
        )
        #expect(decoder.isFinished)
        // A finished decoder says the same again and takes nothing.
        #expect(trailing.withUnsafeBytes { decoder.decode($0) } == .header(valid.header, consumed: 0))
    }

    @Test("rejects malformed headers with the reason", arguments: invalidProxyHeaders)
    func rejectsInvalidHeaders(_ invalid: InvalidProxyHeader) {
        #expect(ProxyHeaderDecoder.decode(invalid.bytes) == .invalid(invalid.error))
        // Byte by byte, the same reason, at the latest at the last byte.
        let (steps, _) = decodeInPieces(invalid.bytes, sizes: [Int](repeating: 1, count: invalid.bytes.count))
        #expect(steps.last == .invalid(invalid.error))
    }

    @Test("rejects a wrong signature at its first wrong byte, without waiting for more")
    func rejectsEarly() {
        // A daytime client's empty line could still be the start of a v2 header: wait.
        #expect(ProxyHeaderDecoder.decode(bytes("\r\n")) == .needMoreBytes)
        // One byte: neither 'P' nor CR.
        #expect(ProxyHeaderDecoder.decode(bytes("T")) == .invalid(.wrongSignature))
        #expect(ProxyHeaderDecoder.decode(bytes("PROX")) == .needMoreBytes)
        #expect(ProxyHeaderDecoder.decode(bytes("PROXI")) == .invalid(.wrongSignature))
        #expect(ProxyHeaderDecoder.decode(Array(proxyV2Signature.prefix(7))) == .needMoreBytes)
        #expect(
            ProxyHeaderDecoder.decode(Array(proxyV2Signature.prefix(7)) + [0x50])
                == .invalid(.wrongSignature)
        )
        // v2's version is judged at the 13th byte, before the length arrives.
        #expect(ProxyHeaderDecoder.decode(proxyV2Signature + [0x11]) == .invalid(.unsupportedVersion))
    }

    @Test("truncated headers need more bytes: every proper prefix of a valid header", arguments: validProxyHeaders)
    func truncatedHeadersWait(_ valid: ValidProxyHeader) {
        // The long one has 65,551 prefixes: sample them.
        let stride = valid.bytes.count > 1000 ? 997 : 1
        for length in Swift.stride(from: 0, to: valid.bytes.count, by: stride) {
            #expect(ProxyHeaderDecoder.decode(valid.bytes.prefix(length)) == .needMoreBytes)
        }
    }

    @Test("a header split across many small reads of random sizes decodes as one read does")
    func randomSplits() {
        var random = SplitMix64(seed: 0x5052_4F58_59)
        let cases =
            validProxyHeaders.map { ($0.bytes, ProxyHeaderDecoder.Step.header($0.header, consumed: 0)) }
            + invalidProxyHeaders.map { ($0.bytes, ProxyHeaderDecoder.Step.invalid($0.error)) }
        for _ in 0..<20 {
            for (input, _) in cases {
                let whole = ProxyHeaderDecoder.decode(input)
                var sizes: [Int] = []
                var total = 0
                while total < input.count {
                    let size = 1 + random.below(7)
                    sizes.append(size)
                    total += size
                }
                let (steps, taken) = decodeInPieces(input, sizes: sizes)
                switch (whole, steps.last) {
                case (.header(let a, let all), .header(let b, _)?):
                    #expect(a == b)
                    #expect(taken == all)
                case (.invalid(let a), .invalid(let b)?):
                    #expect(a == b)
                default:
                    Issue.record("one read gave \(whole), pieces \(sizes) gave \(String(describing: steps.last))")
                }
            }
        }
    }

    @Test("the real client is the source of a PROXY header, and nobody for LOCAL or UNKNOWN")
    func client() throws {
        let relayed = ProxyHeader(version: .v1, command: .proxy, addresses: tcp("192.0.2.7", 56324, "198.51.100.1", 13))
        #expect(relayed.client == .init(address: try ip("192.0.2.7"), port: 56324))
        #expect(relayed.description == "v1 PROXY 192.0.2.7:56324 -> 198.51.100.1:13")
        #expect(ProxyHeader(version: .v2, command: .local, addresses: .unknown).client == nil)
        #expect(ProxyHeader(version: .v1, command: .proxy, addresses: .unknown).client == nil)
        #expect(ProxyHeader(version: .v2, command: .proxy, addresses: .unix(transport: .stream)).client == nil)
        // A LOCAL header's addresses, if a sender filled them in anyway, are not a client.
        #expect(ProxyHeader(version: .v2, command: .local, addresses: relayed.addresses).client == nil)
    }

    @Test("random bytes never crash the decoder, and a header it accepts takes no more than it was given")
    func randomBytes() {
        var random = SplitMix64(seed: 13)
        let seeds = validProxyHeaders.map(\.bytes).filter { $0.count < 300 }
        for _ in 0..<20_000 {
            var input = seeds[random.below(seeds.count)]
            for _ in 0..<(1 + random.below(4)) {
                let position = random.below(input.count)
                switch random.below(3) {
                case 0: input[position] = UInt8(truncatingIfNeeded: random.next())
                case 1: input.remove(at: position)
                default: input.insert(UInt8(truncatingIfNeeded: random.next()), at: position)
                }
                if input.isEmpty { break }
            }
            if case .header(_, let consumed) = ProxyHeaderDecoder.decode(input) {
                #expect(consumed <= input.count)
            }
        }
    }
}
