import Glibc

/// A deliberately plain blocking TCP client for tests: connect, send, read to EOF, close. It shares
/// no code with DaytimeClient, so a server test cannot pass because both sides share a bug.
public enum LoopbackClient {
    /// ``fetch(host:port:from:send:timeoutSeconds:untilReset:)`` off the cooperative pool, which
    /// has only as many threads as cores and also runs the service under test.
    public static func fetch(
        host: String,
        port: Int,
        from source: String? = nil,
        send payload: [UInt8] = [],
        untilReset: Bool = false
    ) async throws -> [UInt8] {
        try await offPool {
            try self.fetch(
                host: host,
                port: port,
                from: source,
                send: payload,
                timeoutSeconds: 10,
                untilReset: untilReset
            )
        }
    }

    /// Connects to `host:port` (numeric IPv4 or IPv6) from `source` (any address if nil),
    /// optionally sends `payload`, and returns every byte received until the server closes. Blocks.
    /// With `untilReset`, a reset after some bytes ends the read like a close does.
    public static func fetch(
        host: String,
        port: Int,
        from source: String? = nil,
        send payload: [UInt8] = [],
        timeoutSeconds: Int = 10,
        untilReset: Bool = false
    ) throws -> [UInt8] {
        let fd = try self.connect(host: host, port: port, from: source, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        if !payload.isEmpty {
            _ = payload.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        return try self.readToEnd(fd, untilReset: untilReset, peer: "\(host):\(port)")
    }

    /// ``fetch(host:port:from:send:timeoutSeconds:untilReset:)``'s answer as text.
    public static func line(host: String = "127.0.0.1", port: Int) throws -> String {
        String(decoding: try self.fetch(host: host, port: port), as: UTF8.self)
    }

    /// Every byte on connected `fd` until the peer closes (or resets, with `untilReset`); a
    /// receive timeout is an error. Blocks; does not close `fd`.
    public static func readToEnd(_ fd: Int32, untilReset: Bool = false, peer: String = "peer") throws -> [UInt8] {
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return received }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET && untilReset { return received }
                throw TestFailure("recv from \(peer): errno \(errno)")
            }
            received += chunk[0..<n]
        }
    }

    /// Everything on connected `fd` until the peer closes, resets, or the receive timeout passes,
    /// as text (whatever came before an error); closes `fd`. Blocks.
    public static func readTextAndClose(_ fd: Int32) -> String {
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return String(decoding: bytes, as: UTF8.self) }
            bytes += chunk[0..<n]
        }
    }

    /// A TCP socket connected to `host:port` from `source` (any address if nil), with receive and
    /// send timeouts of `timeoutSeconds`. The caller closes it.
    public static func connect(
        host: String,
        port: Int,
        from source: String? = nil,
        timeoutSeconds: Int = 10
    ) throws -> Int32 {
        var address = try TestSocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        do {
            if let source {
                var local = try TestSocketAddress(host: source, port: 0, family: address.family)
                try local.bind(fd)
            }
            let status = address.withSocketAddress { Glibc.connect(fd, $0, $1) }
            guard status == 0 else { throw TestFailure("connect to \(host):\(port): errno \(errno)") }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    /// Whether `host:port` accepts a TCP connection now.
    public static func accepts(host: String, port: Int) -> Bool {
        guard let fd = try? self.connect(host: host, port: port) else { return false }
        close(fd)
        return true
    }

    /// Binds a TCP socket on `host` port 0 and listens, to occupy a port; returns (fd, port). The
    /// caller closes `fd`.
    public static func occupyPort(host: String = "127.0.0.1") throws -> (fd: Int32, port: Int) {
        var address = try TestSocketAddress(host: host, port: 0)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        do {
            try address.bind(fd)
            guard listen(fd, 1) == 0 else { throw TestFailure("listen: errno \(errno)") }
        } catch {
            close(fd)
            throw error
        }
        return (fd, address.port)
    }
}
