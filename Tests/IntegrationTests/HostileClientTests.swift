import DaytimeTestSupport
import Foundation
import Testing

/// Clients that misbehave on purpose against the built `daytimed`: none of them affects a
/// well-behaved client looping beside them, none grows the server's memory or leaves a descriptor.
@Suite("daytimed and hostile clients", .serialized)
struct HostileClientTests {
    /// Resident memory may move by this much (KiB) across a hostile run: allocator noise, not growth.
    static let memoryBound = 4096

    /// Under AddressSanitizer (scripts/test, which sets ASAN_OPTIONS) resident size does not measure
    /// growth: freed memory waits in a quarantine of up to 256 MiB, and with the quarantine off the
    /// allocator's regions per size class still moved it by 6.5 MiB in one TCP run and by 10 to 25
    /// MiB for the datagrams' 65,508 sizes (glibc: under 4 MiB). Not measured there; in CI,
    /// scripts/allocations-per-answer checks on the release build that these clients' connections
    /// and datagrams of every size allocate nothing.
    static let measuresMemory = ProcessInfo.processInfo.environment["ASAN_OPTIONS"] == nil

    @Test("clients that flood, never read, reset at once or half-close do not disturb others")
    func hostileTCPClients() async throws {
        let (server, port) = try await DaytimedBinaryTests.startDaytimeOnly()
        defer { server.stop(signal: SIGKILL) }
        let probe = ProcessProbe(pid: server.pid)
        let bystander = LoopingClient(port: port)
        bystander.start()
        try await Task.sleep(for: .milliseconds(300))
        let descriptorsBefore = try probe.descriptors().count
        let memoryBefore = try probe.residentKiB()

        async let floods = offPool { try (0..<8).map { _ in try HostileClient.flood(port: port) } }
        async let silent = offPool { try HostileClient.neverRead(200, port: port, holdFor: 2) }
        async let resets = offPool { try HostileClient.resetAtOnce(500, port: port) }
        async let halves = offPool { try (0..<100).map { _ in try HostileClient.halfClose(port: port) } }

        for outcome in try await floods {
            // The server never reads: it answers and closes, and the rest of the flood meets a reset;
            // on loopback the kernel's buffers may also take all 4 MiB before the reset comes back
            // (seen in CI-like runs). What must not happen is a connection held open unread.
            #expect(outcome != .stalled, "a flooding client was \(outcome)")
        }
        try await silent
        try await resets
        let lines = try await halves
        #expect(lines.allSatisfy { $0.utf8.count == 26 && $0.hasSuffix("\r\n") }, "\(lines.prefix(3))")

        let (answers, failures) = await bystander.stop()
        #expect(failures.isEmpty, "the well-behaved client failed: \(failures.prefix(3))")
        #expect(answers > 10)
        let growth = try probe.residentKiB() - memoryBefore
        #expect(!Self.measuresMemory || growth < Self.memoryBound, "resident memory grew \(growth) KiB")
        let extra = try await probe.settleDescriptors(to: descriptorsBefore)
        #expect(extra.isEmpty, "more descriptors than the \(descriptorsBefore) before: \(extra)")
        #expect(server.stop() == 0)
    }

    @Test("a UDP datagram of every size from 0 to 65,507 bytes gets one whole line back")
    func everyDatagramSize() async throws {
        let (server, port) = try await DaytimedBinaryTests.startDaytimeOnly()
        defer { server.stop(signal: SIGKILL) }
        let probe = ProcessProbe(pid: server.pid)
        _ = try await offPool { try HostileClient.datagrams(sizes: 0..<64, port: port) }
        let memoryBefore = try probe.residentKiB()
        let bystander = LoopingClient(port: port)
        bystander.start()

        let (unanswered, surplus) = try await offPool { try HostileClient.datagrams(sizes: 0...65_507, port: port) }
        #expect(unanswered.isEmpty, "no whole line for sizes \(unanswered.prefix(10))")
        #expect(surplus <= 0, "\(surplus) more answers than datagrams sent")

        let (answers, failures) = await bystander.stop()
        #expect(failures.isEmpty, "\(failures.prefix(3))")
        #expect(answers > 0)
        let growth = try probe.residentKiB() - memoryBefore
        #expect(!Self.measuresMemory || growth < Self.memoryBound, "resident memory grew \(growth) KiB")
        #expect(server.stop() == 0)
    }
}

