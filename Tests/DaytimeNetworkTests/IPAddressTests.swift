import DaytimeNetwork
import Testing
import _DaytimeTesting

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// How glibc's `inet_pton` reads `text` (as IPv6 if it has a colon, else as IPv4), or nil.
private func glibcParse(_ text: String) -> IPAddress? {
    if text.utf8.contains(UInt8(ascii: ":")) {
        var address = in6_addr()
        guard inet_pton(AF_INET6, text, &address) == 1 else {
            return nil
        }
        return withUnsafeBytes(of: address) {
            IPAddress(
                ipv6High: UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                low: UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
    }
    var address = in_addr()
    guard inet_pton(AF_INET, text, &address) == 1 else {
        return nil
    }
    return IPAddress(ipv4: UInt32(bigEndian: address.s_addr))
}

/// The text glibc's `inet_ntop` writes for `address`.
private func glibcText(_ address: IPAddress) -> String {
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    if let value = address.ipv4Value {
        var raw = in_addr(s_addr: value.bigEndian)
        inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
    } else if let (high, low) = address.ipv6Value {
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) {
            $0.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            $0.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
    }
    return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Text that must parse, the address it is, and the text `description` gives back.
private let goodAddresses: [(text: String, address: IPAddress, description: String)] = [
    ("0.0.0.0", IPAddress(ipv4: 0), "0.0.0.0"),
    ("192.0.2.7", IPAddress(ipv4: 0xC000_0207), "192.0.2.7"),
    ("255.255.255.255", IPAddress(ipv4: 0xFFFF_FFFF), "255.255.255.255"),
    ("10.0.0.1", IPAddress(ipv4: 0x0A00_0001), "10.0.0.1"),
    ("::", IPAddress(ipv6High: 0, low: 0), "::"),
    ("::1", IPAddress(ipv6High: 0, low: 1), "::1"),
    ("2001:db8::1", IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), "2001:db8::1"),
    ("2001:DB8:0:0:0:0:0:1", IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), "2001:db8::1"),
    ("2001:0db8:0000:0000:0000:0000:0000:0001", IPAddress(ipv6High: 0x2001_0DB8_0000_0000, low: 1), "2001:db8::1"),
    ("1:2:3:4:5:6:7:8", IPAddress(ipv6High: 0x0001_0002_0003_0004, low: 0x0005_0006_0007_0008), "1:2:3:4:5:6:7:8"),
    ("1::", IPAddress(ipv6High: 0x0001_0000_0000_0000, low: 0), "1::"),
    ("1:2:3:4:5:6:7::", IPAddress(ipv6High: 0x0001_0002_0003_0004, low: 0x0005_0006_0007_0000), "1:2:3:4:5:6:7:0"),
    ("::2:3:4:5:6:7:8", IPAddress(ipv6High: 0x0000_0002_0003_0004, low: 0x0005_0006_0007_0008), "0:2:3:4:5:6:7:8"),
    ("1:0:0:2:0:0:0:3", IPAddress(ipv6High: 0x0001_0000_0000_0002, low: 0x0000_0000_0000_0003), "1:0:0:2::3"),
    ("1:0:0:2:0:0:3:4", IPAddress(ipv6High: 0x0001_0000_0000_0002, low: 0x0000_0000_0003_0004), "1::2:0:0:3:4"),
    ("::ffff:192.0.2.7", IPAddress(ipv6High: 0, low: 0xFFFF_C000_0207), "::ffff:192.0.2.7"),
    ("::FFFF:c000:207", IPAddress(ipv6High: 0, low: 0xFFFF_C000_0207), "::ffff:192.0.2.7"),
    ("::ffff:0.0.0.0", IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000), "::ffff:0.0.0.0"),
    ("::192.0.2.7", IPAddress(ipv6High: 0, low: 0xC000_0207), "::192.0.2.7"),
    ("::0.0.1.2", IPAddress(ipv6High: 0, low: 0x0102), "::102"),
    ("64:ff9b::192.0.2.7", IPAddress(ipv6High: 0x0064_FF9B_0000_0000, low: 0xC000_0207), "64:ff9b::c000:207"),
    (
        "1:2:3:4:5:6:1.2.3.4", IPAddress(ipv6High: 0x0001_0002_0003_0004, low: 0x0005_0006_0102_0304),
        "1:2:3:4:5:6:102:304"
    ),
    ("fe80::1", IPAddress(ipv6High: 0xFE80_0000_0000_0000, low: 1), "fe80::1"),
    ("ff02::1", IPAddress(ipv6High: 0xFF02_0000_0000_0000, low: 1), "ff02::1"),
    // The longest text an address can have (45 bytes), and the longest inet_ntop writes (39).
    (
        "0000:0000:0000:0000:0000:ffff:255.255.255.255", IPAddress(ipv6High: 0, low: 0xFFFF_FFFF_FFFF),
        "::ffff:255.255.255.255"
    ),
    (
        "FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF", IPAddress(ipv6High: ~0, low: ~0),
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
    ),
]

