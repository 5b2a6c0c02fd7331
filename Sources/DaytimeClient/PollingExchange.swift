import DaytimeCore
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs several queries at once on the calling thread: non-blocking sockets and one `poll(2)` loop,
/// TCP and UDP.
///
/// Why not NIO here: a command that asks once spends most of its life starting up, and starting an
/// event loop group (threads, epoll, eventfd) cost more than the whole exchange on loopback. A
/// handful of sockets needs no more than `poll`. ``TimeClient`` runs this on a thread of its own
/// for async callers; the `daytime` command runs it directly.
///
/// T1 is read just before `connect` (TCP) or `send` (UDP), T4 just after `poll` reports the first
/// bytes readable: both on the wall clock (for the offset) and the monotonic clock (for the round trip).
enum PollingExchange {
    /// Asks every query once, concurrently; one outcome per query, in order, none of them pending.
    static func run(_ queries: [TimeQuery], wallClock: any WallClock) -> [ExchangeOutcome] {
        let exchanges = queries.map { Exchange(query: $0) }
        for exchange in exchanges {
            exchange.start(wallClock: wallClock)
        }
        var fds: [pollfd] = []
        var owners: [Int] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            var nearest = UInt64.max
            let now = MonotonicClock.nanoseconds()
            // Index loops rather than enumerated(): each generic
            // type a loop touches is instantiated at run time, which a one-shot command pays for.
            for i in exchanges.indices where !exchanges[i].isFinished {
                let exchange = exchanges[i]
                if now >= exchange.deadline {
                    exchange.expire()
                    continue
                }
                nearest = min(nearest, exchange.deadline)
                fds.append(pollfd(fd: exchange.fd, events: exchange.waitingEvents, revents: 0))
                owners.append(i)
            }
            if fds.isEmpty { break }
            let waitMilliseconds = Int32(min((nearest - now + 999_999) / 1_000_000, 60_000))
            let ready = poll(&fds, nfds_t(fds.count), waitMilliseconds)
            if ready < 0 {
                guard errno == EINTR else {
                    let code = errno
                    for i in owners {
                        exchanges[i].fail(errno: code, call: "poll")
                    }
                    break
                }
                continue
            }
            for slot in owners.indices where fds[slot].revents != 0 {
                exchanges[owners[slot]].ready(events: fds[slot].revents, wallClock: wallClock)
            }
        }
        return exchanges.map { $0.outcome }
    }
}

/// How one exchange ended, or that it has not yet.
///
/// A plain enum rather than `Result<TimeSample, TimeClientError>?`: the generic type's metadata is
/// built at run time, and checking its `Error` requirement scans every protocol conformance in the
/// binary, which cost a third of the `daytime` command's own instructions (docs/PERFORMANCE.md).
enum ExchangeOutcome {
    case pending
    case answered(TimeSample)
    case failed(TimeClientError)
}

/// One query's socket and what it has seen. Lives on one thread, inside one ``PollingExchange/run``.
private final class Exchange {
    enum Phase {
        case connecting
        case reading
    }

    let query: TimeQuery
    let deadline: UInt64
    var fd: Int32 = -1
    var phase = Phase.connecting
    var addresses: [SocketAddress] = []
    var addressIndex = 0
    var firstFailure: (endpoint: String, errno: CInt)? = nil
    var bytes: [UInt8] = []
    var connectStartedAt = Instant.unixEpoch
    var connectStartedMonotonic: UInt64 = 0
    var connectedAt = Instant.unixEpoch
    var firstByteAt: Instant?
    var firstByteMonotonic: UInt64?
    var outcome = ExchangeOutcome.pending

    var isFinished: Bool {
        if case .pending = self.outcome { return false }
        return true
    }

    init(query: TimeQuery) {
        self.query = query
        let (seconds, attoseconds) = query.timeout.components
        let timeout = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        self.deadline = MonotonicClock.nanoseconds() &+ timeout
    }

    deinit {
        if self.fd >= 0 {
            close(self.fd)
        }
    }

    var endpoint: String {
        self.addressIndex < self.addresses.count
            ? endpointText(self.addresses[self.addressIndex])
            : endpointText(host: self.query.host, port: self.query.effectivePort)
    }

    var waitingEvents: Int16 {
        Int16(self.phase == .connecting ? POLLOUT : POLLIN)
    }

    func start(wallClock: any WallClock) {
        do throws(TimeClientError) {
            try TimeClient.validate(self.query)
        } catch {
            self.outcome = .failed(error)
            return
        }
        do {
            self.addresses = try AddressResolver.resolve(
                host: self.query.host,
                port: self.query.effectivePort,
                family: self.query.addressFamily
            )
        } catch let error as AddressResolver.Failure {
            self.outcome = .failed(
                .resolutionFailed(host: self.query.host, family: self.query.addressFamily, reason: error.message)
            )
            return
        } catch {
            self.outcome = .failed(.networkError(endpoint: self.endpoint, error))
            return
        }
        guard !self.addresses.isEmpty else {
            self.outcome = .failed(
                .resolutionFailed(host: self.query.host, family: self.query.addressFamily, reason: "no address found")
            )
            return
        }
        self.connect(wallClock: wallClock)
    }

