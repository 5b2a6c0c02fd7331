import DaytimeCore

#if canImport(Glibc)
import Glibc
#endif

/// The server under load: one resolved IPv4 or IPv6 address and a port.
///
/// Resolved once, before the run, so that no transaction waits for a name lookup.
public struct BenchTarget: Sendable, Hashable, CustomStringConvertible {
    /// TCP or UDP: see ``DaytimeCore/Transport``.
    public typealias Transport = DaytimeCore.Transport

    /// Which IP versions the name may resolve to.
    public enum AddressFamily: Sendable, Hashable {
        /// The first address the resolver gives.
        case any
        /// IPv4 only.
        case ipv4
        /// IPv6 only.
        case ipv6
    }

    /// The `sockaddr_in` or `sockaddr_in6`, as bytes.
    let addressBytes: [UInt8]
    /// The address in text, without the port.
    public let address: String
    /// The port.
    public let port: Int

    /// Whether the address is IPv6.
    public var isIPv6: Bool {
        self.addressBytes.count == MemoryLayout<sockaddr_in6>.size
    }

    /// Whether the address is in 127.0.0.0/8.
    public var isIPv4Loopback: Bool {
        !self.isIPv6 && self.address.hasPrefix("127.")
    }

    /// `127.0.0.1:13` or `[::1]:13`.
    public var description: String {
        self.isIPv6 ? "[\(self.address)]:\(self.port)" : "\(self.address):\(self.port)"
    }

    /// Resolves `host` (a name or a numeric address, IPv6 without brackets) with `getaddrinfo`.
    public static func resolve(
        host: String,
        port: Int,
        family: AddressFamily = .any,
        transport: Transport = .tcp
    ) throws(BenchError) -> BenchTarget {
        guard (1...65_535).contains(port) else {
            throw BenchError(.invalidConfiguration, "port \(port) is out of range; give 1 to 65535")
        }
        var hints = addrinfo()
        switch family {
        case .any: hints.ai_family = AF_UNSPEC
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        }
        hints.ai_socktype = Int32(transport == .tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw BenchError(.resolutionFailed, "cannot resolve \(host): \(reason); check the name, or give an address")
        }
        defer { freeaddrinfo(list) }
        let length = Int(first.pointee.ai_addrlen)
        let bytes = Array(UnsafeRawBufferPointer(start: first.pointee.ai_addr, count: length))
        return BenchTarget(addressBytes: bytes, port: port)
    }

    init(addressBytes: [UInt8], port: Int) {
        self.addressBytes = addressBytes
        self.port = port
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        addressBytes.withUnsafeBytes { raw in
            if addressBytes.count == MemoryLayout<sockaddr_in6>.size {
                var address = raw.loadUnaligned(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            } else {
                var address = raw.loadUnaligned(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            }
        }
        self.address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        self.addressBytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }
}
