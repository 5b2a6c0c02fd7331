import Glibc

/// `getaddrinfo`, for both IP versions or restricted to one (`-4` / `-6`).
///
/// It blocks, so it runs on the thread that runs the exchange, never on a Swift task's thread.
enum AddressResolver {
    /// The resolver said no: `gai_strerror`'s text, such as "Name or service not known".
    struct Failure: Error {
        var message: String
    }

    /// The TCP addresses of `host` in `family`, in the resolver's order (RFC 6724's preference).
    static func resolve(host: String, port: Int, family: TimeQuery.AddressFamily) throws(Failure) -> [ServerAddress] {
        var hints = addrinfo()
        switch family {
        case .ipv4: hints.ai_family = AF_INET
        case .ipv6: hints.ai_family = AF_INET6
        case .any: hints.ai_family = AF_UNSPEC
        }
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0 else {
            throw Failure(message: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var addresses: [ServerAddress] = []
        var next = list
        while let info = next {
            if let raw = info.pointee.ai_addr, let address = ServerAddress(raw, length: info.pointee.ai_addrlen) {
                addresses.append(address)
            }
            next = info.pointee.ai_next
        }
        return addresses
    }

    /// The addresses with the families taken in turn, starting with the resolver's first choice:
    /// RFC 8305's interleaving, so that a second attempt tries the other IP version.
    static func interleaved(_ addresses: [ServerAddress]) -> [ServerAddress] {
        guard addresses.count > 1, let first = addresses.first else { return addresses }
        var preferred = addresses.filter { $0.family == first.family }
        var other = addresses.filter { $0.family != first.family }
        guard !other.isEmpty else { return addresses }
        var result: [ServerAddress] = []
        result.reserveCapacity(addresses.count)
        preferred.reverse()
        other.reverse()
        while let next = preferred.popLast() {
            result.append(next)
            if let alternate = other.popLast() {
                result.append(alternate)
            }
        }
        result.append(contentsOf: other.reversed())
        return result
    }
}
