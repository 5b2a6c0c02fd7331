import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeSystem
import DaytimeTestSupport
import Foundation
import Glibc
import InMemoryLogging
import Logging
import Testing
import _DaytimeTesting

private let loopbackRanges = SourcePolicyConfiguration.loopback

private func proxyService(
    host: String,
    trusted: [AddressRange] = loopbackRanges,
    headerTimeout: Duration = .seconds(3),
    policy: SourcePolicyConfiguration = SourcePolicyConfiguration(),
    accessLog: AccessLogConfiguration? = nil,
    logger: Logger = quietLogger()
) throws -> DaytimeService {
    try DaytimeService(
        configuration: ServerConfiguration(
            hosts: [host],
            daytimePort: nil,
            timePort: nil,
            sourcePolicy: policy,
            timeZone: .utc,
            threads: 2,
            proxyProtocol: ProxyProtocolConfiguration(
                daytimePort: 0,
                timePort: 0,
                trusted: trusted,
                headerTimeout: headerTimeout
            ),
            accessLog: accessLog
        ),
        clock: FixedWallClock(seedInstant),
        logger: logger
    )
}

private let seedLine = Array("Fri May  7 20:36:52 2021\r\n".utf8)

@Suite("PROXY protocol listeners on loopback")
struct ProxyProtocolServiceTests {
    @Test(
        "v1 and v2 headers get the answer on IPv4 and IPv6; the log names the real client",
        arguments: ["127.0.0.1", "::1"]
    )
    func answersWithHeaders(host: String) async throws {
        let logs = InMemoryLogHandler()
        var logger = Logger(label: "test", factory: { _ in logs })
        logger.logLevel = .info
        let service = try proxyService(host: host, logger: logger)
        #expect(service.listeners.isEmpty)
        #expect(service.proxyListeners.allSatisfy { $0.description.hasSuffix("(PROXY protocol)") })
        let daytime = try #require(service.proxyPort(for: .daytime))
        let time = try #require(service.proxyPort(for: .time))
        let v2Block: [UInt8] = [198, 51, 100, 9, 127, 0, 0, 1, 0x1F, 0x90, 0, 37]
        let (line, value) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(
                    host: host,
                    port: daytime,
                    send: Array("PROXY TCP4 192.0.2.7 127.0.0.1 56324 13\r\n".utf8)
                ),
                try await LoopbackClient.fetch(
                    host: host,
                    port: time,
                    send: proxyV2(family: 0x11, block: v2Block)
                )
            )
        }
        #expect(line == seedLine)
        #expect(value == [0xE4, 0x40, 0x23, 0x64])
        let statistics = service.statistics.snapshot()
        #expect(statistics.answered(.daytime, .tcp) == 1 && statistics.answered(.time, .tcp) == 1)
        let messages = logs.entries.map(\.message.description)
        #expect(messages.contains("Got a connection from 192.0.2.7:56324"))
        #expect(messages.contains("Got a connection from 198.51.100.9:8080"))
    }

    @Test("a connection from outside the trusted ranges is closed without an answer, header or not")
    func untrustedSource() async throws {
        let service = try proxyService(host: "127.0.0.1", trusted: [try AddressRange("10.0.0.0/8")])
        let port = try #require(service.proxyPort(for: .daytime))
        let answer = try await withRunningService(service) {
            try await offPool {
                try LoopbackClient.fetch(
                    host: "127.0.0.1",
                    port: port,
                    send: Array("PROXY TCP4 192.0.2.7 127.0.0.1 56324 13\r\n".utf8),
                    untilReset: true
                )
            }
        }
        #expect(answer.isEmpty)
        #expect(service.statistics.snapshot().refused[.untrustedProxy] == 1)
    }

    @Test("the access list applies to the address in the header")
    func accessListOnHeaderAddress() async throws {
        let service = try proxyService(
            host: "127.0.0.1",
            policy: SourcePolicyConfiguration(deny: [try AddressRange("192.0.2.0/24")])
        )
        let port = try #require(service.proxyPort(for: .daytime))
        let (denied, allowed) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(
                    host: "127.0.0.1",
                    port: port,
                    send: Array("PROXY TCP4 192.0.2.7 127.0.0.1 56324 13\r\n".utf8)
                ),
                try await LoopbackClient.fetch(
                    host: "127.0.0.1",
                    port: port,
                    send: Array("PROXY TCP4 203.0.113.7 127.0.0.1 56324 13\r\n".utf8)
                )
            )
        }
        #expect(denied.isEmpty)
        #expect(allowed == seedLine)
        #expect(service.statistics.snapshot().refused[.accessList] == 1)
    }

    @Test("the access log names the client from the header as the peer and the balancer as the proxy")
    func accessLogShowsClient() async throws {
        try await withTemporaryDirectory("daytime-access") { directory in
            let path = directory.path + "/access.log"
            let service = try proxyService(
                host: "127.0.0.1",
                policy: SourcePolicyConfiguration(deny: [try AddressRange("192.0.2.0/24")]),
                accessLog: AccessLogConfiguration(destination: .file(path), format: .text)
            )
            let port = try #require(service.proxyPort(for: .daytime))
            try await withRunningService(service) {
                for client in ["203.0.113.7", "192.0.2.7"] {
                    _ = try await LoopbackClient.fetch(
                        host: "127.0.0.1",
                        port: port,
                        send: Array("PROXY TCP4 \(client) 127.0.0.1 56324 13\r\n".utf8)
                    )
                }
            }
            // run() has returned: the writer has written everything and closed the file.
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            let fields = lines.map { $0.split(separator: " ").map(String.init) }.sorted { $0[1] > $1[1] }
            #expect(fields.count == 2, "\(lines)")
            guard fields.count == 2 else { return }
            #expect(Array(fields[0][1...5]) == ["203.0.113.7:56324", "daytime", "tcp", "answered", "-"])
            #expect(Array(fields[1][1...5]) == ["192.0.2.7:56324", "daytime", "tcp", "refused", "access-list"])
            #expect(fields.allSatisfy { $0.count == 7 && $0[6].hasPrefix("127.0.0.1:") }, "\(lines)")
            // Counted like a plain port's answer: its bytes and one latency sample.
            let counted = service.statistics.snapshot()
            #expect(counted.bytesSent["daytime/tcp"] == seedLine.count)
            #expect(counted.latencyBuckets["daytime/tcp"]?.reduce(0, +) == 1)
        }
    }

    @Test("1,000 connections stalled halfway through their header do not delay a client, and close at the timeout")
    func stalledHeaders() async throws {
        let stalledCount = 1000
        let timeout = 8.0
        let service = try proxyService(host: "127.0.0.1", headerTimeout: .seconds(timeout))
        let port = try #require(service.proxyPort(for: .daytime))
        let result = try await withRunningService(service) {
            try await offPool {
                var stalled: [Int32] = []
                defer { for fd in stalled { close(fd) } }
                let half = Array("PROXY TCP4 192.0.2.7 127.0".utf8)
                let firstConnect = Date()
                for _ in 0..<stalledCount {
                    let fd = try LoopbackClient.connect(host: "127.0.0.1", port: port, timeoutSeconds: 30)
                    stalled.append(fd)
                    _ = half.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    // Spread over about two seconds, so that the timeouts are spread too and the
                    // test does not close 1,000 connections at once while other tests run.
                    usleep(2000)
                }
                // Every stalled connection is accepted and waiting before the client comes.
                let deadline = Date().addingTimeInterval(timeout)
                while service.pendingProxyConnections < stalledCount && Date() < deadline { usleep(1000) }
                let start = Date()
                let answer = try LoopbackClient.fetch(
                    host: "127.0.0.1",
                    port: port,
                    send: Array("PROXY TCP4 203.0.113.7 127.0.0.1 56324 13\r\n".utf8)
                )
                let answerSeconds = Date().timeIntervalSince(start)
                let pending = service.pendingProxyConnections
                // Now each stalled one must be closed by the server, without a byte of answer.
                var closed = 0
                var firstClosed: Double?
                for fd in stalled {
                    var byte: UInt8 = 0
                    let n = recv(fd, &byte, 1, 0)
                    if n == 0 || (n < 0 && errno == ECONNRESET) { closed += 1 }
                    if firstClosed == nil { firstClosed = Date().timeIntervalSince(firstConnect) }
                    close(fd)
                }
                stalled = []
                return (answer, answerSeconds, pending, closed, firstClosed ?? 0)
            }
        }
        let (answer, answerSeconds, pendingAtAnswer, closed, firstClosedAfter) = result
        #expect(answer == seedLine)
        #expect(pendingAtAnswer == stalledCount)
        // Before the header timeout: the client did not wait behind the stalled ones (which the
        // pending count at the answer shows too); how far before depends on the machine's load.
        #expect(answerSeconds < timeout)
        #expect(closed == stalledCount)
        // Not before the timeout (the first stalled connection is the first to go).
        #expect(firstClosedAfter >= timeout - 0.1)
        #expect(service.statistics.snapshot().refused[.proxyHeaderTimeout] == stalledCount)
        #expect(service.pendingProxyConnections == 0)
    }

    @Test("configuration errors: a proxy port without trusted ranges, a zero timeout")
    func configurationErrors() {
        let untrusted = #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(
                    daytimePort: nil,
                    timePort: nil,
                    proxyProtocol: ProxyProtocolConfiguration(daytimePort: 0)
                ),
                logger: quietLogger()
            )
        }
        #expect(untrusted?.setting == .proxyTrusted)
        #expect(untrusted?.description.contains("needs proxyProtocol.trusted") == true)
        #expect(untrusted?.description(naming: { "<\($0)>" }).contains("needs <proxyProtocol.trusted>") == true)
        let timeout = #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(
                    daytimePort: nil,
                    timePort: nil,
                    proxyProtocol: ProxyProtocolConfiguration(
                        daytimePort: 0,
                        trusted: loopbackRanges,
                        headerTimeout: .zero
                    )
                ),
                logger: quietLogger()
            )
        }
        #expect(timeout?.setting == .proxyHeaderTimeout)
    }

    @Test("PROXY ports with passed sockets (socket activation) are refused, not silently left out")
    func proxyPortsWithPassedSockets() {
        let error = #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(
                    proxyProtocol: ProxyProtocolConfiguration(daytimePort: 1313, trusted: loopbackRanges)
                ),
                listeners: [],
                logger: quietLogger()
            )
        }
        #expect(error?.description.contains("socket activation") == true)
    }

    @Test("SO_REUSEPORT: with --reuse-port two services share a port; without it, the second fails")
    func reusePort() throws {
        func service(port: Int, reusePort: Bool) throws -> DaytimeService {
            try DaytimeService(
                configuration: ServerConfiguration(
                    hosts: ["127.0.0.1"],
                    daytimePort: port,
                    timePort: nil,
                    reusePort: reusePort
                ),
                logger: quietLogger()
            )
        }
        let first = try service(port: 0, reusePort: true)
        let port = try #require(first.port(for: .daytime))
        let second = try service(port: port, reusePort: true)
        #expect(second.port(for: .daytime) == port)
        let error = #expect(throws: ServerError.self) { try service(port: port, reusePort: false) }
        #expect(error?.code == .addressInUse)
    }

    @Test("a PROXY port in use is reported with its own setting")
    func proxyPortInUse() throws {
        let (fd, port) = try LoopbackClient.occupyPort()
        defer { close(fd) }
        let error = #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(
                    hosts: ["127.0.0.1"],
                    daytimePort: nil,
                    timePort: nil,
                    proxyProtocol: ProxyProtocolConfiguration(daytimePort: port, trusted: loopbackRanges)
                ),
                logger: quietLogger()
            )
        }
        #expect(error?.code == .addressInUse)
        #expect(error?.setting == .proxyPort(for: .daytime))
        #expect(error?.address == "127.0.0.1:\(port)")
        #expect(error?.description.hasSuffix("pick another port with proxyProtocol.daytimePort.") == true)
    }

    @Test("every descriptor listening on the service's ports is close-on-exec, the PROXY ports' too")
    func listenersCloseOnExec() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                timeZone: .utc,
                threads: 1,
                proxyProtocol: ProxyProtocolConfiguration(daytimePort: 0, timePort: 0, trusted: loopbackRanges)
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let bound = (service.listeners + service.proxyListeners).map { "\($0.transport) \($0.port)" }
        let found = try await withRunningService(service) { listeningDescriptors(Set(bound)) }
        // Daytime TCP and UDP, and the two PROXY ports, each once: nothing serves a copy.
        #expect(found.count == 4, "\(found)")
        let inheritable = found.filter { !$0.closeOnExec }
        #expect(inheritable.isEmpty, "a child process would inherit \(inheritable)")
    }
}

/// This process's listening TCP sockets and UDP sockets on 127.0.0.1 whose transport and port
/// (`"tcp 1313"`) are among `wanted`, and whether each is close-on-exec.
private func listeningDescriptors(_ wanted: Set<String>) -> [(fd: Int32, socket: String, closeOnExec: Bool)] {
    var found: [(fd: Int32, socket: String, closeOnExec: Bool)] = []
    for name in directoryEntries("/proc/self/fd") ?? [] {
        guard let fd = Int32(name) else { continue }
        var local = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0, local.sin_family == sa_family_t(AF_INET),
            local.sin_addr.s_addr == UInt32(0x7F00_0001).bigEndian
        else { continue }
        let port = UInt16(bigEndian: local.sin_port)
        var type: Int32 = 0
        var listening: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size)
        size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size)
        // Accepted connections share the port; only the listeners and the UDP socket count.
        let socket = type == Int32(SOCK_DGRAM.rawValue) ? "udp \(port)" : listening != 0 ? "tcp \(port)" : ""
        if wanted.contains(socket) { found.append((fd, socket, fcntl(fd, F_GETFD) & FD_CLOEXEC != 0)) }
    }
    return found
}
