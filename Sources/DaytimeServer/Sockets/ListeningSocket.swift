import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork
import DaytimeSystem

#if canImport(Glibc)
import Glibc
#endif

/// One bound socket (listening for TCP, or a UDP socket), and the service it answers.
///
/// Several threads block on each socket (in `accept4` or `recvmmsg`); the kernel hands each
/// connection or datagram to one of them. One socket per address, rather than one per thread with
/// `SO_REUSEPORT`, keeps "address already in use" a real error and needs no hashing of clients.
public struct ListeningSocket: Sendable, CustomStringConvertible {
    /// The service answered on this socket.
    public let service: TimeProtocolKind
    /// TCP or UDP.
    public let transport: Transport
    /// The numeric address the socket is bound to (`::` for the dual-stack wildcard).
    public let host: String
    /// The bound port (the real one when port 0 was asked for).
    public let port: Int
    /// The file descriptor. Owned by the ``DaytimeService`` that bound it (or was given it), which
    /// closes it when it goes away.
    let descriptor: Int32
    /// A UDP socket bound to a wildcard address gets each datagram's destination address from the
    /// kernel, so that the answer can leave from the address the client asked: on a host with
    /// several addresses the kernel's own choice may differ, and a client whose socket is connected
    /// (rdate's is) would drop the answer.
    let receivesPacketInfo: Bool
    /// Whether connections must start with a PROXY protocol header (see ``ProxyProtocolConfiguration``).
    public internal(set) var expectsProxyHeader = false

    /// `daytime/tcp [::]:13`, or `daytime/tcp [::]:1313 (PROXY protocol)`.
    public var description: String {
        let address = self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
        return "\(self.service)/\(self.transport) \(address)\(self.expectsProxyHeader ? " (PROXY protocol)" : "")"
    }

    /// Opens and binds (and for TCP, listens on) every address `host` stands for (`nil`: all
    /// addresses). `owner` takes each socket as it is bound: when it goes away (the caller's error
    /// path, or the service's end), they are closed.
    ///
    /// - Parameter portSetting: the setting that gave `port`, named by errors; by default the service's port.
    /// - Throws: ``ServerError`` whose text says which address failed and how to fix it.
    static func bind(
        host: String?,
        port: Int,
        service: TimeProtocolKind,
        transport: Transport,
        backlog: Int,
        reusePort: Bool = false,
        portSetting: ServerSetting? = nil,
        owner: inout DescriptorGroup
    ) throws(ServerError) -> [ListeningSocket] {
        try Self.resolve(host: host, port: port).map { (address) throws(ServerError) in
            try Self.bindOne(
                address: address,
                dualStack: host == nil,
                service: service,
                transport: transport,
                backlog: backlog,
                reusePort: reusePort,
                givenHost: host,
                portSetting: portSetting ?? .port(for: service),
                owner: &owner
            )
        }
    }

    /// Socket addresses for `host`: the IPv6 wildcard (falling back to IPv4 where the kernel has no
    /// IPv6) when `host` is nil, else every address getaddrinfo gives for it, without duplicates.
    private static func resolve(host: String?, port: Int) throws(ServerError) -> [sockaddr_storage] {
        guard let host else {
            let probe = socket(AF_INET6, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            if probe >= 0 {
                close(probe)
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = UInt16(port).bigEndian
                sin6.sin6_addr = in6addr_any
                return [Self.storage(of: sin6)]
            }
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = UInt16(port).bigEndian
            sin.sin_addr.s_addr = INADDR_ANY
            return [Self.storage(of: sin)]
        }
        var hints = addrinfo()
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let list else {
            let reason = String(cString: gai_strerror(status))
            throw ServerError(
                code: .unresolvableHost,
                description: "cannot listen on host \"\(host)\": \(reason). Give an IP address of this machine "
                    + "(see `ip -brief address`) or a name that resolves to one, or leave \(setting: .hosts) out to "
                    + "listen on all addresses.",
                address: host
            )
        }
        defer { freeaddrinfo(list) }
        var result: [sockaddr_storage] = []
        var seen: Set<String> = []
        var cursor: UnsafeMutablePointer<addrinfo>? = list
        while let entry = cursor {
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(
                    from: UnsafeRawBufferPointer(start: entry.pointee.ai_addr, count: Int(entry.pointee.ai_addrlen))
                )
            }
            let key = SocketAddressText.describe(&storage)
            if seen.insert(key).inserted { result.append(storage) }
            cursor = entry.pointee.ai_next
        }
        return result
    }

    private static func storage<T>(of address: T) -> sockaddr_storage {
        var storage = sockaddr_storage()
        withUnsafeMutableBytes(of: &storage) { dst in
            withUnsafeBytes(of: address) { dst.copyMemory(from: $0) }
        }
        return storage
    }

