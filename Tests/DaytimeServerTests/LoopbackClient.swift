import Foundation
import Glibc

/// A deliberately plain blocking client for tests: connect, read to EOF, close. It shares no code
/// with DaytimeClient, so a server test cannot pass because both sides share a bug.
enum LoopbackClient {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// ``fetch(host:port:send:timeoutSeconds:)`` on a Dispatch thread: blocking calls must stay
    /// off Swift's cooperative pool, which has only as many threads as cores and also runs the
    /// service under test.
    static func fetch(host: String, port: Int, send payload: [UInt8] = []) async throws -> [UInt8] {
        try await self.offPool { try self.fetch(host: host, port: port, send: payload, timeoutSeconds: 10) }
    }

    /// Runs blocking `work` on a Dispatch thread and returns its result.
    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        // A thread of its own: Dispatch's global queue, like the cooperative pool, runs only about
        // one blocked job per core, and these jobs block for as long as a peer takes.
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Swift.Result { try work() }) }
        }
    }

    /// Connects to `host:port` (numeric IPv4 or IPv6), optionally sends `payload`, and returns
    /// every byte received until the server closes. Blocks. With `untilReset`, a reset after some
    /// bytes ends the read like a close does, and the bytes are returned.
    static func fetch(
        host: String,
        port: Int,
        send payload: [UInt8] = [],
        timeoutSeconds: Int = 10,
        untilReset: Bool = false
    ) throws -> [UInt8] {
        let fd = try self.connect(host: host, port: port, timeoutSeconds: timeoutSeconds)
        defer { close(fd) }
        if !payload.isEmpty {
            _ = payload.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return received }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == ECONNRESET && untilReset { return received }
                throw Failure(description: "recv from \(host):\(port): errno \(errno)")
            }
            received += chunk[0..<n]
        }
    }

    static func connect(host: String, port: Int, timeoutSeconds: Int = 10) throws -> Int32 {
        var address = try TestSocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let status = address.withSocketAddress { Glibc.connect(fd, $0, $1) }
        guard status == 0 else {
            let code = errno
            close(fd)
            throw Failure(description: "connect to \(host):\(port): errno \(code)")
        }
        return fd
    }

    /// Binds a TCP socket on `host` port 0 and listens, to occupy a port; returns (fd, port).
    static func occupyPort(host: String = "127.0.0.1") throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, host, &sin.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw Failure(description: "cannot occupy a port: errno \(errno)") }
        return (fd, Int(UInt16(bigEndian: sin.sin_port)))
    }
}