    /// Opens a socket to the current address and starts the exchange; on an immediate failure,
    /// moves on to the next address.
    func connect(wallClock: any WallClock) {
        while self.addressIndex < self.addresses.count {
            let address = self.addresses[self.addressIndex]
            let family: CInt = address.protocol == .inet6 ? AF_INET6 : AF_INET
            #if canImport(Darwin)
            let type = self.query.transport == .udp ? SOCK_DGRAM : SOCK_STREAM
            #else
            // Close-on-exec from the start: set afterwards, a child the caller's program starts on
            // another thread in between would inherit the socket.
            let type =
                Int32((self.query.transport == .udp ? SOCK_DGRAM : SOCK_STREAM).rawValue)
                | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            #endif
            self.fd = socket(family, type, 0)
            guard self.fd >= 0 else {
                self.fail(errno: errno, call: "socket")
                return
            }
            #if canImport(Darwin)
            _ = fcntl(self.fd, F_SETFL, fcntl(self.fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(self.fd, F_SETFD, FD_CLOEXEC)
            #endif
            self.connectStartedMonotonic = MonotonicClock.nanoseconds()
            self.connectStartedAt = wallClock.now()
            let status = address.withSockAddr { Glibc.connect(self.fd, $0, socklen_t($1)) }
            if status == 0 || errno == EINPROGRESS {
                if self.query.transport == .udp {
                    // A connected UDP socket: the kernel drops datagrams from anyone else, and an
                    // ICMP port-unreachable comes back as ECONNREFUSED on the next call.
                    self.sendRequest(wallClock: wallClock)
                    if self.fd >= 0 || self.isFinished {
                        return
                    }
                    continue
                } else if status == 0 {
                    self.connectedAt = wallClock.now()
                    self.phase = .reading
                }
                return
            }
            self.connectFailed(errno: errno)
        }
    }

    /// RFC 867 and 868 ignore what a UDP request holds; RFC 868 asks for an empty one. The Daytime
    /// request is one newline, as some servers ignore empty datagrams.
    func sendRequest(wallClock: any WallClock) {
        var newline: UInt8 = 0x0A
        let length = self.query.protocol == .time ? 0 : 1
        self.connectStartedMonotonic = MonotonicClock.nanoseconds()
        self.connectStartedAt = wallClock.now()
        self.connectedAt = self.connectStartedAt
        let sent = send(self.fd, &newline, length, Int32(MSG_NOSIGNAL))
        guard sent >= 0 else {
            self.connectFailed(errno: errno)
            return
        }
        self.phase = .reading
    }

    func connectFailed(errno code: CInt) {
        self.firstFailure = self.firstFailure ?? (self.endpoint, code)
        close(self.fd)
        self.fd = -1
        self.addressIndex += 1
        if self.addressIndex >= self.addresses.count {
            let failure = self.firstFailure!
            self.outcome = .failed(
                .connecting(
                    errno: failure.errno,
                    description: String(cString: strerror(failure.errno)),
                    endpoint: failure.endpoint,
                    query: self.query
                )
            )
        }
    }

    func ready(events: Int16, wallClock: any WallClock) {
        switch self.phase {
        case .connecting:
            var error: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            getsockopt(self.fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error != 0 {
                self.connectFailed(errno: error)
                if !self.isFinished {
                    self.connect(wallClock: wallClock)
                }
                return
            }
            self.connectedAt = wallClock.now()
            self.phase = .reading
        case .reading:
            self.read(wallClock: wallClock)
        }
    }

    func read(wallClock: any WallClock) {
        if self.firstByteMonotonic == nil {
            self.firstByteMonotonic = MonotonicClock.nanoseconds()
            self.firstByteAt = wallClock.now()
        }
        let limit = self.query.maximumLineLength
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                guard self.bytes.count + n <= limit else {
                    self.outcome = .failed(
                        .oversizedAnswer(endpoint: self.endpoint, protocol: self.query.protocol, limit: limit)
                    )
                    return
                }
                self.bytes.append(contentsOf: buffer[0..<n])
                // A datagram is the whole answer.
                if self.query.transport == .udp {
                    self.finish(ending: .endOfFile)
                    return
                }
                continue
            }
            if n == 0 {
                self.finish(ending: .endOfFile)
                return
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                if self.bytes.isEmpty {
                    // Woken without data (a spurious wake-up): T4 is not yet.
                    self.firstByteMonotonic = nil
                    self.firstByteAt = nil
                }
                return
            }
            if self.bytes.isEmpty && (code == ECONNREFUSED || self.query.transport == .udp) {
                self.firstFailure = (self.endpoint, code)
                self.outcome = .failed(
                    .connecting(
                        errno: code,
                        description: String(cString: strerror(code)),
                        endpoint: self.endpoint,
                        query: self.query
                    )
                )
                return
            }
            self.finish(ending: .failed(IOError(errnoCode: code, reason: "recv")))
            return
        }
    }

    func finish(ending: ReceivedAnswer.Ending) {
        let answer = ReceivedAnswer(
            bytes: self.bytes,
            connectStartedAt: self.connectStartedAt,
            connectStartedMonotonic: self.connectStartedMonotonic,
            connectedAt: self.connectedAt,
            firstByteAt: self.bytes.isEmpty ? nil : self.firstByteAt,
            firstByteMonotonic: self.bytes.isEmpty ? nil : self.firstByteMonotonic,
            ending: ending,
            remoteAddress: self.addresses[self.addressIndex]
        )
        do throws(TimeClientError) {
            self.outcome = .answered(try AnswerDecoder.sample(from: answer, query: self.query))
        } catch {
            self.outcome = .failed(error)
        }
    }

    func expire() {
        switch self.phase {
        case .connecting:
            self.outcome = .failed(.connectTimeout(endpoint: self.endpoint, timeout: self.query.timeout))
        case .reading:
            self.outcome = .failed(
                .answerTimeout(
                    endpoint: self.endpoint,
                    protocol: self.query.protocol,
                    timeout: self.query.timeout,
                    bytesReceived: self.bytes.count
                )
            )
        }
    }

    func fail(errno code: CInt, call: String) {
        self.outcome = .failed(
            .networkError(endpoint: self.endpoint, IOError(errnoCode: code, reason: call))
        )
    }
}