/// Text that must not parse, with what is wrong with it.
private let badAddresses: [String] = [
    "",  // empty
    "1.2.3",  // three parts
    "1.2.3.4.5",  // five parts
    "256.1.1.1",  // part over 255
    "01.2.3.4",  // leading zero
    "1.2.3.04",  // leading zero
    "00.0.0.0",  // leading zero
    "1.2.3.4 ",  // trailing space
    " 1.2.3.4",  // leading space
    "1..2.3",  // empty part
    "1.2.3.",  // trailing dot
    ".1.2.3",  // leading dot
    "0x1.2.3.4",  // hex
    "1.2.3.4/24",  // a range, not an address
    "localhost",  // a name
    ":::",  // triple colon
    "1:::2",  // triple colon
    "1::2::3",  // two gaps
    ":1",  // single leading colon
    "1:",  // single trailing colon
    "1::2:",  // single trailing colon
    "12345::",  // five hex digits
    "1:2:3:4:5:6:7:8:9",  // nine groups
    "1:2:3:4:5:6:7::8",  // eight groups and a gap
    "::1:2:3:4:5:6:7:8",  // eight groups and a gap
    "1:2:3:4:5:6:7",  // seven groups, no gap
    "1:2:3:4:5:6:7:1.2.3.4",  // seven groups and IPv4
    "::ffff:256.1.1.1",  // bad IPv4 tail
    "::ffff:1.2.3",  // short IPv4 tail
    "::1.2.3.4:5",  // IPv4 not last
    "::ffff:01.2.3.4",  // leading zero in the tail
    "fe80::1%eth0",  // zone
    "g::1",  // not hex
    "[::1]",  // brackets
    "::1 ",  // trailing space
    "1.2.3.4\u{0}",  // NUL
    "1.2\u{0}.3.4",  // NUL inside
    "00000:0000:0000:0000:0000:ffff:255.255.255.255",  // 46 bytes: longer than any address
]

@Suite("IPAddress")
struct IPAddressTests {
    @Test("Reads inet_pton's forms and writes inet_ntop's", arguments: goodAddresses)
    func parsesAndDescribes(text: String, address: IPAddress, description: String) {
        #expect(IPAddress(text) == address)
        #expect(address.description == description)
        #expect(IPAddress(description) == address)
        #expect(IPAddress(Substring(text)) == address)
        let fromBytes = Array(text.utf8).withUnsafeBytes { IPAddress(utf8: $0) }
        #expect(fromBytes == address)
    }

    @Test("Refuses what inet_pton refuses", arguments: badAddresses)
    func refuses(text: String) {
        #expect(IPAddress(text) == nil)
    }

