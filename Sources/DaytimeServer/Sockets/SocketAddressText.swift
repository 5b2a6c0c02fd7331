import CDaytimeLinux
import DaytimeCore

#if canImport(Glibc)
import Glibc
#endif

/// Text forms of socket addresses, for logs and error messages: `127.0.0.1:13`, `[::1]:13`.
///
/// Only called off the hot path (when logging at `info`, or when a bind fails).
enum SocketAddressText {
    /// `host:port` for an IPv4 or IPv6 socket address; `?` for any other family.
    static func describe(_ storage: UnsafePointer<sockaddr_storage>) -> String {
        let (host, port) = self.hostAndPort(storage)
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The numeric host and the port of an IPv4 or IPv6 socket address.
    static func hostAndPort(_ storage: UnsafePointer<sockaddr_storage>) -> (host: String, port: Int) {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.pointee.ss_family) {
        case AF_INET:
            return storage.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
                return (Self.string(text), Int(UInt16(bigEndian: sin.pointee.sin_port)))
            }
        case AF_INET6:
            return storage.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                var addr = sin6.pointee.sin6_addr
                inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                return (Self.string(text), Int(UInt16(bigEndian: sin6.pointee.sin6_port)))
            }
        default:
            return ("?", 0)
        }
    }

    private static func string(_ cString: [CChar]) -> String {
        String(decoding: cString.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
