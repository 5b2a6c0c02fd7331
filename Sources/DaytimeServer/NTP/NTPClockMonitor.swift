import CDaytimeLinux
import DaytimeCore
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Keeps what NTP answers say about the clock: polls the upstreams on a thread of its own, and
/// tells ``ClockMonitor`` what the answers would vouch for (``view(wallNow:leap:)``), which
/// publishes them with the one clock state (``publish(_:synchronized:)``).
///
/// The NTP loops read the published ``NTPResponder`` through a ``GenerationBox``: one relaxed load
/// per request, a short lock once a second.
final class NTPClockMonitor: Sendable {
    /// What the loops answer with.
    let responder: GenerationBox<NTPResponder>
    private let tracker: Mutex<NTPUpstreamTracker>
    /// What to poll, how often, how long to wait: replaced by ``reconfigure(_:)``.
    private let polling: Mutex<(upstreams: [NTPUpstreamAddress], configuration: NTPServerConfiguration)>
    private let clock: any WallClock
    private let logger: Logger
    private let failedPollCount = Atomic<Int>(0)
    private let pollRounds = Atomic<Int>(0)

    init(configuration: NTPServerConfiguration, clock: any WallClock, logger: Logger) {
        self.polling = Mutex((configuration.upstreams.compactMap(NTPUpstreamAddress.init), configuration))
        self.clock = clock
        self.logger = logger
        let tracker = NTPUpstreamTracker(
            precision: ClockPrecision.measureSystemClock(),
            localStratum: configuration.localStratum,
            lostAfter: configuration.pollInterval * configuration.lostAfterPolls
        )
        self.tracker = Mutex(tracker)
        self.responder = GenerationBox(NTPResponder(clock: .unsynchronized(precision: tracker.precision)))
    }

    /// Takes a reloaded configuration: the upstreams, the local stratum and the timing. A changed
    /// list of upstreams starts afresh: until the new ones answer, the local stratum (if any) or
    /// unsynchronized is served.
    func reconfigure(_ configuration: NTPServerConfiguration) {
        let upstreams = configuration.upstreams.compactMap(NTPUpstreamAddress.init)
        let changed = self.polling.withLock { polling in
            defer { polling = (upstreams, configuration) }
            return polling.upstreams != upstreams
        }
        self.tracker.withLock { tracker in
            tracker.localStratum = configuration.localStratum
            tracker.lostAfter = Self.nanoseconds(configuration.pollInterval * configuration.lostAfterPolls)
            if changed { tracker.reset() }
        }
    }

    /// What answers would say now, with `leap` the warning of the server's own leap-second list.
    func view(wallNow: Instant, leap: LeapIndicator) -> (state: NTPUpstreamTracker.State, clock: NTPServerClock) {
        let now = MonotonicClock.nanoseconds()
        return self.tracker.withLock { ($0.state(at: now), $0.clock(at: now, wallNow: wallNow, localLeap: leap)) }
    }

    /// Makes the loops answer with `clock`, or say unsynchronized (leap indicator 3, stratum 16).
    func publish(_ clock: NTPServerClock, synchronized: Bool) {
        let served = synchronized ? clock : .unsynchronized(precision: clock.precision)
        if self.responder.current().settings.clock != served {
            self.responder.replace(NTPResponder(clock: served))
        }
    }

    /// The upstreams configured, as `host:port`.
    var upstreams: [String] {
        self.polling.withLock { $0.upstreams.map(\.description) }
    }

    /// Polls of an upstream that got no usable answer, since the service was created.
    var failedPolls: Int {
        self.failedPollCount.load(ordering: .relaxed)
    }

    /// Whether the upstreams (if any) are yet to be polled once: until then, no upstream answering
    /// says nothing about them.
    var awaitsFirstPoll: Bool {
        self.pollRounds.load(ordering: .relaxed) == 0 && !self.polling.withLock { $0.upstreams.isEmpty }
    }

