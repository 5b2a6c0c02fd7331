import DaytimeNetwork
import Testing

/// A range that must parse: its text, the range it is, and its last address.
private let goodRanges: [(text: String, description: String, prefixLength: Int, last: String)] = [
    ("192.0.2.0/24", "192.0.2.0/24", 24, "192.0.2.255"),
    ("10.0.0.0/8", "10.0.0.0/8", 8, "10.255.255.255"),
    ("10.0.0.0/7", "10.0.0.0/7", 7, "11.255.255.255"),
    ("192.0.2.7", "192.0.2.7/32", 32, "192.0.2.7"),
    ("192.0.2.7/32", "192.0.2.7/32", 32, "192.0.2.7"),
    ("0.0.0.0/0", "0.0.0.0/0", 0, "255.255.255.255"),
    ("2001:db8::/32", "2001:db8::/32", 32, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("2001:DB8:0:0::/64", "2001:db8::/64", 64, "2001:db8::ffff:ffff:ffff:ffff"),
    ("2001:db8::1", "2001:db8::1/128", 128, "2001:db8::1"),
    ("::/0", "::/0", 0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    ("fe80::/10", "fe80::/10", 10, "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    // IPv4-mapped ranges are the IPv4 ranges they stand for.
    ("::ffff:192.0.2.0/120", "192.0.2.0/24", 24, "192.0.2.255"),
    ("::ffff:0.0.0.0/96", "0.0.0.0/0", 0, "255.255.255.255"),
    ("::ffff:192.0.2.7", "192.0.2.7/32", 32, "192.0.2.7"),
    // A range around the mapped block, but wider than it, stays IPv6.
    ("::/80", "::/80", 80, "::ffff:ffff:ffff"),
]

/// Text that must not parse, the kind of mistake, and words the message must contain.
private let badRanges: [(text: String, code: AddressRangeError.Code, says: [String])] = [
    ("192.0.2.0/33", .invalidPrefixLength, ["\"192.0.2.0/33\"", "from 0 to 32", "192.0.2.0/24"]),
    ("2001:db8::/129", .invalidPrefixLength, ["from 0 to 128", "2001:db8::/32"]),
    ("192.0.2.0/1000", .invalidPrefixLength, ["from 0 to 32", "192.0.2.0/24"]),
    ("192.0.2.0/", .invalidPrefixLength, ["missing", "192.0.2.0/24"]),
    ("192.0.2.0/2a", .invalidPrefixLength, ["\"2a\" is not a prefix length", "0 to 32"]),
    ("192.0.2.0/-1", .invalidPrefixLength, ["\"-1\" is not a prefix length", "192.0.2.0/24"]),
    ("192.0.2.0/+8", .invalidPrefixLength, ["\"+8\" is not a prefix length", "192.0.2.0/24"]),
    ("192.0.2.0/24/8", .invalidPrefixLength, ["\"24/8\" is not a prefix length", "192.0.2.0/24"]),
    ("192.0.2.0/ 24", .invalidPrefixLength, ["\" 24\" is not a prefix length", "192.0.2.0/24"]),
    ("2001:db8::/6 4", .invalidPrefixLength, ["0 to 128", "2001:db8::/32"]),
    ("192.0.2.1/24", .hostBitsSet, ["192.0.2.1 has bits set after the prefix", "192.0.2.0/24"]),
    ("10.1.2.3/8", .hostBitsSet, ["the range that contains it is 10.0.0.0/8"]),
    ("2001:db8::1/32", .hostBitsSet, ["the range that contains it is 2001:db8::/32", "2001:db8::1 alone"]),
    ("192.0.2/24", .invalidAddress, ["\"192.0.2\" is not an IPv4 or IPv6 address", "192.0.2.0/24", "2001:db8::/32"]),
    ("", .invalidAddress, ["\"\" is not an IPv4 or IPv6 address", "192.0.2.0/24"]),
    ("/24", .invalidAddress, ["\"\" is not an IPv4 or IPv6 address", "192.0.2.0/24"]),
    ("10.0.0.0 /8", .invalidAddress, ["\"10.0.0.0 \"", "192.0.2.0/24"]),
    ("localhost/8", .invalidAddress, ["\"localhost\"", "192.0.2.0/24"]),
    ("fe80::1%eth0/64", .invalidAddress, ["\"fe80::1%eth0\"", "2001:db8::/32"]),
]

@Suite("AddressRange")
struct AddressRangeTests {
    @Test("Reads CIDR ranges and bare addresses", arguments: goodRanges)
    func parses(text: String, description: String, prefixLength: Int, last: String) throws {
        let range = try AddressRange(text)
        #expect(range.description == description)
        #expect(range.prefixLength == prefixLength)
        #expect(range.last == IPAddress(last))
        #expect(try AddressRange(range.description) == range)
        #expect(range.contains(range.network))
        // ::/80 ends inside the IPv4-mapped block, whose addresses count as IPv4, outside any IPv6 range.
        #expect(range.contains(range.last) || range.last.isIPv4Mapped)
    }

    @Test("Refuses bad ranges with an error that says what is wrong and shows a right one", arguments: badRanges)
    func refuses(text: String, code: AddressRangeError.Code, says: [String]) {
        #expect {
            try AddressRange(text)
        } throws: { error in
            guard let error = error as? AddressRangeError else {
                return false
            }
            let message = error.description
            #expect(error.code == code)
            #expect(error.text == text)
            #expect(message.hasPrefix("invalid address range \"\(text)\": "))
            for words in says {
                #expect(message.contains(words), "\(message)")
            }
            return true
        }
    }

    @Test("Made from a network and a prefix length, with the same checks")
    func fromParts() throws {
        let range = try AddressRange(network: ip("198.51.100.0"), prefixLength: 24)
        #expect(range == (try AddressRange("198.51.100.0/24")))
        #expect(throws: AddressRangeError.self) {
            try AddressRange(network: ip("198.51.100.0"), prefixLength: 33)
        }
        #expect(throws: AddressRangeError.self) {
            try AddressRange(network: ip("198.51.100.0"), prefixLength: -1)
        }
        #expect(throws: AddressRangeError.self) {
            try AddressRange(network: ip("198.51.100.1"), prefixLength: 24)
        }
        #expect(try AddressRange(network: ip("::ffff:198.51.100.0"), prefixLength: 120) == range)
    }

    @Test(
        "contains(_:) at the edges: the first and last address in, one beyond either end out",
        arguments: [
            ("192.0.2.0/24", ["192.0.2.0", "192.0.2.255", "192.0.2.128"], ["192.0.1.255", "192.0.3.0"]),
            ("10.0.0.0/7", ["10.0.0.0", "11.255.255.255"], ["9.255.255.255", "12.0.0.0"]),
            ("192.0.2.7", ["192.0.2.7"], ["192.0.2.6", "192.0.2.8"]),
            ("0.0.0.0/0", ["0.0.0.0", "255.255.255.255", "::ffff:10.0.0.1"], ["::", "2001:db8::1"]),
            (
                "2001:db8::/32", ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"],
                ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "32.1.13.184"]
            ),
            (
                "2001:db8::/127", ["2001:db8::", "2001:db8::1"],
                ["2001:db8::2", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"]
            ),
            (
                "2001:db8:0:1::/64", ["2001:db8:0:1::", "2001:db8:0:1:ffff:ffff:ffff:ffff"],
                ["2001:db8::ffff:ffff:ffff:ffff", "2001:db8:0:2::"]
            ),
            ("::/0", ["::", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], ["0.0.0.0", "192.0.2.7"]),
        ]
    )
    func containsAtEdges(range text: String, inside: [String], outside: [String]) throws {
        let range = try AddressRange(text)
        for address in inside {
            #expect(range.contains(try ip(address)), "\(address) in \(text)")
        }
        for address in outside {
            #expect(!range.contains(try ip(address)), "\(address) not in \(text)")
        }
    }

    @Test("An IPv4-mapped address is matched as IPv4, and ::/0 does not take IPv4 peers")
    func mappedAddressesAreIPv4() throws {
        let ipv4 = try AddressRange("192.0.2.0/24")
        let mappedForm = try AddressRange("::ffff:192.0.2.0/120")
        for range in [ipv4, mappedForm] {
            #expect(range.contains(try ip("192.0.2.1")))
            #expect(range.contains(try ip("::ffff:192.0.2.1")))
            #expect(!range.contains(try ip("::ffff:192.0.3.1")))
            #expect(!range.contains(try ip("::192.0.2.1")), "an IPv4-compatible address is IPv6")
        }
        #expect(!(try AddressRange("::/0")).contains(try ip("::ffff:192.0.2.1")))
        #expect(!(try AddressRange("::ffff:0:0/96")).contains(try ip("2001:db8::1")))
    }
}
