import DaytimeCore
import DaytimeServer
import DaytimeTestSupport
import Foundation
import Logging
import Synchronization
import _DaytimeBench
import _DaytimeTesting

#if canImport(Glibc)
import Glibc
#endif

/// Runs a `DaytimeService` on `host` (ephemeral ports, daytime and time, TCP and UDP, ctime in
/// UTC from a clock that stands still) while `body` runs, then stops it and waits for it.
func withService<T: Sendable>(
    host: String = "127.0.0.1",
    threads: Int = 2,
    _ body: @Sendable @escaping (DaytimeService) async throws -> T
) async throws -> T {
    var logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    logger.logLevel = .critical
    let service = try DaytimeService(
        configuration: ServerConfiguration(
            hosts: [host],
            daytimePort: 0,
            timePort: 0,
            format: .ctime,
            timeZone: .utc,
            threads: threads
        ),
        clock: FixedWallClock(seedInstant),
        logger: logger
    )
    return try await withRunningService(service, until: { service.isRunning }, { try await body(service) })
}

/// A configuration for `port` on 127.0.0.1 with short timeouts, for tests.
func configuration(
    port: Int,
    transport: BenchTarget.Transport = .tcp,
    protocol kind: TimeProtocolKind = .daytime,
    requests: Int? = nil,
    duration: UInt64? = nil,
    concurrency: Int = 4,
    threads: Int = 1,
    loop: BenchConfiguration.Loop = .closed,
    timeout: UInt64 = 5_000_000_000
) throws -> BenchConfiguration {
    BenchConfiguration(
        target: try BenchTarget.resolve(host: "127.0.0.1", port: port, transport: transport),
        transport: transport,
        protocol: kind,
        loop: loop,
        concurrency: concurrency,
        threads: threads,
        durationNanoseconds: duration,
        requests: requests,
        timeoutNanoseconds: timeout
    )
}

/// What a ``FakeServer`` does with each connection or datagram.
enum FakeBehaviour: Sendable {
    /// TCP: sends the bytes, then closes. UDP: answers each datagram with them.
    case send([UInt8])
    /// TCP: closes at once with a reset (SO_LINGER 0).
    case reset
    /// TCP: waits this many milliseconds, then sends the bytes and closes; one connection at a time.
    case slow(milliseconds: Int, [UInt8])
    /// TCP: listens but never accepts, so connections complete in the kernel and nothing answers.
    case stall
}

/// A misbehaving server on 127.0.0.1 and an ephemeral port, made of plain blocking sockets on a
/// thread of its own, for the error kinds a real server rarely shows.
final class FakeServer: Sendable {
    let port: Int
    private let fd: Int32
    private let stopping = Atomic<Bool>(false)
    private let done = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)

    init(udp: Bool = false, _ behaviour: FakeBehaviour) throws {
        let fd = socket(AF_INET, Int32(udp ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXErrorCode(rawValue: errno).map { POSIXError($0) } ?? POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound, udp || listen(fd, 64) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        self.fd = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        if case .stall = behaviour {
            self.finished.store(true, ordering: .relaxed)
            return
        }
        Thread.detachNewThread { [self] in
            if udp { self.answerDatagrams(behaviour) } else { self.accept(behaviour) }
            self.finished.store(true, ordering: .releasing)
            self.done.withLock { $0.take() }?.resume()
        }
    }

    private func accept(_ behaviour: FakeBehaviour) {
        while !self.stopping.load(ordering: .acquiring) {
            let connection = Glibc.accept(self.fd, nil, nil)
            // A signal (another test's child exiting) interrupts accept: take the next one.
            if connection < 0 && errno == EINTR { continue }
            guard connection >= 0 else { return }
            switch behaviour {
            case .send(let bytes):
                _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            case .slow(let milliseconds, let bytes):
                usleep(UInt32(milliseconds * 1000))
                _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            case .reset:
                var noLinger = linger(l_onoff: 1, l_linger: 0)
                setsockopt(connection, SOL_SOCKET, SO_LINGER, &noLinger, socklen_t(MemoryLayout<linger>.size))
            case .stall:
                break
            }
            close(connection)
        }
    }

    private func answerDatagrams(_ behaviour: FakeBehaviour) {
        guard case .send(let bytes) = behaviour else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while !self.stopping.load(ordering: .acquiring) {
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(self.fd, &buffer, buffer.count, 0, $0, &length)
                }
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { return }
            _ = withUnsafePointer(to: &peer) { peerPointer in
                peerPointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bytes.withUnsafeBytes { sendto(self.fd, $0.baseAddress, $0.count, 0, address, length) }
                }
            }
        }
    }

    /// Stops the thread (shutdown wakes its blocking call) and closes the socket.
    func stop() async {
        self.stopping.store(true, ordering: .releasing)
        shutdown(self.fd, Int32(SHUT_RDWR))
        if !self.finished.load(ordering: .acquiring) {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.done.withLock { waiting -> Bool in
                    if self.finished.load(ordering: .acquiring) { return true }
                    waiting = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        close(self.fd)
    }
}
