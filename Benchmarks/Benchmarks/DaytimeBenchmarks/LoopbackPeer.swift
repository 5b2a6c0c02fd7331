#if canImport(Glibc)
import Glibc
#endif

/// The client side of the server benchmarks: plain blocking Glibc sockets and caller-owned buffers,
/// so that every allocation the harness counts during an exchange is the server's (or the harness's
/// own), never the client's.
enum LoopbackPeer {
    /// `127.0.0.1:port`.
    static func address(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// One TCP exchange: connect, read until the server closes, close. Returns the number of bytes
    /// read into `buffer`, or -1 (with `errno` set) if a call failed.
    static func fetchOverTCP(_ address: inout sockaddr_in, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return -1 }
        var total = 0
        while total < buffer.count {
            let n = recv(fd, buffer.baseAddress! + total, buffer.count - total, 0)
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                return -1
            }
            total += n
        }
        return total
    }

    /// A UDP socket connected to `address`, with a receive timeout so that a lost answer fails the
    /// benchmark instead of hanging it. Returns -1 (with `errno` set) if a call failed.
    static func connectedDatagramSocket(to address: inout sockaddr_in) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            return -1
        }
        return fd
    }

    /// One UDP exchange on a connected socket: a one-byte datagram out, the answer into `buffer`.
    /// Returns the answer's length, or -1 (with `errno` set) if a call failed or timed out.
    static func exchangeOverUDP(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var request: UInt8 = 0x0A
        guard send(fd, &request, 1, 0) == 1 else { return -1 }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    /// One SNTP exchange on a connected socket: a 48-byte client request out (version 4, mode 3),
    /// the answer into `buffer`. Returns the answer's length, or -1 (with `errno` set).
    static func exchangeOverNTP(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var request: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &request) { $0[0] = 4 << 3 | 3 }
        guard send(fd, &request, 48, 0) == 48 else { return -1 }
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }
}
