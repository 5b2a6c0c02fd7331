import DaytimeCore
import Glibc

/// Runs several queries at once on the calling thread: non-blocking sockets and one `poll(2)` loop,
/// TCP and UDP. The client's one engine: the `daytime` command runs it directly, ``TimeClient``
/// runs it on a thread of its own (``BlockingThread``) for async callers.
///
/// Why not NIO: a command that asks once spends most of its life starting up, and starting an
/// event loop group (threads, epoll, eventfd) cost more than the whole exchange on loopback. A
/// handful of sockets needs no more than `poll`.
///
/// A TCP query whose host has several addresses races them as RFC 8305 (Happy Eyeballs) does:
/// the families taken in turn, the next address tried when the last attempt has not connected
/// within ``attemptDelay``, or at once when an attempt fails; the first connection wins, and the
/// others are closed.
///
/// T1 is read just before `connect` (TCP) or `send` (UDP), T4 just after `poll` reports the first
/// bytes readable: both on the wall clock (for the offset) and the monotonic clock (for the round trip).
enum PollingExchange {
    /// RFC 8305's recommended Connection Attempt Delay, in nanoseconds.
    static let attemptDelay: UInt64 = 250_000_000

    /// Asks every query once, concurrently; one outcome per query, in order, none of them pending.
    /// When `cancellation` is signalled, the queries still running fail at once.
    static func run(
        _ queries: [TimeQuery],
        wallClock: any WallClock,
        cancellation: ExchangeCancellation? = nil
    ) -> [ExchangeOutcome] {
        let exchanges = queries.map { Exchange(query: $0) }
        for exchange in exchanges {
            exchange.start(wallClock: wallClock)
        }
        return self.poll(exchanges, wallClock: wallClock, cancellation: cancellation)
    }

    /// One query to addresses already resolved, tried in the order given: the attempts' timing
    /// with addresses a test chooses.
    static func run(_ query: TimeQuery, addresses: [ServerAddress], wallClock: any WallClock) -> ExchangeOutcome {
        let exchange = Exchange(query: query)
        exchange.addresses = addresses
        exchange.connect(wallClock: wallClock)
        return self.poll([exchange], wallClock: wallClock, cancellation: nil)[0]
    }

    /// One query to addresses already resolved, asked once per start time (monotonic nanoseconds),
    /// each exchange begun at its time: the timed queries of ``SecondEdgeSearch``.
    static func run(
        _ query: TimeQuery,
        addresses: [ServerAddress],
        startingAt starts: [UInt64],
        wallClock: any WallClock
    ) -> [ExchangeOutcome] {
        let exchanges = starts.map { start in
            let exchange = Exchange(query: query, startAt: start)
            exchange.addresses = addresses
            exchange.nextAttemptAt = start
            return exchange
        }
        return self.poll(exchanges, wallClock: wallClock, cancellation: nil)
    }

    /// The query's addresses, the IP versions taken in turn (RFC 8305).
    static func resolve(_ query: TimeQuery) throws(TimeClientError) -> [ServerAddress] {
        let addresses: [ServerAddress]
        do {
            addresses = try AddressResolver.resolve(
                host: query.host,
                port: query.effectivePort,
                family: query.addressFamily
            )
        } catch {
            throw .resolutionFailed(host: query.host, family: query.addressFamily, reason: error.message)
        }
        guard !addresses.isEmpty else {
            throw .resolutionFailed(host: query.host, family: query.addressFamily, reason: "no address found")
        }
        return AddressResolver.interleaved(addresses)
    }

