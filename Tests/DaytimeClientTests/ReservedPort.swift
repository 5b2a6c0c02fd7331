#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A loopback TCP port that is bound but not listening: connections to it are refused, and no
/// other test can take it while this value holds it (a port merely closed again could be handed
/// to the next test that binds port 0).
struct ReservedPort: ~Copyable {
    let descriptor: Int32
    let port: Int

    /// Binds a socket to `port` (0: one the kernel picks) on `127.0.0.1` or `::1` without
    /// listening; nil if that port is taken.
    init?(host: String, port wanted: Int) {
        let ipv6 = host.contains(":")
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed: errno \(errno)")
        var port = 0
        var bound = false
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_addr = in6addr_loopback
            address.sin6_port = UInt16(wanted).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bound = bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin6_port))
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            address.sin_port = UInt16(wanted).bigEndian
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                    bound = bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
                }
            }
            port = Int(UInt16(bigEndian: address.sin_port))
        }
        guard bound else {
            close(fd)
            return nil
        }
        self.descriptor = fd
        self.port = port
    }

    /// Binds a socket to a port the kernel picks on `127.0.0.1` or `::1`, without listening.
    init(host: String) {
        // Port 0 is never taken: the kernel picks a free one.
        self.init(host: host, port: 0)!
    }

    /// A port on `127.0.0.1` that is free now and lies below the kernel's ephemeral range
    /// (32768 and up), so that no test server binding port 0 can be handed it in the meantime;
    /// for a peer that must bind the port itself.
    static func freeFixedPort() -> Int {
        while true {
            if let probe = ReservedPort(host: "127.0.0.1", port: Int.random(in: 20_000..<30_000)) {
                return probe.port
            }
        }
    }

    deinit {
        close(self.descriptor)
    }
}
