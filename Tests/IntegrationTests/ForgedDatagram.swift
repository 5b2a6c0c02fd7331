import DaytimeTestSupport
import Foundation

/// A UDP datagram with whatever source the test chooses, built by hand (IP header included) and
/// sent through a raw socket: the kernel delivers it as if that source had sent it. Needs
/// CAP_NET_RAW; the tests send them inside a network namespace of their own.
struct ForgedDatagram {
    /// The source and destination addresses, as text (IPv4 or IPv6; both of one family).
    let source: String
    let sourcePort: Int
    let destination: String
    let destinationPort: Int
    var payload: [UInt8] = Array("forged\n".utf8)

    private var isIPv6: Bool { self.destination.contains(":") }

    /// The address in network byte order (glibc's `inet_pton`).
    static func bytes(_ text: String) throws -> [UInt8] {
        let family = text.contains(":") ? AF_INET6 : AF_INET
        var buffer = [UInt8](repeating: 0, count: family == AF_INET6 ? 16 : 4)
        guard inet_pton(family, text, &buffer) == 1 else { throw TestFailure("not an address: \(text)") }
        return buffer
    }

    /// `text` and `port` as a socket address, with its length.
    static func socketAddress(_ text: String, port: Int) throws -> (sockaddr_storage, socklen_t) {
        let address = try Self.bytes(text)
        var storage = sockaddr_storage()
        let length = withUnsafeMutableBytes(of: &storage) { raw -> Int in
            if text.contains(":") {
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
                withUnsafeMutableBytes(of: &sin6.sin6_addr) { $0.copyBytes(from: address) }
                withUnsafeBytes(of: sin6) { raw.copyMemory(from: $0) }
                return MemoryLayout<sockaddr_in6>.size
            }
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sin.sin_addr) { $0.copyBytes(from: address) }
            withUnsafeBytes(of: sin) { raw.copyMemory(from: $0) }
            return MemoryLayout<sockaddr_in>.size
        }
        return (storage, socklen_t(length))
    }

    /// The UDP header and payload, with the checksum over IPv6's pseudo-header (mandatory there;
    /// IPv4 allows 0, "none", which keeps the forged source out of the sum).
    private func udp(source: [UInt8], destination: [UInt8]) -> [UInt8] {
        let length = 8 + self.payload.count
        var segment = Self.big16(self.sourcePort) + Self.big16(self.destinationPort) + Self.big16(length) + [0, 0]
        segment += self.payload
        guard self.isIPv6 else { return segment }
        let pseudo = source + destination + [0, 0] + Self.big16(length) + [0, 0, 0, UInt8(IPPROTO_UDP)]
        var sum = 0
        let all = pseudo + segment + (segment.count % 2 == 1 ? [0] : [])
        for index in stride(from: 0, to: all.count, by: 2) { sum += Int(all[index]) << 8 | Int(all[index + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~sum & 0xFFFF
        segment.replaceSubrange(6..<8, with: Self.big16(checksum == 0 ? 0xFFFF : checksum))
        return segment
    }

    /// The whole IP packet.
    func packet() throws -> [UInt8] {
        let source = try Self.bytes(self.source)
        let destination = try Self.bytes(self.destination)
        let segment = self.udp(source: source, destination: destination)
        if self.isIPv6 {
            // Version 6, no traffic class or flow label; next header UDP; hop limit 64.
            return [0x60, 0, 0, 0] + Self.big16(segment.count) + [UInt8(IPPROTO_UDP), 64] + source + destination
                + segment
        }
        // Version 4, 20-byte header; the kernel fills in the identification and the checksum.
        return [0x45, 0] + Self.big16(20 + segment.count) + [0, 0, 0, 0, 64, UInt8(IPPROTO_UDP), 0, 0] + source
            + destination + segment
    }

    /// Sends the packet from a raw socket (`IPPROTO_RAW`: the header is ours, `IP_HDRINCL`).
    func send() throws {
        let packet = try self.packet()
        let family = self.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(SOCK_RAW.rawValue), Int32(IPPROTO_RAW))
        guard fd >= 0 else { throw TestFailure("raw socket: errno \(errno) (needs CAP_NET_RAW)") }
        defer { close(fd) }
        // Port 0: for a raw socket the port field names the protocol, and the header already does.
        let (address, length) = try Self.socketAddress(self.destination, port: 0)
        var storage = address
        let sent = packet.withUnsafeBytes { bytes in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, bytes.baseAddress, bytes.count, 0, $0, length)
                }
            }
        }
        guard sent == packet.count else {
            throw TestFailure("sendto \(self.source) -> \(self.destination): errno \(errno)")
        }
    }

    private static func big16(_ value: Int) -> [UInt8] {
        [UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)]
    }
}

/// A UDP socket bound to an address and port, to receive what a server answers a forged datagram
/// that carried them as its source.
struct DatagramReceiver: ~Copyable {
    let fd: Int32

    init(_ address: String, port: Int) throws {
        self.fd = socket(address.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard self.fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(self.fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let (socketAddress, length) = try ForgedDatagram.socketAddress(address, port: port)
        var storage = socketAddress
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(self.fd, $0, length) }
        }
        guard bound == 0 else {
            let code = errno
            close(self.fd)
            throw TestFailure("bind \(address) port \(port): errno \(code)")
        }
    }

    /// The next datagram, or nil after 5 s.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 2048)
        let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : Array(buffer[0..<n])
    }

    deinit { close(self.fd) }
}
