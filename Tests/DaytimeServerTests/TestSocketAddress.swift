import Glibc

/// A numeric IPv4 or IPv6 address and port as a `sockaddr_storage`, for the tests' plain socket
/// clients (one place, so the three clients cannot drift apart).
struct TestSocketAddress {
    var storage = sockaddr_storage()
    let length: socklen_t

    /// `host` is numeric (`127.0.0.1`, `::1`); nil is the wildcard of `family`.
    init(host: String?, port: Int, family: Int32? = nil) throws {
        let v6 = family.map { $0 == AF_INET6 } ?? (host?.contains(":") ?? false)
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            sin6.sin6_addr = in6addr_any
            if let host, inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1 {
                throw LoopbackClient.Failure(description: "not a numeric IPv6 address: \(host)")
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            var storage = sockaddr_storage()
            withUnsafeBytes(of: sin6) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            self.storage = storage
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            if let host, inet_pton(AF_INET, host, &sin.sin_addr) != 1 {
                throw LoopbackClient.Failure(description: "not a numeric IPv4 address: \(host)")
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in>.size)
            var storage = sockaddr_storage()
            withUnsafeBytes(of: sin) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            self.storage = storage
        }
    }

    var family: Int32 { Int32(self.storage.ss_family) }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    mutating func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let length = self.length
        return withUnsafePointer(to: &self.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
