import DaytimeNetwork
import Glibc
import Testing

/// A datagram's source as `recvmmsg` fills it in, built with glibc's `inet_pton` (not our parser).
private func source(_ text: String, port: Int) throws -> sockaddr_storage {
    var storage = sockaddr_storage()
    let parsed = withUnsafeMutablePointer(to: &storage) { pointer -> Bool in
        if text.contains(":") {
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                $0.pointee.sin6_family = sa_family_t(AF_INET6)
                $0.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                return inet_pton(AF_INET6, text, &$0.pointee.sin6_addr) == 1
            }
        }
        return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
            $0.pointee.sin_family = sa_family_t(AF_INET)
            $0.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
            return inet_pton(AF_INET, text, &$0.pointee.sin_addr) == 1
        }
    }
    try #require(parsed, "inet_pton refused \(text)")
    return storage
}

private func check(
    _ storage: sockaddr_storage,
    bound: String?,
    blocked: [Int] = DatagramSourceCheck.defaultBlockedSourcePorts
)
    throws -> (RefusalReason?, IPAddress?)
{
    let boundAddress = try bound.map { try #require(IPAddress($0)) }
    var storage = storage
    return DatagramSourceCheck(blockedSourcePorts: blocked, boundAddress: boundAddress).refusal(for: &storage)
}

/// What the socket may be bound to: loopback, a specific address of each family, the wildcards, and
/// unknown (nil, as for an inherited socket whose address was not read).
private let everyBinding: [String?] = ["127.0.0.1", "::1", "192.0.2.10", "2001:db8::10", "0.0.0.0", "::", nil]

@Suite("DatagramSourceCheck: the UDP loop and spoofing guard")
struct DatagramSourceCheckTests {
    @Test(
        "a source that cannot send is refused as invalid, whatever the socket is bound to",
        arguments: [
            "0.0.0.0", "0.0.0.1", "0.1.2.3", "0.255.255.255",  // 0.0.0.0/8, "this network"
            "::",
            "224.0.0.0", "224.0.0.1", "239.255.255.255",  // 224/4
            "ff00::", "ff02::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",  // ff00::/8
            "255.255.255.255",
            "::ffff:0.0.0.0", "::ffff:0.1.2.3", "::ffff:224.0.0.1", "::ffff:255.255.255.255",  // mapped
        ]
    )
    func invalidSource(address: String) throws {
        for bound in everyBinding {
            let (reason, _) = try check(try source(address, port: 40_000), bound: bound)
            #expect(reason == .invalidSource, "\(address) to a socket bound to \(bound ?? "unknown")")
        }
    }

    @Test(
        "the neighbours of the invalid ranges are answered",
        arguments: [
            "1.0.0.0", "223.255.255.255", "240.0.0.1", "255.255.255.254", "::2", "feff:ffff:ffff:ffff::1",
            "::ffff:1.0.0.0", "192.0.2.7", "2001:db8::7",
        ]
    )
    func validSource(address: String) throws {
        for bound in everyBinding {
            let (reason, seen) = try check(try source(address, port: 40_000), bound: bound)
            #expect(reason == nil, "\(address) to a socket bound to \(bound ?? "unknown")")
            // The address handed on to the access list and the rate limiter, mapped ones as IPv4.
            #expect(seen == IPAddress(address)?.unmappingIPv4, "\(address)")
        }
    }

    @Test("a family other than IPv4 and IPv6 (AF_UNIX, or nothing filled in) is refused as invalid")
    func otherFamilies() throws {
        var unix = sockaddr_storage()
        unix.ss_family = sa_family_t(AF_UNIX)
        for bound in everyBinding {
            #expect(try check(unix, bound: bound) == (.invalidSource, nil))
            #expect(try check(sockaddr_storage(), bound: bound) == (.invalidSource, nil))
        }
    }

    @Test(
        "loopback sources: answered on a socket bound to loopback or the wildcard, refused as spoofed on one bound to another address",
        arguments: [
            // source, bound, refused
            ("127.0.0.1", "127.0.0.1", false), ("127.255.0.9", "127.0.0.1", false), ("::1", "::1", false),
            ("::ffff:127.0.0.1", "::1", false), ("127.0.0.1", "0.0.0.0", false), ("::1", "::", false),
            ("::ffff:127.0.0.1", "::", false), ("127.0.0.1", nil, false),
            ("127.0.0.1", "192.0.2.10", true), ("127.255.0.9", "192.0.2.10", true), ("::1", "2001:db8::10", true),
            ("::ffff:127.0.0.1", "2001:db8::10", true), ("::ffff:127.0.0.1", "::ffff:192.0.2.10", true),
        ] as [(String, String?, Bool)]
    )
    func loopbackSource(address: String, bound: String?, refused: Bool) throws {
        let (reason, seen) = try check(try source(address, port: 40_000), bound: bound)
        #expect(reason == (refused ? .spoofedLoopback : nil))
        #expect(seen == IPAddress(address)?.unmappingIPv4)
    }

    @Test(
        "port 0 and the ports of services that answer anything are refused; the ports beside them are not",
        arguments: [
            (0, true), (1, false), (6, false), (7, true), (8, false), (9, true), (13, true), (17, true), (19, true),
            (37, true), (38, false), (123, false), (1024, false), (40_000, false), (65_535, false),
        ]
    )
    func defaultBlockedPorts(port: Int, refused: Bool) throws {
        for address in ["192.0.2.7", "2001:db8::7", "::ffff:192.0.2.7"] {
            let (reason, _) = try check(try source(address, port: port), bound: "0.0.0.0")
            #expect(reason == (refused ? .blockedSourcePort : nil), "\(address) port \(port)")
        }
    }

    @Test("the operator's blocked ports add to port 0, up to 65,535; ports out of range are ignored")
    func operatorBlockedPorts() throws {
        let blocked = [5_000, 65_535, -1, 70_000]
        for (port, refused) in [(0, true), (7, false), (4_999, false), (5_000, true), (5_001, false), (65_535, true)] {
            let (reason, _) = try check(try source("192.0.2.7", port: port), bound: nil, blocked: blocked)
            #expect(reason == (refused ? .blockedSourcePort : nil), "port \(port)")
        }
        // An empty list still refuses port 0, which no real client sends from.
        #expect(try check(try source("::1", port: 0), bound: "::1", blocked: []).0 == .blockedSourcePort)
        #expect(try check(try source("::1", port: 7), bound: "::1", blocked: []).0 == nil)
    }
}
