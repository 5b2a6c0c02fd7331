import CDaytimeLinux
import DaytimeCore
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The hot path: one thread's loop of `epoll_wait`, `accept4`, `send`, `close`.
///
/// A SwiftNIO child channel costs seven system calls per connection (accept4, getpeername,
/// getsockname, two epoll_ctl, write, close) and about 0.7x the C reference's throughput; a Daytime
/// answer needs three. So each accepting thread runs this loop directly on the sockets: the peer's
/// address comes with `accept4`, the answer is rendered into a buffer the loop owns (once per
/// second for whole-second formats), and the connection is closed as soon as the bytes are queued.
/// Nothing here allocates per connection unless the log level asks for a line per connection.
///
/// A non-copyable struct rather than a class: its state is reached without reference counting or
/// dynamic exclusivity checks, and it frees its buffers exactly once. Confined to its own thread.
struct AcceptLoop: ~Copyable {
    private let listeners: [ListeningSocket]
    private let stopEvent: Int32
    private let clock: any WallClock
    private var renderer: DaytimeLineRenderer
    private let logger: Logger
    private let logsConnections: Bool
    private let backoffNanoseconds: UInt64
    private let buffer: UnsafeMutableRawBufferPointer
    private let events: UnsafeMutableBufferPointer<epoll_event>
    private var epoll: Int32 = -1
    private var lastResourceWarning: UInt64 = 0

    /// Accepts per listener per wake-up before looking at the other listeners again: bounded so
    /// that a flood on one port cannot starve the other, large enough to amortise `epoll_wait`.
    private static let acceptsPerWakeup = 64
    /// The `epoll_event` tag of the stop event; listeners are tagged with their index.
    private static let stopTag = UInt64.max

    init(
        listeners: [ListeningSocket],
        stopEvent: Int32,
        configuration: ServerConfiguration,
        clock: any WallClock,
        logger: Logger
    ) {
        self.listeners = listeners
        self.stopEvent = stopEvent
        self.clock = clock
        self.renderer = DaytimeLineRenderer(format: configuration.format, timeZone: configuration.timeZone)
        self.logger = logger
        self.logsConnections = logger.logLevel <= .info
        let backoff = configuration.acceptBackoff.components
        self.backoffNanoseconds = UInt64(max(0, backoff.seconds)) * 1_000_000_000 + UInt64(max(0, backoff.attoseconds / 1_000_000_000))
        self.buffer = .allocate(byteCount: DaytimeLineRenderer.capacity, alignment: 8)
        self.events = .allocate(capacity: 32)
    }

    deinit {
        self.buffer.deallocate()
        self.events.deallocate()
    }

    /// Serves until the stop event fires, then answers what is already queued and returns.
    mutating func run() {
        self.epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard self.epoll >= 0 else {
            self.logger.critical("cannot create an epoll instance: \(String(cString: strerror(errno)))")
            return
        }
        defer { close(self.epoll) }
        self.watchListeners(true)
        self.watch(self.stopEvent, tag: Self.stopTag, exclusive: false)

        var pausedUntil: UInt64? = nil
        var stopping = false
        while !stopping {
            var timeout: Int32 = -1
            if let until = pausedUntil {
                let now = MonotonicClock.nanoseconds()
                if now >= until {
                    self.watchListeners(true)
                    pausedUntil = nil
                } else {
                    timeout = Int32((until - now + 999_999) / 1_000_000)
                }
            }
            let count = epoll_wait(self.epoll, self.events.baseAddress, Int32(self.events.count), timeout)
            if count < 0 {
                if errno == EINTR { continue }
                self.logger.critical("epoll_wait failed: \(String(cString: strerror(errno))); this thread stops")
                return
            }
            for i in 0..<Int(count) {
                let tag = self.events[i].data.u64
                if tag == Self.stopTag {
                    stopping = true
                    continue
                }
                guard pausedUntil == nil else { continue }
                if case .exhausted(let code) = self.acceptBatch(self.listeners[Int(tag)], limit: Self.acceptsPerWakeup) {
                    // Out of descriptors or memory: stop polling the listeners for a moment instead of
                    // spinning on a queue we cannot take from. Queued clients wait; none is dropped.
                    self.watchListeners(false)
                    pausedUntil = MonotonicClock.nanoseconds() + self.backoffNanoseconds
                    self.warnAboutResources(code)
                }
            }
        }
        // Graceful stop: answer every connection the kernel has already queued for us.
        for listener in self.listeners {
            while case .more = self.acceptBatch(listener, limit: Self.acceptsPerWakeup) {}
        }
    }