    private static func bindOne(
        address: sockaddr_storage,
        dualStack: Bool,
        service: TimeProtocolKind,
        transport: Transport,
        backlog: Int,
        reusePort: Bool,
        givenHost: String?,
        portSetting: ServerSetting,
        owner: inout DescriptorGroup
    ) throws(ServerError) -> ListeningSocket {
        var address = address
        let family = Int32(address.ss_family)
        let length = socklen_t(family == AF_INET6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let text = SocketAddressText.describe(&address)
        let type = transport == .tcp ? SOCK_STREAM : SOCK_DGRAM
        let fd = socket(family, Int32(type.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw Self.failure(
                errno: errno,
                action: "create a socket for",
                address: text,
                service: service,
                transport: transport,
                givenHost: givenHost,
                portSetting: portSetting
            )
        }
        // Closed on every error below; the owner takes it once it listens.
        let owned = Descriptor(fd)
        var on: Int32 = 1
        if transport == .tcp {
            // Restart while old connections sit in TIME_WAIT. TCP only: on a UDP socket the option
            // lets a second socket bind the same address and port (another daytimed would start
            // and take a share of the datagrams, and port 0 could be handed out twice), and UDP has
            // no TIME_WAIT to wait out.
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        if reusePort {
            // Opt-in: several processes (of the same user) share the port, the kernel spreading
            // connections and datagrams over them. Off by default, so that "address in use" stays
            // a real error.
            setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, socklen_t(MemoryLayout<Int32>.size))
        }
        // A blocking accept4 or recvmmsg returns EAGAIN after this long, so an idle loop sees a stop.
        var wake = AcceptLoop.wakeInterval
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
        if family == AF_INET6 {
            // The wildcard default serves IPv4 too; an explicit IPv6 address means IPv6 only, so that
            // hosts `::` and `0.0.0.0` together work as written.
            var v6only: Int32 = dualStack ? 0 : 1
            setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &v6only, socklen_t(MemoryLayout<Int32>.size))
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) }
        }
        // bind(2), then listen(2) for TCP: either failing means the address cannot be served.
        guard bound == 0 && (transport == .udp || listen(fd, Int32(clamping: backlog)) == 0) else {
            throw Self.failure(
                errno: errno,
                action: "listen on",
                address: text,
                service: service,
                transport: transport,
                givenHost: givenHost,
                portSetting: portSetting
            )
        }
        var local = sockaddr_storage()
        var localLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &localLength) }
        }
        let (host, port) = SocketAddressText.hostAndPort(&local)
        return ListeningSocket(
            service: service,
            transport: transport,
            host: host,
            port: port,
            descriptor: owner.adopt(owned),
            family: family
        )
    }

    /// A listener on `descriptor`, a socket of address family `family` bound to `host` and `port`
    /// (bound here or inherited). On a wildcard UDP socket it turns on the destination-address
    /// control messages (``receivesPacketInfo``).
    init(service: TimeProtocolKind, transport: Transport, host: String, port: Int, descriptor: Int32, family: Int32) {
        self.service = service
        self.transport = transport
        self.host = host
        self.port = port
        self.descriptor = descriptor
        let wildcard = IPAddress(host)?.isUnspecified ?? false
        self.receivesPacketInfo =
            transport == .udp && wildcard && c_daytime_enable_packet_info(descriptor, family) == 0
    }

    /// A ``ServerError`` for a failed socket call, worded for the person who ran the server.
    static func failure(
        errno code: Int32,
        action: String,
        address: String,
        service: TimeProtocolKind,
        transport: Transport,
        givenHost: String?,
        portSetting: ServerSetting
    ) -> ServerError {
        let what = "cannot \(action) \(address) (\(service)/\(transport))"
        switch code {
        case EADDRINUSE:
            return ServerError(
                code: .addressInUse,
                description: "\(what): the address is already in use. Another server (inetd, another daytimed) "
                    + "is listening there: stop it, or pick another port with \(setting: portSetting).",
                address: address,
                systemError: code
            )
        case EACCES, EPERM:
            return ServerError(
                code: .permissionDenied,
                description: "\(what): permission denied. Ports below 1024 need privilege: run as root, grant "
                    + "the capability (setcap cap_net_bind_service=+ep PATH-TO-daytimed), or pick a port of "
                    + "1024 or more with \(setting: portSetting).",
                address: address,
                systemError: code
            )
        case EADDRNOTAVAIL:
            return ServerError(
                code: .addressNotAvailable,
                description: "\(what): \(givenHost ?? address) is not an address of this machine. Give one of "
                    + "its addresses with \(setting: .hosts) (see `ip -brief address`), or leave \(setting: .hosts) "
                    + "out to listen on all.",
                address: address,
                systemError: code
            )
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            return ServerError(
                code: .systemResource,
                description: "\(what): \(String(cString: strerror(code))). Raise the file-descriptor limit "
                    + "(ulimit -n, or LimitNOFILE= in the systemd unit) or free memory.",
                address: address,
                systemError: code
            )
        default:
            return ServerError(
                code: .systemResource,
                description: "\(what): \(String(cString: strerror(code))) (errno \(code)).",
                address: address,
                systemError: code
            )
        }
    }
}