    /// Polls every upstream each poll interval until `stop` is set, calling `afterPolls` after each
    /// round. Runs on its own thread: each poll blocks for at most the upstream timeout.
    func pollUntilStopped(_ stop: StopFlag, afterPolls: () -> Void) {
        while !stop.isSet {
            let (upstreams, configuration) = self.polling.withLock { $0 }
            for upstream in upstreams {
                if let sample = self.poll(upstream, timeout: configuration.upstreamTimeout) {
                    self.tracker.withLock { $0.record(sample) }
                } else {
                    self.failedPollCount.add(1, ordering: .relaxed)
                }
            }
            self.pollRounds.add(1, ordering: .relaxed)
            afterPolls()
            if stop.sleep(for: configuration.pollInterval) { return }
        }
    }

    /// One SNTP exchange with `upstream`; nil if it did not answer well in time.
    private func poll(_ upstream: NTPUpstreamAddress, timeout: Duration) -> NTPUpstreamSample? {
        guard let (address, length, referenceID) = Self.resolve(upstream) else {
            self.logger.debug("NTP upstream \(upstream) does not resolve")
            return nil
        }
        var storage = address
        let fd = socket(Int32(storage.ss_family), Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else { return nil }
        // A random transmit timestamp: the answer must echo it, which an off-path forger cannot guess.
        let sent = NTPTimestamp(bits: UInt64.random(in: 1...UInt64.max))
        let request = NTPPacket(version: 4, mode: .client, transmitTime: sent)
        let t1 = self.clock.now()
        let requestBytes = request.bytes
        guard requestBytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == NTPPacket.size else {
            return nil
        }
        let deadline = MonotonicClock.nanoseconds() &+ Self.nanoseconds(timeout)
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let now = MonotonicClock.nanoseconds()
            guard now < deadline else {
                self.logger.debug("NTP upstream \(upstream) did not answer in time")
                return nil
            }
            var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = Glibc.poll(&pollDescriptor, 1, Int32((deadline - now) / 1_000_000) + 1)
            if ready < 0 && errno == EINTR { continue }
            guard ready > 0 else { continue }
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            let t4 = self.clock.now()
            // ECONNREFUSED: nothing listens there. Anything else short: ignore and wait on.
            if received < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                self.logger.debug("NTP upstream \(upstream): \(String(cString: strerror(errno)))")
                return nil
            }
            guard let answer = NTPPacket(buffer.prefix(received)) else { continue }
            // Not the answer to this request (a late one to an earlier poll): wait on.
            if answer.originTime != sent { continue }
            guard
                let sample = NTPUpstreamSample(
                    answer: answer,
                    sent: sent,
                    t1: t1,
                    t4: t4,
                    referenceID: referenceID,
                    receivedAt: MonotonicClock.nanoseconds()
                )
            else {
                self.logger.debug(
                    "NTP upstream \(upstream) is not usable: leap \(answer.leap), stratum \(answer.stratum)"
                )
                return nil
            }
            return sample
        }
    }

    /// The first address of `upstream`, its length, and the reference identifier it gives.
    private static func resolve(_ upstream: NTPUpstreamAddress) -> (sockaddr_storage, socklen_t, UInt32)? {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(upstream.host, String(upstream.port), &hints, &list) == 0, let list else { return nil }
        defer { freeaddrinfo(list) }
        var storage = sockaddr_storage()
        let length = list.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) {
            $0.copyMemory(from: UnsafeRawBufferPointer(start: list.pointee.ai_addr, count: Int(length)))
        }
        let addressBytes: [UInt8]
        switch list.pointee.ai_family {
        case AF_INET:
            addressBytes = withUnsafeBytes(of: &storage) { raw in
                Array(raw[4..<8])  // sin_addr follows sin_family and sin_port
            }
        case AF_INET6:
            addressBytes = withUnsafeBytes(of: &storage) { raw in
                Array(raw[8..<24])  // sin6_addr follows family, port and flow info
            }
        default:
            return nil
        }
        return (storage, length, NTPPacket.referenceID(upstreamAddress: addressBytes))
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}