    @Test("Agrees with glibc's inet_pton on the tables and on 30,000 mutations of them")
    func agreesWithInetPton() {
        var random = SplitMix64(seed: 0x1B_ADD2)
        let seeds = goodAddresses.map(\.text) + badAddresses.filter { !$0.utf8.contains(0) }
        for text in seeds {
            #expect(IPAddress(text) == glibcParse(text), "\"\(text)\"")
        }
        let alphabet = Array("0123456789abcdefABCDEFxg:.:.:.% /".utf8)
        var disagreements: [String] = []
        for _ in 0..<30_000 {
            var bytes = Array(seeds[random.below(seeds.count)].utf8)
            for _ in 0..<(1 + random.below(3)) {
                let position = random.below(bytes.count + 1)
                switch random.below(3) {
                case 0: bytes.insert(alphabet[random.below(alphabet.count)], at: position)
                case 1 where position < bytes.count: bytes[position] = alphabet[random.below(alphabet.count)]
                default: if position < bytes.count { bytes.remove(at: position) }
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if IPAddress(text) != glibcParse(text) {
                disagreements.append(text)
            }
        }
        #expect(disagreements.isEmpty, "first disagreements: \(disagreements.prefix(10))")
    }

    @Test("Writes what inet_ntop writes for 20,000 addresses rich in zero groups, and reads it back")
    func agreesWithInetNtop() {
        var random = SplitMix64(seed: 0x7E_57AB)
        var disagreements: [String] = []
        for n in 0..<20_000 {
            let address: IPAddress
            if n % 5 == 0 {
                address = IPAddress(ipv4: UInt32(truncatingIfNeeded: random.next()))
            } else {
                var high: UInt64 = 0
                var low: UInt64 = 0
                for _ in 0..<4 {
                    // Each group zero half the time, otherwise small or full-width, so that runs of
                    // zero groups of every length and position come up, as well as the IPv4 forms.
                    let pick = { (r: inout SplitMix64) -> UInt64 in
                        switch r.below(4) {
                        case 0, 1: 0
                        case 2: r.next() & 0xF
                        default: r.next() & 0xFFFF
                        }
                    }
                    high = high << 16 | pick(&random)
                    low = low << 16 | pick(&random)
                }
                if n % 7 == 0 {
                    (high, low) = (0, 0xFFFF_0000_0000 | (low & 0xFFFF_FFFF))
                }
                address = IPAddress(ipv6High: high, low: low)
            }
            if address.description != glibcText(address) || IPAddress(address.description) != address {
                disagreements.append("\(address) (glibc: \(glibcText(address)))")
            }
        }
        #expect(disagreements.isEmpty, "first disagreements: \(disagreements.prefix(10))")
    }

    @Test("Reads the peer address out of sockaddr_in, sockaddr_in6 and sockaddr_storage")
    func socketAddresses() throws {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { raw in
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(13).bigEndian
            sin.sin_addr.s_addr = UInt32(0xC000_0207).bigEndian
            raw.storeBytes(of: sin, as: sockaddr_in.self)
        }
        #expect(IPAddress(&storage) == IPAddress("192.0.2.7"))

        let v6 = try ip("2001:db8::ab:cdef")
        withUnsafeMutableBytes(of: &storage) { raw in
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(37).bigEndian
            withUnsafeMutableBytes(of: &sin6.sin6_addr) {
                $0.storeBytes(of: v6.ipv6Value!.high.bigEndian, toByteOffset: 0, as: UInt64.self)
                $0.storeBytes(of: v6.ipv6Value!.low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            raw.storeBytes(of: sin6, as: sockaddr_in6.self)
        }
        #expect(IPAddress(&storage) == v6)

        // A sockaddr_in6 one byte into a buffer: no alignment is assumed.
        var unaligned = [UInt8](repeating: 0, count: MemoryLayout<sockaddr_in6>.size + 1)
        withUnsafeBytes(of: &storage) { source in
            unaligned.withUnsafeMutableBytes {
                $0.baseAddress!.advanced(by: 1).copyMemory(from: source.baseAddress!, byteCount: $0.count - 1)
            }
        }
        #expect(unaligned.withUnsafeBytes { IPAddress(socketAddress: $0.baseAddress!.advanced(by: 1)) } == v6)

        withUnsafeMutableBytes(of: &storage) { raw in
            var sun = sockaddr_un()
            sun.sun_family = sa_family_t(AF_UNIX)
            raw.storeBytes(of: sun, as: sockaddr_un.self)
        }
        #expect(IPAddress(&storage) == nil)
    }

    @Test(
        "Loopback, unspecified, multicast and broadcast, IPv4-mapped addresses judged as IPv4",
        arguments: [
            // text, loopback, unspecified, multicast, IPv4 broadcast
            ("127.0.0.1", true, false, false, false),
            ("127.255.255.254", true, false, false, false),
            ("126.255.255.255", false, false, false, false),
            ("128.0.0.0", false, false, false, false),
            ("::1", true, false, false, false),
            ("::ffff:127.0.0.1", true, false, false, false),
            ("::2", false, false, false, false),
            ("::127.0.0.1", false, false, false, false),
            ("0.0.0.0", false, true, false, false),
            ("::", false, true, false, false),
            ("::ffff:0.0.0.0", false, true, false, false),
            ("0.0.0.1", false, false, false, false),
            ("224.0.0.1", false, false, true, false),
            ("239.255.255.255", false, false, true, false),
            ("223.255.255.255", false, false, false, false),
            ("240.0.0.0", false, false, false, false),
            ("ff02::1", false, false, true, false),
            ("ff00::", false, false, true, false),
            ("fe80::1", false, false, false, false),
            ("::ffff:224.0.0.251", false, false, true, false),
            ("255.255.255.255", false, false, false, true),
            ("::ffff:255.255.255.255", false, false, false, true),
            ("192.0.2.255", false, false, false, false),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", false, false, true, false),
        ]
    )
    func predicates(text: String, loopback: Bool, unspecified: Bool, multicast: Bool, broadcast: Bool) throws {
        let address = try #require(IPAddress(text))
        #expect(address.isLoopback == loopback)
        #expect(address.isUnspecified == unspecified)
        #expect(address.isMulticast == multicast)
        #expect(address.isIPv4Broadcast == broadcast)
    }

    @Test("unmappingIPv4 turns ::ffff:a.b.c.d into a.b.c.d and leaves everything else alone")
    func unmapping() throws {
        let mapped = try ip("::ffff:192.0.2.7")
        #expect(mapped.isIPv4Mapped)
        #expect(mapped.family == .ipv6)
        #expect(mapped.unmappingIPv4 == IPAddress("192.0.2.7"))
        #expect(mapped.unmappingIPv4.family == .ipv4)
        #expect(mapped != IPAddress("192.0.2.7"), "the address keeps the form it was given in")
        for text in ["::192.0.2.7", "2001:db8::1", "::1", "::fffe:192.0.2.7", "0:0:0:1:0:ffff:c000:207", "192.0.2.7"] {
            let address = try ip(text)
            #expect(!address.isIPv4Mapped)
            #expect(address.unmappingIPv4 == address, "\(text)")
        }
    }

    @Test(
        "masked(toPrefixLength:) keeps the first bits and clears the rest",
        arguments: [
            ("192.0.2.255", 24, "192.0.2.0"),
            ("192.0.2.255", 0, "0.0.0.0"),
            ("192.0.2.255", 32, "192.0.2.255"),
            ("192.0.2.255", 31, "192.0.2.254"),
            ("255.255.255.255", 1, "128.0.0.0"),
            ("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::"),
            ("2001:db8:1:2:3:4:5:6", 48, "2001:db8:1::"),
            ("2001:db8:1:2:3:4:5:7", 127, "2001:db8:1:2:3:4:5:6"),
            ("2001:db8:1:2:3:4:5:7", 128, "2001:db8:1:2:3:4:5:7"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65, "ffff:ffff:ffff:ffff:8000::"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, "8000::"),
            ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, "::"),
        ]
    )
    func masking(text: String, prefixLength: Int, expected: String) throws {
        #expect(try ip(text).masked(toPrefixLength: prefixLength) == IPAddress(expected))
    }

    @Test("Addresses sort IPv4 first, then numerically")
    func order() throws {
        let texts = ["2001:db8::1", "10.0.0.1", "::1", "9.255.255.255", "::ffff:1.2.3.4", "255.255.255.255"]
        let sorted = try texts.map { try ip($0) }.sorted().map(\.description)
        #expect(sorted == ["9.255.255.255", "10.0.0.1", "255.255.255.255", "::1", "::ffff:1.2.3.4", "2001:db8::1"])
    }

    @Test("An address is kept inline in 24 bytes, and equal addresses hash alike")
    func layout() throws {
        #expect(MemoryLayout<IPAddress>.size <= 24)
        #expect(Set(try ["2001:db8::1", "2001:DB8:0::1", "2001:db8:0:0:0:0:0:1"].map { try ip($0) }).count == 1)
        #expect(Set(try ["192.0.2.7", "::ffff:192.0.2.7", "::192.0.2.7"].map { try ip($0) }).count == 3)
    }
}
