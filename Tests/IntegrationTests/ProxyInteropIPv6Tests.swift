import DaytimeTestSupport
import Foundation
import Testing

// HAProxy over ::1: the PROXY v2 header then carries TCP6 addresses, decoded on the wire only here
// (the unit and handler tests build theirs by hand).
extension ProxyInteropTests {
    @Test("HAProxy send-proxy-v2 over [::1]: the client's own IPv6 address and port in daytimed's log")
    func haproxyIPv6() async throws {
        let haproxy = try Processes.tool("haproxy", package: "haproxy")
        let daytimed = try BackgroundProcess(
            try Processes.product("daytimed"),
            [
                "--host", "::1", "--daytime-port", "off", "--time-port", "off", "--daytime-proxy-port", "0",
                "--proxy-trusted", "::1/128", "--log-level", "info", "--timezone", "UTC",
            ]
        )
        defer { daytimed.stop(signal: SIGKILL) }
        let port = try await Self.proxyPort(of: daytimed)
        let frontendPort = try IPv6Loopback.freePort()
        let directory = try TemporaryDirectory("haproxy6")
        defer { directory.remove() }
        let configuration = directory.url.appendingPathComponent("haproxy.cfg")
        // HAProxy reads the part after the last colon as the port.
        try BalancerConfiguration.haproxy(
            listen: "::1:\(frontendPort)",
            servers: ["::1:\(port)"],
            sendProxy: "send-proxy-v2"
        ).write(to: configuration, atomically: true, encoding: .utf8)
        let check = try await Processes.run(haproxy, ["-c", "-f", configuration.path])
        #expect(check.status == 0, "haproxy -c: \(check.standardOutput) \(check.standardError)")
        let balancer = try BackgroundProcess(haproxy, ["-db", "-f", configuration.path])
        defer { balancer.stop(signal: SIGKILL) }

        // The client's own port, which only a decoded header can tell daytimed (HAProxy connects
        // from ports of its own).
        let (answer, clientPort) = try await offPool {
            let deadline = Date().addingTimeInterval(15)
            while true {
                if let result = try? IPv6Loopback.fetch(port: frontendPort), !result.answer.isEmpty { return result }
                guard Date() < deadline, balancer.isRunning else {
                    throw TestFailure(
                        "no answer through haproxy on [::1]:\(frontendPort): \(balancer.standardError)"
                    )
                }
                usleep(50_000)
            }
        }
        #expect(answer.count == 26 && answer.suffix(2) == [0x0D, 0x0A], "\(answer)")
        let expected = "Got a connection from [::1]:\(clientPort)"
        try await Self.waitForLogs([daytimed], containing: [expected])
        #expect(daytimed.standardError.contains(expected), "\(daytimed.standardError)")
        #expect(daytimed.standardError.contains("proxy-header=v2"))
        #expect(daytimed.standardError.contains("proxy=[::1]:"))
        #expect(!daytimed.standardError.contains("untrusted-proxy"), "\(daytimed.standardError)")
    }
}

/// Blocking TCP over ::1 for the IPv6 interop test.
enum IPv6Loopback {
    static func address(port: Int) -> sockaddr_in6 {
        var sin6 = sockaddr_in6()
        sin6.sin6_family = sa_family_t(AF_INET6)
        sin6.sin6_port = UInt16(port).bigEndian
        sin6.sin6_addr = in6addr_loopback
        return sin6
    }

    /// A TCP port free on ::1 (bound and released; the balancer takes it right after).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var sin6 = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let ok = withUnsafeMutablePointer(to: &sin6) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else { throw TestFailure("no free port on ::1: errno \(errno)") }
        return Int(UInt16(bigEndian: sin6.sin6_port))
    }

    /// Connects to [::1]:`port` and returns what arrives until the peer closes, and the local port.
    static func fetch(port: Int) throws -> (answer: [UInt8], localPort: Int) {
        let fd = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var remote = address(port: port)
        var local = address(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let connected = withUnsafePointer(to: &remote) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else { throw TestFailure("connect [::1]:\(port): errno \(errno)") }
        _ = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                received += chunk[0..<n]
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return (received, Int(UInt16(bigEndian: local.sin6_port)))
            }
        }
    }
}
