import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `getaddrinfo` restricted to one IP version, for `-4` / `-6` (NIO's own resolver asks for both).
///
/// It blocks, so callers run it on a thread pool, never on an event loop.
enum AddressResolver {
    /// The resolver said no: `gai_strerror`'s text, such as "Name or service not known".
    struct Failure: Error {
        var message: String
    }

    /// The TCP addresses of `host` in `family` (`.ipv4` or `.ipv6`), in the resolver's order.
    static func resolve(host: String, port: Int, family: TimeQuery.AddressFamily) throws -> [SocketAddress] {
        var hints = addrinfo()
        switch family {
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        case .any: hints.ai_family = AF_UNSPEC
        }
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0 else {
            throw Failure(message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var next = list
        while let info = next {
            if let raw = info.pointee.ai_addr {
                switch info.pointee.ai_family {
                case AF_INET:
                    addresses.append(SocketAddress(UnsafeRawPointer(raw).load(as: sockaddr_in.self), host: host))
                case AF_INET6:
                    addresses.append(SocketAddress(UnsafeRawPointer(raw).load(as: sockaddr_in6.self), host: host))
                default:
                    break
                }
            }
            next = info.pointee.ai_next
        }
        return addresses
    }
}
