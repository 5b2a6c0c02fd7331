import DaytimeTestSupport
import Glibc

/// Sockets made the way a service manager or inetd makes them before passing them on: bound (and
/// listening, for TCP) by someone other than the server under test.
enum PassedSocket {
    /// A socket of `type` bound to `host:port` (numeric), listening if it is a stream socket.
    /// Returns the descriptor and the bound port.
    static func bound(_ type: __socket_type, host: String = "127.0.0.1", port: Int = 0) throws -> (fd: Int32, port: Int)
    {
        var address = try TestSocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSocketAddress({ bind(fd, $0, $1) }) == 0,
            type != SOCK_STREAM || listen(fd, 16) == 0
        else {
            let code = errno
            close(fd)
            throw TestFailure("bind \(host):\(port): errno \(code)")
        }
        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
        return (fd, Int(bound))
    }

    /// One accepted connection from a client connected to `listener`: (client side, server side).
    static func connectedPair(listener: Int32, port: Int) throws -> (client: Int32, server: Int32) {
        let client = try LoopbackClient.connect(host: "127.0.0.1", port: port)
        let server = accept(listener, nil, nil)
        guard server >= 0 else { throw TestFailure("accept: errno \(errno)") }
        return (client, server)
    }

    /// Every byte `fd` receives until the peer closes (or a 10 s receive timeout).
    static func readToEnd(_ fd: Int32) -> [UInt8] {
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { return received }
            received += chunk[0..<n]
        }
    }
}
