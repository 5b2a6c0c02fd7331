import Glibc

/// One address of a server, IPv4 or IPv6, as the socket calls take it: a `sockaddr_storage` and
/// the length of the part in use.
struct ServerAddress: Sendable {
    private var storage = sockaddr_storage()
    private var length: socklen_t

    /// Copies the address `getaddrinfo` returned; nil for a family other than IPv4 and IPv6.
    init?(_ address: UnsafePointer<sockaddr>, length: socklen_t) {
        let family = CInt(address.pointee.sa_family)
        guard family == AF_INET || family == AF_INET6, length <= MemoryLayout<sockaddr_storage>.size else {
            return nil
        }
        self.length = length
        withUnsafeMutableBytes(of: &self.storage) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
    }

    /// `AF_INET` or `AF_INET6`.
    var family: CInt {
        CInt(self.storage.ss_family)
    }

    /// Calls `body` with the address as `connect(2)` takes it.
    func withSockAddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: self.storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), self.length)
        }
    }

    /// The numeric address, such as `127.0.0.1` or `::1`.
    var ipAddress: String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        withUnsafeBytes(of: self.storage) { raw in
            if self.family == AF_INET6 {
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                _ = inet_ntop(AF_INET6, &address, &text, socklen_t(text.count))
            } else {
                var address = raw.load(as: sockaddr_in.self).sin_addr
                _ = inet_ntop(AF_INET, &address, &text, socklen_t(text.count))
            }
        }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The port, in host byte order.
    var port: Int {
        withUnsafeBytes(of: self.storage) { raw in
            let networkOrder =
                self.family == AF_INET6
                ? raw.load(as: sockaddr_in6.self).sin6_port : raw.load(as: sockaddr_in.self).sin_port
            return Int(UInt16(bigEndian: networkOrder))
        }
    }

    /// `127.0.0.1:13` or `[::1]:13`.
    var endpoint: String {
        endpointText(host: self.ipAddress, port: self.port)
    }
}
