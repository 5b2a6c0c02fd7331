#if canImport(Glibc)
import Glibc
#endif

/// Decides whether a datagram's source may get an answer: the UDP loop and spoofing guard.
///
/// A UDP time service answers any datagram, so a forged source address turns it into a reflector,
/// and a forged source *port* of another auto-answering service (echo, chargen, daytime...) starts a
/// packet loop between the two that runs until one of them dies (CVE-1999-0103, "Fraggle"). Upstream
/// OpenBSD inetd drops such datagrams; Debian's openbsd-inetd and xinetd removed the port check. We
/// keep all of it, on by default:
///
/// - source ports of services that answer automatically (``defaultBlockedSourcePorts``, plus any the
///   operator adds), and port 0, which no real client sends from;
/// - sources that cannot have sent a datagram: unspecified (`0.0.0.0/8`, `::`), multicast, the IPv4
///   limited broadcast `255.255.255.255`;
/// - loopback sources on a socket bound to a non-loopback address (for sockets bound to the wildcard,
///   Linux itself drops loopback sources arriving from outside as martians).
///
/// It reads the source from the `sockaddr_storage` that `recvmmsg` filled, without allocating.
package struct DatagramSourceCheck: Sendable {
    /// echo, discard, daytime, qotd, chargen, time: the services that answer whatever arrives.
    package static let defaultBlockedSourcePorts: [Int] = [7, 9, 13, 17, 19, 37]

    /// One bit per port.
    @usableFromInline
    let blockedPorts: [UInt64]
    /// The highest blocked port. Ordinary clients send from ephemeral ports above it, so they are
    /// passed without touching the 8 KiB bit set: a cache miss per datagram, measured, since a
    /// flood's ports are random and the kernel's work between two datagrams evicts the set.
    @usableFromInline
    let highestBlockedPort: Int
    @usableFromInline
    let boundToLoopback: Bool
    @usableFromInline
    let boundToWildcard: Bool

    /// - Parameters:
    ///   - blockedSourcePorts: ports whose datagrams are dropped (port 0 always is).
    ///   - boundAddress: the socket's local address; decides the loopback rule.
    package init(blockedSourcePorts: [Int], boundAddress: IPAddress?) {
        var bits = [UInt64](repeating: 0, count: 1024)
        var highest = 0
        for port in blockedSourcePorts + [0] where (0...65535).contains(port) {
            bits[port >> 6] |= 1 << UInt64(port & 63)
            highest = max(highest, port)
        }
        self.blockedPorts = bits
        self.highestBlockedPort = highest
        self.boundToLoopback = boundAddress?.isLoopback ?? false
        self.boundToWildcard = boundAddress?.isUnspecified ?? true
    }

    /// Why a datagram from `peer` must get no answer, or nil if it may; also returns the source
    /// address for the checks that follow.
    // Inlinable: it runs once per datagram, in the UDP loop of another module.
    @inlinable
    package func refusal(for peer: UnsafePointer<sockaddr_storage>) -> (RefusalReason?, IPAddress?) {
        let port: Int
        switch Int32(peer.pointee.ss_family) {
        case AF_INET:
            port = peer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin_port))
            }
        case AF_INET6:
            port = peer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                Int(UInt16(bigEndian: $0.pointee.sin6_port))
            }
        default:
            return (.invalidSource, nil)
        }
        if port <= self.highestBlockedPort && self.blockedPorts[port >> 6] & (1 << UInt64(port & 63)) != 0 {
            return (.blockedSourcePort, nil)
        }
        guard let address = IPAddress(peer)?.unmappingIPv4 else { return (.invalidSource, nil) }
        // 0.0.0.0/8 ("this network") is never a source on the wire; nor are :: and multicast.
        if address.isUnspecified || address.isMulticast || address.isIPv4Broadcast
            || address.ipv4Value.map({ $0 >> 24 == 0 }) == true
        {
            return (.invalidSource, address)
        }
        if address.isLoopback && !self.boundToLoopback && !self.boundToWildcard {
            return (.spoofedLoopback, address)
        }
        return (nil, address)
    }
}