/// The misbehaving clients, each a few blocking socket calls on the calling thread.
enum HostileClient {
    enum FloodOutcome: Equatable {
        /// The server closed: sending failed with a reset or a broken pipe.
        case refused
        /// Sending blocked until the send timeout: the server kept the connection open unread.
        case stalled
        /// Four megabytes went out and the connection is still open.
        case accepted
    }

    /// Connects and sends up to 4 MiB without reading.
    static func flood(port: Int) throws -> FloodOutcome {
        let fd = try LoopbackClient.connect(host: "127.0.0.1", port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let chunk = [UInt8](repeating: 0x41, count: 64 * 1024)
        var sent = 0
        while sent < 4 << 20 {
            let n = chunk.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                return errno == EAGAIN || errno == EWOULDBLOCK ? .stalled : .refused
            }
            sent += n
        }
        return .accepted
    }

    /// Opens `count` connections, never reads them, keeps them `holdFor` seconds, then closes them.
    static func neverRead(_ count: Int, port: Int, holdFor seconds: Double) throws {
        let descriptors = try ManyConnections.open(count, port: port)
        usleep(UInt32(seconds * 1_000_000))
        for fd in descriptors { close(fd) }
    }

    /// Opens `count` connections and resets each at once (SO_LINGER zero: close sends RST).
    static func resetAtOnce(_ count: Int, port: Int) throws {
        for _ in 0..<count {
            let fd = try LoopbackClient.connect(host: "127.0.0.1", port: port)
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(fd)
        }
    }

    /// Connects, shuts down its sending side at once, and reads the answer.
    static func halfClose(port: Int) throws -> String {
        let fd = try LoopbackClient.connect(host: "127.0.0.1", port: port)
        shutdown(fd, Int32(SHUT_WR))
        return LoopbackClient.readTextAndClose(fd)
    }

    /// Sends one datagram of each size to `host` (an IPv4 or IPv6 address) at `port`, waiting for each
    /// answer (a second, then once more); returns the sizes that got no whole line, and how many
    /// more answers came than datagrams went (above 0: some datagram was answered twice).
    static func datagrams(
        sizes: some Sequence<Int>,
        port: Int,
        host: String = "127.0.0.1"
    ) throws -> (unanswered: [Int], surplus: Int) {
        var address = try TestSocketAddress(host: host, port: port)
        let fd = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var bufferSize: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufferSize, socklen_t(MemoryLayout<Int32>.size))
        let connected = address.withSocketAddress { connect(fd, $0, $1) }
        guard connected == 0 else { throw TestFailure("connect: errno \(errno)") }
        // The largest UDP payload: 65,507 bytes over IPv4, 65,527 over IPv6 (no IPv6 header in the length).
        let payload = (0..<65_527).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var answer = [UInt8](repeating: 0, count: 512)
        var unanswered: [Int] = []
        var (datagrams, answers) = (0, 0)
        for size in sizes {
            var whole = false
            for _ in 0..<2 where !whole {
                let sent = payload.withUnsafeBytes { send(fd, $0.baseAddress, size, 0) }
                guard sent == size else { throw TestFailure("send of \(size) bytes: errno \(errno)") }
                datagrams += 1
                let n = answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n >= 0 { answers += 1 }
                whole = n == 26 && answer[24] == 0x0D && answer[25] == 0x0A
            }
            if !whole { unanswered.append(size) }
        }
        // Whatever else came: a second answer to any datagram would still be waiting here.
        usleep(200_000)
        while answer.withUnsafeMutableBytes({ recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) >= 0 {
            answers += 1
        }
        return (unanswered, answers - datagrams)
    }
}
