import CDaytimeLinux
import DaytimeCore

#if canImport(Glibc)
import Glibc
#endif

extension ListeningSocket {
    /// Wraps a socket this process inherited, already bound (by systemd, inetd or a parent process),
    /// so that the accept and datagram loops serve it exactly like one they bound themselves.
    ///
    /// The socket's type, family and address are read from the kernel (`SO_TYPE`, `SO_DOMAIN`,
    /// `getsockname`); a stream socket must be listening. The settings the loops rely on are
    /// applied here: blocking mode with a receive timeout (so an idle thread notices a stop),
    /// close-on-exec, and for UDP on a wildcard address the destination-address control messages.
    ///
    /// - Parameters:
    ///   - descriptor: the inherited descriptor; the ``DaytimeService`` that serves it closes it.
    ///   - service: what to answer on it; nil chooses by the well-known port (13 daytime, 37 time).
    /// - Throws: ``ServerError`` if the descriptor is not a bound IPv4 or IPv6 TCP listener or UDP
    ///   socket, or if `service` is nil and the port is not 13 or 37.
    public static func inherited(
        descriptor: Int32,
        service: TimeProtocolKind?
    ) throws(ServerError) -> ListeningSocket {
        try self.inherited(descriptor: descriptor, service: service, receiveTimeout: AcceptLoop.wakeInterval)
    }

    /// ``inherited(descriptor:service:)`` with the receive timeout of the loops chosen: inetd's
    /// `wait` datagram service uses its idle time here.
    static func inherited(
        descriptor fd: Int32,
        service: TimeProtocolKind?,
        receiveTimeout: timeval
    ) throws(ServerError) -> ListeningSocket {
        let kind = try Self.socketOption(fd, SO_TYPE, describing: "its type")
        let family = try Self.socketOption(fd, SO_DOMAIN, describing: "its address family")
        let transport: Transport
        switch kind {
        case Int32(SOCK_STREAM.rawValue): transport = .tcp
        case Int32(SOCK_DGRAM.rawValue): transport = .udp
        default:
            throw Self.inheritedFailure(fd, "is neither a stream (TCP) nor a datagram (UDP) socket")
        }
        guard family == AF_INET || family == AF_INET6 else {
            throw Self.inheritedFailure(fd, "is not an IPv4 or IPv6 socket (address family \(family))")
        }
        if transport == .tcp {
            guard try Self.socketOption(fd, SO_ACCEPTCONN, describing: "whether it listens") != 0 else {
                throw Self.inheritedFailure(
                    fd,
                    "is a TCP socket that is not listening: pass listening sockets (in a systemd .socket "
                        + "unit, Accept=no, the default), or use \(setting: .inetdService) for one connection on standard input"
                )
            }
        }
        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else {
            throw Self.inheritedFailure(fd, "has no local address: \(String(cString: strerror(errno)))")
        }
        let (host, port) = SocketAddressText.hostAndPort(&local)
        guard let service = service ?? TimeProtocolKind.allCases.first(where: { $0.defaultPort == port }) else {
            throw Self.inheritedFailure(
                fd,
                "(\(transport) \(SocketAddressText.describe(&local))) is on port \(port), which is neither "
                    + "daytime's 13 nor time's 37: name it (FileDescriptorName=daytime or FileDescriptorName=time "
                    + "in its systemd .socket unit), or listen on port 13 or 37"
            )
        }

        // The loops block in accept4/recvmmsg and wake on the receive timeout; a socket passed to
        // us may be non-blocking (systemd's are not, but a parent's may be) or inheritable.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 && flags & O_NONBLOCK != 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        var wake = receiveTimeout
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wake, socklen_t(MemoryLayout<timeval>.size))
        return ListeningSocket(
            service: service,
            transport: transport,
            host: host,
            port: port,
            descriptor: fd,
            family: family
        )
    }

    private static func socketOption(_ fd: Int32, _ option: Int32, describing what: String) throws(ServerError) -> Int32
    {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, option, &value, &length) == 0 else {
            let code = errno
            let reason =
                code == ENOTSOCK
                ? "is not a socket"
                : code == EBADF
                    ? "is not open"
                    : "cannot tell \(what): \(String(cString: strerror(code)))"
            throw Self.inheritedFailure(fd, SettingMessage(reason), systemError: code)
        }
        return value
    }

    private static func inheritedFailure(
        _ fd: Int32,
        _ reason: SettingMessage,
        systemError: Int32? = nil
    ) -> ServerError {
        ServerError(
            code: .invalidConfiguration,
            description: "inherited file descriptor \(fd) " + reason,
            systemError: systemError
        )
    }
}
