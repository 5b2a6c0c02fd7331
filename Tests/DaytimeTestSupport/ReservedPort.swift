import Glibc

/// A TCP port that is bound but not listening: connections to it are refused, and no other test
/// can take it while this value holds it (a port merely closed again could be handed to the next
/// test that binds port 0).
public struct ReservedPort: ~Copyable {
    /// The bound socket.
    public let descriptor: Int32
    /// The port it holds.
    public let port: Int

    /// Binds a socket to `port` (0: one the kernel picks) on numeric `host` without listening;
    /// nil if that port is taken.
    public init?(host: String, port wanted: Int) {
        guard var address = try? TestSocketAddress(host: host, port: wanted) else { return nil }
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0, (try? address.bind(fd)) != nil else {
            if fd >= 0 { close(fd) }
            return nil
        }
        self.descriptor = fd
        self.port = address.port
    }

    /// Binds a socket to a port the kernel picks on numeric `host`, without listening.
    public init(host: String) throws(TestFailure) {
        var address = try TestSocketAddress(host: host, port: 0)
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        do {
            try address.bind(fd)
        } catch {
            close(fd)
            throw error
        }
        self.descriptor = fd
        self.port = address.port
    }

    /// A port on `127.0.0.1` that is free now and lies below the kernel's ephemeral range
    /// (32768 and up), so that no test server binding port 0 can be handed it in the meantime;
    /// for a peer that must bind the port itself.
    public static func freeFixedPort() -> Int {
        while true {
            if let probe = ReservedPort(host: "127.0.0.1", port: Int.random(in: 20_000..<30_000)) {
                return probe.port
            }
        }
    }

    deinit {
        close(self.descriptor)
    }
}
