import Glibc

/// A numeric IPv4 or IPv6 address and port as a `sockaddr_storage`, for the tests' plain socket
/// clients (one place, so the clients cannot drift apart).
public struct TestSocketAddress {
    /// The address, in the layout of its family.
    public var storage = sockaddr_storage()
    /// The length of the family's own structure (`sockaddr_in` or `sockaddr_in6`).
    public let length: socklen_t

    /// `host` is numeric (`127.0.0.1`, `::1`); nil is the wildcard of `family`.
    public init(host: String?, port: Int, family: Int32? = nil) throws(TestFailure) {
        let v6 = family.map { $0 == AF_INET6 } ?? (host?.contains(":") ?? false)
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = UInt16(port).bigEndian
            sin6.sin6_addr = in6addr_any
            if let host, inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1 {
                throw TestFailure("not a numeric IPv6 address: \(host)")
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            withUnsafeBytes(of: sin6) { src in withUnsafeMutableBytes(of: &self.storage) { $0.copyMemory(from: src) } }
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            if let host, inet_pton(AF_INET, host, &sin.sin_addr) != 1 {
                throw TestFailure("not a numeric IPv4 address: \(host)")
            }
            self.length = socklen_t(MemoryLayout<sockaddr_in>.size)
            withUnsafeBytes(of: sin) { src in withUnsafeMutableBytes(of: &self.storage) { $0.copyMemory(from: src) } }
        }
    }

    /// `AF_INET` or `AF_INET6`.
    public var family: Int32 { Int32(self.storage.ss_family) }

    /// The port, in host byte order (the same place in both families' structures).
    public var port: Int {
        var copy = self.storage
        return withUnsafeBytes(of: &copy) { Int(UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self))) }
    }

    /// Calls `body` with the address as a `sockaddr` pointer and its length.
    public mutating func withSocketAddress<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        let length = self.length
        return withUnsafePointer(to: &self.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }

    /// Binds `fd` to this address and reads back the address the kernel chose (the port, for 0).
    public mutating func bind(_ fd: Int32) throws(TestFailure) {
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let bound = withUnsafeMutablePointer(to: &self.storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, self.length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw TestFailure("bind to port \(self.port): errno \(errno)") }
    }
}