    private enum BatchResult {
        case drained
        case more
        case exhausted(Int32)
    }

    /// Accepts and answers up to `limit` connections from `listener`.
    @inline(__always)
    private mutating func acceptBatch(_ listener: ListeningSocket, limit: Int) -> BatchResult {
        var peer = sockaddr_storage()
        for _ in 0..<limit {
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    c_daytime_accept4(listener.descriptor, $0, &peerLength, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    return .drained
                case EINTR, ECONNABORTED, EPROTO, EPERM:
                    // The client gave up before we took it, or a firewall said no: nothing to answer.
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    return .exhausted(errno)
                default:
                    self.logger.error(
                        "accept failed on \(listener): \(String(cString: strerror(errno))) (errno \(errno))"
                    )
                    return .exhausted(errno)
                }
            }
            self.answer(fd, service: listener.service)
            if self.logsConnections {
                self.logger.info(
                    "Got a connection from \(SocketAddressText.describe(&peer))",
                    metadata: ["protocol": "\(listener.service)", "transport": "tcp"]
                )
            }
            close(fd)
        }
        return .more
    }

    /// Sends the answer for `service` on a freshly accepted socket.
    @inline(__always)
    private mutating func answer(_ fd: Int32, service: ServiceProtocol) {
        let now = self.clock.now()
        let length: Int
        switch service {
        case .daytime:
            length = self.renderer.render(now, into: self.buffer)
        case .time:
            let value = TimeProtocolValue(now).bigEndianBytes
            self.buffer[0] = value.0
            self.buffer[1] = value.1
            self.buffer[2] = value.2
            self.buffer[3] = value.3
            length = 4
        }
        // A fresh socket's send buffer is empty, so the whole answer is queued at once; if the peer
        // already reset the connection, MSG_NOSIGNAL turns SIGPIPE into an error we ignore.
        let sent = send(fd, self.buffer.baseAddress, length, Int32(MSG_NOSIGNAL))
        if sent != length && self.logsConnections {
            self.logger.debug("answer not sent: \(sent < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }

    private func watchListeners(_ on: Bool) {
        for (index, listener) in self.listeners.enumerated() {
            if on {
                self.watch(listener.descriptor, tag: UInt64(index), exclusive: true)
            } else {
                epoll_ctl(self.epoll, EPOLL_CTL_DEL, listener.descriptor, nil)
            }
        }
    }

    private func watch(_ fd: Int32, tag: UInt64, exclusive: Bool) {
        var event = epoll_event()
        // EPOLLEXCLUSIVE: a connection wakes one thread, not all of them.
        event.events = EPOLLIN.rawValue | (exclusive ? EPOLLEXCLUSIVE.rawValue : 0)
        event.data.u64 = tag
        if epoll_ctl(self.epoll, EPOLL_CTL_ADD, fd, &event) != 0 {
            self.logger.critical("cannot watch descriptor \(fd): \(String(cString: strerror(errno)))")
        }
    }

    private mutating func warnAboutResources(_ code: Int32) {
        let now = MonotonicClock.nanoseconds()
        // At most one warning every ten seconds per thread: a flood must not become a log flood.
        guard now &- self.lastResourceWarning > 10_000_000_000 || self.lastResourceWarning == 0 else { return }
        self.lastResourceWarning = now
        let fix =
            code == EMFILE || code == ENFILE
            ? "raise the file-descriptor limit (ulimit -n, or LimitNOFILE= in the systemd unit)"
            : "free memory or lower the load"
        self.logger.warning(
            "cannot accept connections: \(String(cString: strerror(code))); pausing this thread's accepts briefly; \(fix)"
        )
    }
}
