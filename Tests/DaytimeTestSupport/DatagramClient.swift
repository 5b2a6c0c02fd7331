import Glibc

/// A plain blocking UDP client for tests, sharing no code with the server or DaytimeClient.
public enum DatagramClient {
    /// Sends one datagram to `host:port`, from `sourcePort` if given (0: any) on `sourceHost` (nil:
    /// the wildcard), and returns the answer, or nil if none arrives within `timeoutMilliseconds`.
    /// A fixed `sourcePort` wants a `sourceHost` no other test uses: the socket is bound with
    /// SO_REUSEADDR, and two on one wildcard port may each receive the other's answer.
    public static func exchange(
        host: String,
        port: Int,
        sourcePort: Int = 0,
        sourceHost: String? = nil,
        payload: [UInt8] = [],
        timeoutMilliseconds: Int = 5000
    ) throws -> [UInt8]? {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var remote = try TestSocketAddress(host: host, port: port)
        var local = try TestSocketAddress(host: sourceHost, port: sourcePort, family: remote.family)
        let bound = local.withSocketAddress { bind(fd, $0, $1) }
        guard bound == 0 else {
            throw TestFailure("cannot bind UDP source port \(sourcePort): errno \(errno)")
        }
        let sent = payload.withUnsafeBytes { bytes in
            remote.withSocketAddress { sendto(fd, bytes.baseAddress, bytes.count, 0, $0, $1) }
        }
        guard sent == payload.count else { throw TestFailure("sendto: errno \(errno)") }
        var answer = [UInt8](repeating: 0, count: 2048)
        let n = answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK { return nil }
            throw TestFailure("recv: errno \(errno)")
        }
        return Array(answer[0..<n])
    }
}

extension DatagramClient {
    /// Sends one empty datagram to `127.0.0.1:port` from each of `count` distinct loopback source
    /// addresses (127.1.0.0 upwards; every 127.x.y.z is this machine's), without waiting for answers.
    public static func flood(port: Int, distinctSources count: Int) throws {
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, "127.0.0.1", &target.sin_addr)
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        for i in 0..<count {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
            var source = sockaddr_in()
            source.sin_family = sa_family_t(AF_INET)
            source.sin_addr.s_addr = (UInt32(127) << 24 | UInt32(1) << 16 | UInt32(i)).bigEndian
            let ok = withUnsafePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
            }
            if ok == 0 {
                _ = withUnsafePointer(to: &target) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, nil, 0, 0, $0, length) }
                }
            }
            close(fd)
        }
    }
}

extension DatagramClient {
    /// Sends `count` empty datagrams from one socket on `sourceHost`, then counts the answers until
    /// none has come for `quietMilliseconds`.
    public static func burst(
        host: String,
        port: Int,
        sourceHost: String,
        count: Int,
        quietMilliseconds: Int = 500
    ) throws -> Int {
        let fd = try self.sendBurst(host: host, port: port, sourceHost: sourceHost, count: count)
        defer { close(fd) }
        return self.countAnswers(on: fd, quietMilliseconds: quietMilliseconds)
    }

    /// Sends `count` empty datagrams from a new socket on `sourceHost` and returns the socket, whose
    /// answers ``countAnswers(on:quietMilliseconds:)`` counts; the caller closes it.
    public static func sendBurst(host: String, port: Int, sourceHost: String, count: Int) throws -> Int32 {
        var source = try TestSocketAddress(host: sourceHost, port: 0)
        var target = try TestSocketAddress(host: host, port: port)
        let fd = socket(source.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        let bound = source.withSocketAddress { bind(fd, $0, $1) }
        guard bound == 0 else {
            close(fd)
            throw TestFailure("bind \(sourceHost): errno \(errno)")
        }
        for _ in 0..<count {
            _ = target.withSocketAddress { sendto(fd, nil, 0, 0, $0, $1) }
        }
        return fd
    }

    /// Counts the datagrams arriving on `fd` until none has come for `quietMilliseconds`.
    public static func countAnswers(on fd: Int32, quietMilliseconds: Int = 500) -> Int {
        var timeout = timeval(tv_sec: quietMilliseconds / 1000, tv_usec: (quietMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var answers = 0
        var buffer = [UInt8](repeating: 0, count: 256)
        while buffer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, 0) }) > 0 { answers += 1 }
        return answers
    }
}

extension DatagramClient {
    /// Like rdate -u: a UDP socket *connected* to `host:port`, so the kernel delivers only answers
    /// whose source is exactly that address. Returns the answer, or nil after the timeout.
    public static func connectedExchange(host: String, port: Int, timeoutMilliseconds: Int = 5000) throws -> [UInt8]? {
        let v6 = host.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var target = try TestSocketAddress(host: host, port: port)
        let connected = target.withSocketAddress { connect(fd, $0, $1) }
        guard connected == 0 else { throw TestFailure("connect: errno \(errno)") }
        guard send(fd, nil, 0, 0) == 0 else { throw TestFailure("send: errno \(errno)") }
        var answer = [UInt8](repeating: 0, count: 256)
        let n = answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        return n < 0 ? nil : Array(answer[0..<n])
    }
}