    private static func poll(
        _ exchanges: [Exchange],
        wallClock: any WallClock,
        cancellation: ExchangeCancellation?
    ) -> [ExchangeOutcome] {
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
                if now >= exchange.nextAttemptAt {
                    exchange.connect(wallClock: wallClock)
                    if exchange.isFinished { continue }
                }
                nearest = min(nearest, exchange.deadline, exchange.nextAttemptAt)
                exchange.appendWaits(to: &fds)
                while owners.count < fds.count {
                    owners.append(i)
                }
            }
            // Nothing to wait on and nothing due: every exchange has ended. (With none to wait on
            // but one due to start later, poll below sleeps until then.)
            if fds.isEmpty && nearest == .max { break }
            if let cancellation {
                fds.append(pollfd(fd: cancellation.readEnd, events: Int16(POLLIN), revents: 0))
            }
            let waitMilliseconds = Int32(min((nearest &- now &+ 999_999) / 1_000_000, 60_000))
            let ready = Glibc.poll(&fds, nfds_t(fds.count), waitMilliseconds)
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
            if cancellation != nil && fds[fds.count - 1].revents != 0 {
                for exchange in exchanges where !exchange.isFinished {
                    exchange.outcome = .failed(TimeClientError(.networkError, "the query was cancelled"))
                }
                break
            }
            for slot in owners.indices where fds[slot].revents != 0 && !exchanges[owners[slot]].isFinished {
                exchanges[owners[slot]].ready(fd: fds[slot].fd, events: fds[slot].revents, wallClock: wallClock)
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

/// Wakes a ``PollingExchange/run(_:wallClock:cancellation:)`` from another thread: a socket pair
/// (close-on-exec from the start, which `pipe` cannot say here) whose read end sits in the `poll` set.
final class ExchangeCancellation: Sendable {
    let readEnd: CInt
    private let writeEnd: CInt

    /// Nil when the process has no descriptors left.
    init?() {
        var ends: [CInt] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { return nil }
        self.readEnd = ends[0]
        self.writeEnd = ends[1]
    }

    deinit {
        close(self.readEnd)
        close(self.writeEnd)
    }

    /// Ends the exchanges; safe from any thread, and more than once.
    func cancel() {
        var byte: UInt8 = 1
        _ = write(self.writeEnd, &byte, 1)
    }
}

/// A TCP connection attempt to one of the query's addresses, not yet connected.
private struct ConnectAttempt {
    var fd: Int32
    var addressIndex: Int
    var startedAt: Instant
    var startedMonotonic: UInt64
}

/// One query's sockets and what they have seen. Lives on one thread, inside one ``PollingExchange/run``.
private final class Exchange {
    let query: TimeQuery
    let deadline: UInt64
    var addresses: [ServerAddress] = []
    /// The next address to try, and when at the latest (`.max`: only when the last attempt fails).
    var nextAddress = 0
    var nextAttemptAt = UInt64.max
    var attempts: [ConnectAttempt] = []
    /// The connected (TCP) or sending (UDP) socket, and its address; -1 while connecting.
    var fd: Int32 = -1
    var addressIndex = 0
    var firstFailure: (endpoint: String, errno: CInt)? = nil
    var bytes: [UInt8] = []
    var connectStartedAt = Instant.unixEpoch
    var connectStartedMonotonic: UInt64 = 0
    var connectedAt = Instant.unixEpoch
    var firstByteAt: Instant?
    var firstByteMonotonic: UInt64?
    var outcome = ExchangeOutcome.pending
    /// NTP: the request's transmit timestamp, which the answer's origin must echo.
    var ntpTransmit = NTPTimestamp.zero
    /// NTP: why a datagram was not taken, reported if no answer comes before the deadline.
    var discarded: TimeClientError?

    var isFinished: Bool {
        if case .pending = self.outcome { return false }
        return true
    }

    /// An exchange whose deadline is its timeout after `startAt` (monotonic nanoseconds; now by default).
    init(query: TimeQuery, startAt: UInt64 = MonotonicClock.nanoseconds()) {
        self.query = query
        let (seconds, attoseconds) = query.timeout.components
        let timeout = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        self.deadline = startAt &+ timeout
    }

    deinit {
        self.closeAttempts()
        if self.fd >= 0 {
            close(self.fd)
        }
    }

    var endpoint: String {
        if self.fd >= 0 || self.attempts.isEmpty {
            return self.addressIndex < self.addresses.count
                ? self.addresses[self.addressIndex].endpoint
                : endpointText(host: self.query.host, port: self.query.effectivePort)
        }
        return self.addresses[self.attempts[0].addressIndex].endpoint
    }

    /// The sockets to wait on: those still connecting (writable when they are), or the one to read.
    func appendWaits(to fds: inout [pollfd]) {
        if self.fd >= 0 {
            fds.append(pollfd(fd: self.fd, events: Int16(POLLIN), revents: 0))
        } else {
            for attempt in self.attempts {
                fds.append(pollfd(fd: attempt.fd, events: Int16(POLLOUT), revents: 0))
            }
        }
    }

    func start(wallClock: any WallClock) {
        do throws(TimeClientError) {
            try self.query.validate()
            self.addresses = try PollingExchange.resolve(self.query)
        } catch {
            self.outcome = .failed(error)
            return
        }
        self.connect(wallClock: wallClock)
    }

    /// Starts an attempt on the next address: opens a socket and connects (TCP), or sends the
    /// request (UDP). An address that fails at once is passed over for the next; when none is left
    /// and nothing is under way, the exchange fails with the first failure.
    func connect(wallClock: any WallClock) {
        self.nextAttemptAt = .max
        let udp = self.query.effectiveTransport == .udp
        while self.nextAddress < self.addresses.count {
            let index = self.nextAddress
            self.nextAddress += 1
            let address = self.addresses[index]
            // Close-on-exec from the start: set afterwards, a child the caller's program starts on
            // another thread in between would inherit the socket.
            let type =
                Int32((udp ? SOCK_DGRAM : SOCK_STREAM).rawValue) | Int32(SOCK_NONBLOCK.rawValue)
                | Int32(SOCK_CLOEXEC.rawValue)
            let fd = socket(address.family, type, 0)
            guard fd >= 0 else {
                self.fail(errno: errno, call: "socket")
                return
            }
            let startedMonotonic = MonotonicClock.nanoseconds()
            let startedAt = wallClock.now()
            let status = address.withSockAddr { Glibc.connect(fd, $0, $1) }
            let code = errno
            if status == 0 && udp {
                // A connected UDP socket: the kernel drops datagrams from anyone else, and an
                // ICMP port-unreachable comes back as ECONNREFUSED on the next call.
                self.fd = fd
                self.addressIndex = index
                if self.sendRequest(wallClock: wallClock) {
                    return
                }
                continue
            }
            let attempt = ConnectAttempt(
                fd: fd,
                addressIndex: index,
                startedAt: startedAt,
                startedMonotonic: startedMonotonic
            )
            if status == 0 {
                self.won(attempt, wallClock: wallClock)
                return
            }
            if code == EINPROGRESS {
                self.attempts.append(attempt)
                if self.nextAddress < self.addresses.count {
                    self.nextAttemptAt = startedMonotonic &+ PollingExchange.attemptDelay
                }
                return
            }
            close(fd)
            self.noteFailure(endpoint: address.endpoint, errno: code)
        }
        if self.attempts.isEmpty && self.fd < 0 {
            self.failWithFirstFailure()
        }
    }

    /// RFC 867 and 868 ignore what a UDP request holds; RFC 868 asks for an empty one. The Daytime
    /// request is one newline, as some servers ignore empty datagrams; the NTP one is 48 bytes
    /// (``SNTPRequest``). False if it could not be sent.
    func sendRequest(wallClock: any WallClock) -> Bool {
        var request: [UInt8] = self.query.protocol == .time ? [] : [0x0A]
        if self.query.protocol == .ntp {
            (request, self.ntpTransmit) = SNTPRequest.make()
        }
        self.connectStartedMonotonic = MonotonicClock.nanoseconds()
        self.connectStartedAt = wallClock.now()
        self.connectedAt = self.connectStartedAt
        let sent = request.withUnsafeBytes { send(self.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent >= 0 else {
            let code = errno
            close(self.fd)
            self.fd = -1
            self.noteFailure(endpoint: self.addresses[self.addressIndex].endpoint, errno: code)
            return false
        }
        return true
    }

    /// The first connection: it carries the exchange; every other attempt is abandoned.
    func won(_ attempt: ConnectAttempt, wallClock: any WallClock) {
        self.attempts.removeAll { $0.fd == attempt.fd }
        self.closeAttempts()
        self.nextAttemptAt = .max
        self.fd = attempt.fd
        self.addressIndex = attempt.addressIndex
        self.connectStartedAt = attempt.startedAt
        self.connectStartedMonotonic = attempt.startedMonotonic
        self.connectedAt = wallClock.now()
    }

    func closeAttempts() {
        for attempt in self.attempts {
            close(attempt.fd)
        }
        self.attempts.removeAll()
    }

    /// Keeps the failure to report if every address fails: the first, unless a later one is a
    /// refusal, which says more (the host is there; only the port is wrong).
    func noteFailure(endpoint: String, errno code: CInt) {
        if self.firstFailure == nil || (code == ECONNREFUSED && self.firstFailure?.errno != ECONNREFUSED) {
            self.firstFailure = (endpoint, code)
        }
    }

    func failWithFirstFailure() {
        guard let failure = self.firstFailure else {
            self.outcome = .failed(.connectTimeout(endpoint: self.endpoint, timeout: self.query.timeout))
            return
        }
        self.outcome = .failed(.connecting(errno: failure.errno, endpoint: failure.endpoint, query: self.query))
    }

    func ready(fd: Int32, events: Int16, wallClock: any WallClock) {
        if fd == self.fd {
            self.read(wallClock: wallClock)
            return
        }
        guard let slot = self.attempts.firstIndex(where: { $0.fd == fd }) else { return }
        let attempt = self.attempts[slot]
        var error: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        if error == 0 {
            self.won(attempt, wallClock: wallClock)
            return
        }
        close(fd)
        self.attempts.remove(at: slot)
        self.noteFailure(endpoint: self.addresses[attempt.addressIndex].endpoint, errno: error)
        // The next address now, not after the delay (RFC 8305, 5); with none left, the exchange
        // fails once no attempt is under way.
        self.connect(wallClock: wallClock)
    }

    func read(wallClock: any WallClock) {
        let limit = self.query.maximumLineLength
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            if self.firstByteMonotonic == nil {
                self.firstByteMonotonic = MonotonicClock.nanoseconds()
                self.firstByteAt = wallClock.now()
            }
            let n = buffer.withUnsafeMutableBytes { recv(self.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                guard self.bytes.count + n <= limit else {
                    self.outcome = .failed(
                        .oversizedAnswer(endpoint: self.endpoint, protocol: self.query.protocol, limit: limit)
                    )
                    return
                }
                self.bytes.append(contentsOf: buffer[0..<n])
                if self.query.protocol == .ntp && !SNTPRequest.isAnswer(self.bytes, to: self.ntpTransmit) {
                    // Not the answer to this request (late, forged, or cut short): waited past,
                    // as RFC 5905 drops a bogus packet, so that a forger cannot end the exchange.
                    self.discarded =
                        self.bytes.count < NTPPacket.size
                        ? .shortNTPAnswer(endpoint: self.endpoint, count: self.bytes.count)
                        : .originMismatch(endpoint: self.endpoint, timeout: self.query.timeout)
                    self.bytes.removeAll()
                    self.firstByteMonotonic = nil
                    self.firstByteAt = nil
                    continue
                }
                // A datagram is the whole answer.
                if self.query.effectiveTransport == .udp {
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
            if self.bytes.isEmpty && (code == ECONNREFUSED || self.query.effectiveTransport == .udp) {
                self.outcome = .failed(.connecting(errno: code, endpoint: self.endpoint, query: self.query))
                return
            }
            self.finish(ending: .failed(errno: code))
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
        if let discarded = self.discarded {
            self.outcome = .failed(discarded)
        } else if self.fd < 0 {
            self.outcome = .failed(.connectTimeout(endpoint: self.endpoint, timeout: self.query.timeout))
        } else {
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
        self.outcome = .failed(.networkError(endpoint: self.endpoint, errno: code, call: call))
    }
}
