import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Glibc
import Testing
import _DaytimeTesting

@Suite("socket activation: the LISTEN_* protocol and inherited sockets")
struct SocketActivationTests {
    @Test("LISTEN_FDS for this process: descriptors from 3, with their LISTEN_FDNAMES")
    func passedDescriptors() throws {
        let passed = try SocketActivation.passedDescriptors(
            environment: ["LISTEN_PID": "4242", "LISTEN_FDS": "3", "LISTEN_FDNAMES": "daytime:time:"],
            processID: 4242
        )
        #expect(
            passed == [
                .init(descriptor: 3, name: "daytime"), .init(descriptor: 4, name: "time"),
                .init(descriptor: 5, name: nil),
            ]
        )
        #expect(SocketActivation.service(named: "daytime") == .daytime)
        #expect(SocketActivation.service(named: "time") == .time)
        #expect(SocketActivation.service(named: "daytimed.socket") == nil)
    }

    @Test("variables meant for another process, or missing, mean no socket activation (as sd_listen_fds)")
    func notForThisProcess() throws {
        #expect(try SocketActivation.passedDescriptors(environment: [:], processID: 7) == nil)
        #expect(try SocketActivation.passedDescriptors(environment: ["LISTEN_FDS": "2"], processID: 7) == nil)
        #expect(
            try SocketActivation.passedDescriptors(environment: ["LISTEN_PID": "8", "LISTEN_FDS": "2"], processID: 7)
                == nil
        )
    }

    @Test(
        "malformed variables for this process are an error that says what to do",
        arguments: [
            ["LISTEN_PID": "seven", "LISTEN_FDS": "1"],
            ["LISTEN_PID": "7", "LISTEN_FDS": "-1"],
            ["LISTEN_PID": "7", "LISTEN_FDS": "2", "LISTEN_FDNAMES": "daytime"],
        ]
    )
    func malformed(environment: [String: String]) {
        #expect {
            try SocketActivation.passedDescriptors(environment: environment, processID: 7)
        } throws: { error in
            let text = "\(error)"
            return text.contains("socket activation") && text.contains("systemd")
        }
    }

    @Test("passed TCP and UDP sockets are served, the service chosen by name or by well-known port")
    func servesInheritedSockets() async throws {
        let tcp = try PassedSocket.bound(SOCK_STREAM)
        let udp = try PassedSocket.bound(SOCK_DGRAM)
        // Passed sockets may come non-blocking; the loops need them blocking with a timeout.
        _ = fcntl(tcp.fd, F_SETFL, fcntl(tcp.fd, F_GETFL) | O_NONBLOCK)
        let listeners = [
            try ListeningSocket.inherited(descriptor: tcp.fd, service: .daytime),
            try ListeningSocket.inherited(descriptor: udp.fd, service: .time),
        ]
        #expect(
            listeners.map(\.description) == ["daytime/tcp 127.0.0.1:\(tcp.port)", "time/udp 127.0.0.1:\(udp.port)"]
        )
        let service = try DaytimeService(
            configuration: ServerConfiguration(daytimePort: nil, timePort: nil, threads: 2),
            listeners: listeners,
            clock: FixedWallClock(seedInstant),
            logger: quietLogger()
        )
        let (line, time) = try await withRunningService(service) {
            (
                try await LoopbackClient.fetch(host: "127.0.0.1", port: tcp.port),
                try await offPool { try DatagramClient.exchange(host: "127.0.0.1", port: udp.port) }
            )
        }
        #expect(String(decoding: line, as: UTF8.self) == "Fri May  7 20:36:52 2021\r\n")
        #expect(time == [0xE4, 0x40, 0x23, 0x64])
        #expect(service.statistics.snapshot().answered(.time, .udp) == 1)
    }

    @Test("a socket on port 13 is daytime and on 37 time, without a name")
    func wellKnownPorts() throws {
        // Root binds ports below 1024 (the tests run as root); an address of its own avoids clashes.
        let daytime = try PassedSocket.bound(SOCK_DGRAM, host: "127.0.4.21", port: 13)
        let time = try PassedSocket.bound(SOCK_STREAM, host: "127.0.4.21", port: 37)
        defer {
            close(daytime.fd)
            close(time.fd)
        }
        #expect(try ListeningSocket.inherited(descriptor: daytime.fd, service: nil).service == .daytime)
        #expect(try ListeningSocket.inherited(descriptor: time.fd, service: nil).service == .time)
    }

    @Test("passed sockets are the service's from the start: a configuration it refuses closes them")
    func refusedServiceClosesPassedSockets() throws {
        let tcp = try PassedSocket.bound(SOCK_STREAM)
        let listener = try ListeningSocket.inherited(descriptor: tcp.fd, service: .daytime)
        #expect(throws: ServerError.self) {
            try DaytimeService(
                configuration: ServerConfiguration(daytimePort: nil, timePort: nil, threads: 0),
                listeners: [listener],
                logger: quietLogger()
            )
        }
        #expect(throws: TestFailure.self) { try LoopbackClient.connect(host: "127.0.0.1", port: tcp.port) }
    }

    @Test("what cannot be served is refused with the reason and the fix")
    func refusals() throws {
        let other = try PassedSocket.bound(SOCK_STREAM)
        let listener = try PassedSocket.bound(SOCK_STREAM)
        let pair = try PassedSocket.connectedPair(listener: listener.fd, port: listener.port)
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        defer { for fd in [other.fd, listener.fd, pair.client, pair.server] + pipeEnds { close(fd) } }

        func reason(_ fd: Int32, _ service: TimeProtocolKind?) -> String {
            do {
                _ = try ListeningSocket.inherited(descriptor: fd, service: service)
                return "accepted"
            } catch {
                return error.description
            }
        }
        let unnamed = reason(other.fd, nil)
        #expect(unnamed.contains("port \(other.port)") && unnamed.contains("FileDescriptorName=daytime"), "\(unnamed)")
        let connected = reason(pair.server, .daytime)
        #expect(connected.contains("not listening") && connected.contains("Accept=no"), "\(connected)")
        #expect(reason(pipeEnds[0], .daytime).contains("is not a socket"))
        #expect(reason(9999, .daytime).contains("is not open"))
    }

    @Test("no socket at all is a configuration error")
    func empty() {
        #expect(throws: ServerError.self) {
            try DaytimeService(configuration: ServerConfiguration(), listeners: [], logger: quietLogger())
        }
    }
}
