import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

@Suite("inetd mode: one connection, or a wait-mode datagram socket, then return")
struct InetdModeTests {
    static func configuration(deny: [String] = []) throws -> ServerConfiguration {
        ServerConfiguration(
            sourcePolicy: SourcePolicyConfiguration(deny: try deny.map { try AddressRange($0) }),
            timeZone: try TimeZoneRules(identifier: "UTC")
        )
    }

    @Test("nowait TCP: the accepted connection gets the answer and is closed", arguments: TimeProtocolKind.classic)
    func answersConnection(service: TimeProtocolKind) async throws {
        let listener = try PassedSocket.bound(SOCK_STREAM)
        defer { close(listener.fd) }
        let (answer, outcome) = try await offPool {
            let pair = try PassedSocket.connectedPair(listener: listener.fd, port: listener.port)
            defer { close(pair.client) }
            let outcome = try InetdMode.serve(
                descriptor: pair.server,
                service: service,
                configuration: try Self.configuration(),
                clock: FixedWallClock(seedInstant),
                logger: quietLogger()
            )
            // The server side is closed by serve: reading to the end returns.
            return (PassedSocket.readToEnd(pair.client), outcome)
        }
        switch service {
        case .daytime: #expect(String(decoding: answer, as: UTF8.self) == "Fri May  7 20:36:52 2021\r\n")
        case .time: #expect(answer == [0xE4, 0x40, 0x23, 0x64])
        case .ntp: Issue.record("--inetd serves Daytime and Time only")
        }
        #expect(outcome.answered(service, .tcp) == 1)
    }

    @Test("a denied peer's connection is closed without an answer")
    func deniedPeer() async throws {
        let listener = try PassedSocket.bound(SOCK_STREAM)
        defer { close(listener.fd) }
        let (answer, outcome) = try await offPool {
            let pair = try PassedSocket.connectedPair(listener: listener.fd, port: listener.port)
            defer { close(pair.client) }
            let outcome = try InetdMode.serve(
                descriptor: pair.server,
                service: .daytime,
                configuration: try Self.configuration(deny: ["127.0.0.0/8"]),
                logger: quietLogger()
            )
            return (PassedSocket.readToEnd(pair.client), outcome)
        }
        #expect(answer.isEmpty)
        #expect(outcome.refused[.accessList] == 1)
        #expect(outcome.answered(.daytime, .tcp) == 0)
    }

    @Test("wait UDP: every waiting datagram is answered, loop sources are not, then it returns when idle")
    func answersDatagramsThenIdles() async throws {
        let bound = try PassedSocket.bound(SOCK_DGRAM)
        defer { close(bound.fd) }
        let (answers, outcome, elapsed) = try await offPool {
            // Three clients send before the server runs, as inetd starts it on the first datagram.
            var clients: [Int32] = []
            defer { for fd in clients { close(fd) } }
            var target = try TestSocketAddress(host: "127.0.0.1", port: bound.port)
            // Source port 19 (chargen) on an address of its own: answering it could start a loop.
            for source in [("127.0.0.1", 0), ("127.0.0.1", 0), ("127.0.4.19", 19)] {
                let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
                var local = try TestSocketAddress(host: source.0, port: source.1)
                var one: Int32 = 1
                setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
                #expect(local.withSocketAddress { bind(fd, $0, $1) } == 0)
                #expect(target.withSocketAddress { sendto(fd, nil, 0, 0, $0, $1) } == 0)
                clients.append(fd)
            }
            let start = ContinuousClock.now
            let outcome = try InetdMode.serve(
                descriptor: bound.fd,
                service: .time,
                configuration: try Self.configuration(),
                idleTimeout: .milliseconds(300),
                clock: FixedWallClock(seedInstant),
                logger: quietLogger()
            )
            let elapsed = ContinuousClock.now - start
            var answers: [[UInt8]?] = []
            for fd in clients {
                var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var buffer = [UInt8](repeating: 0, count: 64)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                answers.append(n >= 0 ? Array(buffer[0..<n]) : nil)
            }
            return (answers, outcome, elapsed)
        }
        #expect(answers[0] == [0xE4, 0x40, 0x23, 0x64])
        #expect(answers[1] == [0xE4, 0x40, 0x23, 0x64])
        #expect(answers[2] == nil)
        #expect(outcome.answered(.time, .udp) == 2)
        #expect(outcome.refused[.blockedSourcePort] == 1)
        // It waited for the idle time after the last datagram, and not much longer.
        #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(5), "\(elapsed)")
    }

    @Test("standard input that is not a connection or a datagram socket: a clear error")
    func wrongDescriptor() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        let listener = try PassedSocket.bound(SOCK_STREAM)
        defer { for fd in pipeEnds + [listener.fd] { close(fd) } }
        func message(_ fd: Int32) -> String {
            do {
                _ = try InetdMode.serve(
                    descriptor: fd,
                    service: .daytime,
                    configuration: ServerConfiguration(),
                    logger: quietLogger()
                )
                return "served"
            } catch {
                return error.description
            }
        }
        let notSocket = message(pipeEnds[0])
        #expect(notSocket.contains("not a socket") && notSocket.contains("inetd.conf"), "\(notSocket)")
        let listening = message(listener.fd)
        #expect(listening.contains("nowait"), "\(listening)")
    }
}
