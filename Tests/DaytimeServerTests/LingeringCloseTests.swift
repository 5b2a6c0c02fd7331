import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

/// Clients that send something before they read (a request line, an HTTP request): with
/// ``ServerConfiguration/lingeringClose`` they get the line and a FIN, never a reset.
@Suite("lingering close for clients that speak first")
struct LingeringCloseTests {
    /// What a client that sends `request` first, then reads to the end, got.
    enum Fate: Equatable, Sendable {
        case line(String)
        case reset
        case failed(String)
    }

    /// Connects, sends `request`, then reads until the server's FIN (or a reset, or 5 s).
    static func speakFirst(port: Int, request: [UInt8]) -> Fate {
        exchange(port: port, parts: [request], afterAnswer: nil)
    }

    /// Connects to a PROXY port, sends half a v1 header, waits (so the accepting thread hands the
    /// connection to SwiftNIO), sends the rest (a loopback client: no rate limit), reads the line,
    /// then sends `request` and reads on until the server's FIN (or a reset): a client behind a
    /// balancer that speaks once answered.
    static func speakAfterAnswer(proxyPort port: Int, request: [UInt8]) -> Fate {
        let header = Array("PROXY TCP4 127.0.0.9 127.0.0.1 40000 13\r\n".utf8)
        return exchange(port: port, parts: [Array(header[..<10]), Array(header[10...])], afterAnswer: request)
    }

    /// Connects to loopback, sends `parts` 30 ms apart, reads until the server's FIN (or a reset,
    /// or 5 s), and sends `afterAnswer` once a whole line has come.
    static func exchange(port: Int, parts: [[UInt8]], afterAnswer: [UInt8]?) -> Fate {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return .failed("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return .failed("connect: errno \(errno)") }
        for (index, part) in parts.enumerated() {
            if index > 0 { usleep(30_000) }
            guard send(fd, part, part.count, Int32(MSG_NOSIGNAL)) == part.count else {
                return .failed("send: errno \(errno)")
            }
        }
        var afterAnswer = afterAnswer
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 128)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                bytes += chunk[0..<n]
            } else if n == 0 {
                return .line(String(decoding: bytes, as: UTF8.self))
            } else if errno == ECONNRESET {
                return .reset
            } else {
                return .failed("recv: errno \(errno) after \(bytes.count) bytes")
            }
            if let request = afterAnswer, bytes.last == UInt8(ascii: "\n") {
                afterAnswer = nil
                guard send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return .reset }
            }
        }
    }

    @Test("200 clients that send a request first each get the whole line and a FIN, none a reset")
    func speakFirstClientsGetNoReset() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                daytimeTransports: .tcp,
                timeZone: .utc,
                threads: 2,
                lingeringClose: .seconds(2)
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let fates = try await withRunningService(service) {
            await withTaskGroup(of: [Fate].self) { group in
                for client in 0..<4 {
                    group.addTask {
                        (0..<50).map { i in
                            Self.speakFirst(port: port, request: Array("GET /\(client)/\(i) HTTP/1.0\r\n\r\n".utf8))
                        }
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(fates.count == 200)
        let expected = Fate.line("Fri May  7 20:36:52 2021\r\n")
        let other = fates.filter { $0 != expected }
        #expect(other.isEmpty, "\(other.count) of 200 did not get the line and a FIN: \(other.prefix(3))")
    }

    @Test("the FIN goes out with the answer: a client that keeps its side open sees the end at once")
    func finWithTheAnswer() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: 0,
                timePort: nil,
                daytimeTransports: .tcp,
                timeZone: .utc,
                threads: 1,
                lingeringClose: .seconds(30)
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.port(for: .daytime))
        let (fate, elapsed) = try await withRunningService(service) {
            let started = ContinuousClock.now
            let fate = Self.speakFirst(port: port, request: Array("hello\r\n".utf8))
            return (fate, ContinuousClock.now - started)
        }
        #expect(fate == .line("Fri May  7 20:36:52 2021\r\n"))
        // Far below the 30 s linger: the client did not wait for the server's close.
        #expect(elapsed < .seconds(5))
    }

    @Test("on a PROXY port, a connection whose header came in two parts (SwiftNIO's path) lingers too")
    func proxyConnectionsLinger() async throws {
        let service = try DaytimeService(
            configuration: ServerConfiguration(
                hosts: ["127.0.0.1"],
                daytimePort: nil,
                timePort: nil,
                timeZone: .utc,
                threads: 2,
                proxyProtocol: ProxyProtocolConfiguration(
                    daytimePort: 0,
                    timePort: nil,
                    trusted: SourcePolicyConfiguration.loopback
                ),
                lingeringClose: .seconds(2)
            ),
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let port = try #require(service.proxyPort(for: .daytime))
        let fates = try await withRunningService(service) {
            await withTaskGroup(of: [Fate].self) { group in
                for client in 0..<4 {
                    group.addTask {
                        (0..<10).map { i in
                            Self.speakAfterAnswer(proxyPort: port, request: Array("GET /\(client)/\(i)\r\n".utf8))
                        }
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
        }
        #expect(fates.count == 40)
        let expected = Fate.line("Fri May  7 20:36:52 2021\r\n")
        let other = fates.filter { $0 != expected }
        #expect(other.isEmpty, "\(other.count) of 40 did not get the line and a FIN: \(other.prefix(3))")
    }

    @Test("a linger of 0 or over an hour is a configuration error that names the setting")
    func invalidLinger() {
        for linger in [Duration.zero, .seconds(3601)] {
            let error = #expect(throws: ServerError.self) {
                try DaytimeService(
                    configuration: ServerConfiguration(
                        hosts: ["127.0.0.1"],
                        daytimePort: 0,
                        timePort: nil,
                        lingeringClose: linger
                    ),
                    logger: quietLogger()
                )
            }
            #expect(error?.code == .invalidConfiguration)
            #expect(error?.setting == .lingeringClose)
        }
    }
}
