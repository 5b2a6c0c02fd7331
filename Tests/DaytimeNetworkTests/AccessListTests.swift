import DaytimeNetwork
import Testing
import _DaytimeTesting

private func ranges(_ texts: [String]) throws -> [AddressRange] {
    try texts.map { try AddressRange($0) }
}

private func list(allow: [String] = [], deny: [String] = []) throws -> AccessList {
    AccessList(allow: try ranges(allow), deny: try ranges(deny))
}

@Suite("AccessList")
struct AccessListTests {
    @Test(
        "An empty access list permits everyone",
        arguments: ["192.0.2.7", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1", "::ffff:10.0.0.1"]
    )
    func emptyPermitsAll(address: String) throws {
        #expect(AccessList().permits(try ip(address)))
        #expect(AccessList.permitsAll.permits(try ip(address)))
        #expect(AccessList.permitsAll.isPermittingAll)
    }

    @Test(
        "The rule: deny wins; with an allow list, only what it names; without one, everyone else",
        arguments: [
            // allow, deny, permitted, refused
            (
                [], ["192.0.2.0/24"], ["198.51.100.1", "192.0.1.255", "192.0.3.0", "2001:db8::1"],
                ["192.0.2.0", "192.0.2.255"]
            ),
            (
                ["192.0.2.0/24"], [], ["192.0.2.0", "192.0.2.255", "::ffff:192.0.2.9"],
                ["198.51.100.1", "192.0.3.0", "2001:db8::1"]
            ),
            // Overlapping: deny inside allow.
            (
                ["10.0.0.0/8"], ["10.1.0.0/16"], ["10.0.255.255", "10.2.0.0", "10.255.255.255"],
                ["10.1.0.0", "10.1.255.255", "11.0.0.0"]
            ),
            // Overlapping: deny around allow.
            (["10.1.0.0/16"], ["10.0.0.0/8"], [], ["10.1.2.3", "10.0.0.1", "192.0.2.1"]),
            // The same range in both.
            (["192.0.2.0/24"], ["192.0.2.0/24"], [], ["192.0.2.1"]),
            // Nested and adjacent ranges in one list.
            (
                ["10.0.0.0/9", "10.128.0.0/9", "10.5.0.0/16", "10.5.5.5"], [],
                ["10.0.0.0", "10.127.255.255", "10.128.0.0", "10.255.255.255"], ["9.255.255.255", "11.0.0.0"]
            ),
            // IPv6, and an allow list of one family refuses the other.
            (
                ["2001:db8::/32"], ["2001:db8:bad::/48"], ["2001:db8::1", "2001:db8:bad0::1", "2001:db8:ffff::1"],
                [
                    "2001:db8:bad::1", "2001:db8:bad:ffff:ffff:ffff:ffff:ffff", "2001:db9::", "192.0.2.1",
                    "::ffff:192.0.2.1",
                ]
            ),
            // Both families in one list.
            (
                ["192.0.2.0/24", "2001:db8::/32"], ["192.0.2.128/25"], ["192.0.2.127", "2001:db8::7"],
                ["192.0.2.128", "192.0.2.255", "198.51.100.1", "2001:db9::1"]
            ),
            // Everyone but one address.
            (
                ["0.0.0.0/0", "::/0"], ["192.0.2.7"], ["192.0.2.6", "192.0.2.8", "::1"],
                ["192.0.2.7", "::ffff:192.0.2.7"]
            ),
            // ::/0 denies IPv6 peers, not IPv4 ones in IPv4-mapped form.
            ([], ["::/0"], ["192.0.2.1", "::ffff:192.0.2.1"], ["::1", "2001:db8::1", "::192.0.2.1"]),
        ] as [([String], [String], [String], [String])]
    )
    func rule(allow: [String], deny: [String], permitted: [String], refused: [String]) throws {
        let accessList = try list(allow: allow, deny: deny)
        for address in permitted {
            #expect(accessList.permits(try ip(address)), "\(address) permitted by \(accessList)")
        }
        for address in refused {
            #expect(!accessList.permits(try ip(address)), "\(address) refused by \(accessList)")
        }
    }

    @Test("IPv4-mapped IPv6 peers are judged as IPv4, in both lists")
    func mappedPeers() throws {
        let accessList = try list(allow: ["192.0.2.0/24", "198.51.100.0/24"], deny: ["::ffff:198.51.100.0/120"])
        #expect(accessList.permits(try ip("::ffff:192.0.2.1")))
        #expect(accessList.permits(try ip("192.0.2.1")))
        #expect(!accessList.permits(try ip("::ffff:198.51.100.1")))
        #expect(!accessList.permits(try ip("198.51.100.1")))
        #expect(!accessList.permits(try ip("::ffff:203.0.113.1")))
    }

    @Test("Agrees with the rule checked range by range, for 300 random lists with overlaps")
    func agreesWithPlainRule() throws {
        var random = SplitMix64(seed: 0xACCE_55)
        // Ranges from small families of prefixes, so that they nest, overlap and touch often.
        func randomRange(_ random: inout SplitMix64) throws -> AddressRange {
            if random.below(2) == 0 {
                let length = 8 + random.below(25)
                let value = 0x0A00_0000 | UInt32(truncatingIfNeeded: random.next()) & 0x00FF_0F0F
                return try AddressRange(
                    network: IPAddress(ipv4: value).masked(toPrefixLength: length),
                    prefixLength: length
                )
            }
            let length = 32 + random.below(97)
            let address = IPAddress(
                ipv6High: 0x2001_0DB8_0000_0000 | random.next() & 0x0000_0000_00FF_00FF,
                low: random.next() & 0xFF
            )
            return try AddressRange(network: address.masked(toPrefixLength: length), prefixLength: length)
        }
        var disagreements: [String] = []
        for _ in 0..<300 {
            let allow = try (0..<random.below(6)).map { _ in try randomRange(&random) }
            let deny = try (0..<random.below(6)).map { _ in try randomRange(&random) }
            let accessList = AccessList(allow: allow, deny: deny)
            var probes: [IPAddress] = []
            for range in allow + deny {
                probes += [range.network, range.last]
                if let v4 = range.network.ipv4Value {
                    probes += [IPAddress(ipv4: v4 &- 1), IPAddress(ipv4: range.last.ipv4Value! &+ 1)]
                    probes.append(IPAddress(ipv6High: 0, low: 0xFFFF_0000_0000 | UInt64(v4)))
                } else {
                    let (high, low) = range.network.ipv6Value!
                    let (lastHigh, lastLow) = range.last.ipv6Value!
                    probes.append(
                        low == 0 ? IPAddress(ipv6High: high &- 1, low: .max) : IPAddress(ipv6High: high, low: low - 1)
                    )
                    probes.append(
                        lastLow == .max
                            ? IPAddress(ipv6High: lastHigh &+ 1, low: 0)
                            : IPAddress(ipv6High: lastHigh, low: lastLow + 1)
                    )
                }
            }
            for _ in 0..<50 {
                probes.append(IPAddress(ipv4: 0x0A00_0000 | UInt32(truncatingIfNeeded: random.next()) & 0x00FF_0F0F))
                probes.append(
                    IPAddress(ipv6High: 0x2001_0DB8_0000_0000 | random.next() & 0x00FF_00FF, low: random.next() & 0x1FF)
                )
            }
            for address in probes {
                let expected =
                    !deny.contains { $0.contains(address) }
                    && (allow.isEmpty || allow.contains { $0.contains(address) })
                if accessList.permits(address) != expected {
                    disagreements.append("\(address) with \(accessList)")
                }
            }
        }
        #expect(disagreements.isEmpty, "first disagreements: \(disagreements.prefix(5))")
    }

    @Test("Describes itself for logs")
    func description() throws {
        #expect(AccessList().description == "allow everyone; deny nobody")
        #expect(
            try list(allow: ["192.0.2.0/24", "2001:db8::/32"], deny: ["192.0.2.128/25"]).description
                == "allow 192.0.2.0/24, 2001:db8::/32; deny 192.0.2.128/25"
        )
    }
}
