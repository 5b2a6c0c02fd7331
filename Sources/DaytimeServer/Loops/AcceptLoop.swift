import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The hot path: one thread's loop of `accept4`, `send`, `close` on one listening socket.
///
/// A SwiftNIO child channel costs seven system calls per connection (accept4, getpeername,
/// getsockname, two epoll_ctl, write, close) and reaches about 0.7x the C reference's throughput; a
/// Daytime answer needs three. So each accepting thread blocks in `accept4` on its listener, like
/// the C reference: the peer's address comes with the accept, the answer is rendered into a buffer
/// the loop owns (once per second for whole-second formats), and the connection is closed as soon
/// as the bytes are queued. Blocking accept also beats an epoll loop here: a listener nobody polls
/// costs the kernel no wake-up callback per incoming connection while the thread is busy.
///
/// The listener has a receive timeout (``wakeInterval``), so a thread blocked in `accept4` returns
/// with `EAGAIN` now and then and notices a stop. Nothing on the path allocates unless the log level
/// asks for a line per connection or the access log is on.
///
/// Each connection is counted with relaxed atomics: open while between `accept4` and `close`, its
/// bytes, and, if ``ServerConfiguration/measuresLatency``, its latency from `accept4`'s return to
/// `send`'s (two vDSO clock reads; the first also serves the rate limiter).
///
/// A non-copyable struct rather than a class: its state is reached without reference counting or
/// dynamic exclusivity checks, and it frees its buffer exactly once. Confined to its own thread.
struct AcceptLoop: ~Copyable {
    private let descriptor: Int32
    private let service: TimeProtocolKind
    private let context: LoopContext
    private let series: Int
    private var current: LoopSettings
    private var backoff: Backoff
    private let buffer: UnsafeMutableRawBufferPointer
    /// On a PROXY protocol listener: what its connections share, where a header that is not
    /// complete goes on waiting, and room for the header's first bytes; nil on a plain listener.
    private let proxy: (listener: ProxyListenerContext, waiting: ProxyProtocolServer)?
    private let headerBuffer: UnsafeMutableRawBufferPointer

    /// How often a thread blocked in `accept4` wakes to look at the stop flag: the longest a
    /// graceful stop waits for an idle thread.
    static let wakeInterval = timeval(tv_sec: 0, tv_usec: 200_000)

    /// - Parameter proxy: for a PROXY protocol listener, what its connections share and where a
    ///   header that is not complete at once goes on waiting.
    init(
        listener: ListeningSocket,
        context: LoopContext,
        proxy: (listener: ProxyListenerContext, waiting: ProxyProtocolServer)? = nil
    ) {
        self.descriptor = listener.descriptor
        self.service = listener.service
        self.context = context
        self.series = ServerStatistics.series(listener.service, .tcp)
        self.current = LoopSettings(context.settings, quality: context.quality, logger: context.logger)
        self.backoff = Backoff(context.backoff)
        self.buffer = .allocate(byteCount: DaytimeLineRenderer.capacity, alignment: 8)
        self.proxy = proxy
        self.headerBuffer = .allocate(byteCount: proxy == nil ? 0 : Self.headerReadSize, alignment: 8)
    }

    deinit {
        self.buffer.deallocate()
        self.headerBuffer.deallocate()
    }

    /// Bytes of a PROXY header read at once: a whole v1 line, or a v2 header with addresses and a
    /// few hundred bytes of extensions; a longer header's rest is read on the event loops.
    static let headerReadSize = 512

    /// Serves until the stop flag is set; then answers what is already queued (at most a backlog's
    /// worth, so a flood cannot hold the stop forever) and returns.
    mutating func run() {
        var peer = sockaddr_storage()
        var drained = 0
        var stopDeadline: UInt64 = 0
        while true {
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    c_daytime_accept4(
                        self.descriptor,
                        $0,
                        &peerLength,
                        Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue)
                    )
                }
            }
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    // The wake-up tick while idle, or the queue drained once stopping made the
                    // listener non-blocking.
                    if self.context.stopFlag.isSet && !self.awaitHandshakes(until: &stopDeadline) { return }
                case EINTR, ECONNABORTED, EPROTO, EPERM:
                    // A signal, or the client gave up before we took it, or a firewall said no.
                    break
                case let code:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: pause instead of spinning on a queue we cannot
                    // take from. Queued clients wait; none is dropped.
                    self.warnAboutResources(code)
                    self.backoff.sleep()
                    if self.context.stopFlag.isSet { return }
                }
                continue
            }
            // 0 when answers are not timed; the rate limiter then reads the clock itself, if it must.
            let accepted = self.context.measuresLatency ? MonotonicClock.nanoseconds() : 0
            self.context.statistics.countOpenConnections(1)
            self.current.refresh(from: self.context.settings, logger: self.context.logger)
            if let proxy = self.proxy {
                self.serveProxied(fd, peer: &peer, accepted: accepted, proxy.listener, waiting: proxy.waiting)
                self.context.statistics.countOpenConnections(-1)
            } else {
                self.serve(fd, peer: &peer, accepted: accepted)
            }
            if self.context.stopFlag.isSet {
                drained += 1
                if drained >= self.context.drainLimit { return }
            }
        }
    }

    /// Once stopping, with the queue empty: waits until ``handshakeGrace`` after the stop was first
    /// seen for a connection to come in, and says whether one did. The listener then drops new SYNs
    /// (``DaytimeService`` attaches the filter), but a handshake whose SYN came before needs one
    /// more round trip to join the queue; closing the listener before would reset it.
    private func awaitHandshakes(until deadline: inout UInt64) -> Bool {
        let now = MonotonicClock.nanoseconds()
        if deadline == 0 { deadline = now &+ Self.handshakeGrace }
        guard now < deadline else { return false }
        var listener = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&listener, 1, Int32((deadline &- now) / 1_000_000) + 1) > 0
    }

    /// How long a stopping loop waits for the handshakes already under way: a round trip of most
    /// clients (nanoseconds).
    static let handshakeGrace: UInt64 = 100_000_000

    /// A connection to a plain listener: the source policy, then the answer or nothing, the close,
    /// and the access log's line after it.
    @inline(__always)
    private mutating func serve(_ fd: Int32, peer: inout sockaddr_storage, accepted: UInt64) {
        let outcome: AccessLog.Outcome
        if let address = IPAddress(&peer),
            let refusal = self.current.refusal(
                for: address,
                transport: .tcp,
                now: accepted != 0 ? accepted : MonotonicClock.nanoseconds()
            )
        {
            // Over a limit or not allowed: close without an answer.
            self.context.statistics.countRefusal(refusal)
            outcome = .refused(refusal)
            if self.current.logsAnswers {
                self.context.logger.info(
                    "Refused a connection from \(SocketAddressText.describe(&peer))",
                    metadata: ["protocol": "\(self.service)", "transport": "tcp", "reason": "\(refusal)"]
                )
            }
        } else {
            outcome = self.answer(fd, accepted: accepted) ? .answered : .sendFailed
            if self.current.logsAnswers {
                self.context.logger.info(
                    "Got a connection from \(SocketAddressText.describe(&peer))",
                    metadata: ["protocol": "\(self.service)", "transport": "tcp"]
                )
            }
        }
        self.finish(fd, answered: outcome == .answered)
        self.context.statistics.countOpenConnections(-1)
        // After the close, so that the client is not kept waiting for a log line.
        if let accessLog = self.context.accessLog {
            accessLog.record(outcome, service: self.service, transport: .tcp, socketAddress: &peer)
        }
    }

    /// A connection to a PROXY protocol listener, from its balancer: closed at once unless the
    /// balancer is trusted; else its header, read with one `recv` (`TCP_DEFER_ACCEPT` has brought it
    /// with the handshake, as a rule), names the client, who passes the same policy as a direct one
    /// and gets the same answer. A header not complete yet goes on waiting on the event loops.
    private mutating func serveProxied(
        _ fd: Int32,
        peer: inout sockaddr_storage,
        accepted: UInt64,
        _ listener: ProxyListenerContext,
        waiting: ProxyProtocolServer
    ) {
        guard let balancer = ProxyHeader.Endpoint(&peer), listener.trusted.permits(balancer.address) else {
            close(fd)
            let balancer = ProxyHeader.Endpoint(&peer)
            listener.refused(.untrustedProxy, client: balancer, balancer: balancer)
            return
        }
        var decoder = ProxyHeaderDecoder()
        let received = recv(fd, self.headerBuffer.baseAddress, self.headerBuffer.count, 0)
        let step: ProxyHeaderDecoder.Step
        if received > 0 {
            step = decoder.decode(UnsafeRawBufferPointer(rebasing: self.headerBuffer[0..<received]))
        } else if received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
            step = .needMoreBytes
        } else {
            close(fd)
            let detail = "closed before the header was complete"
            listener.refused(.badProxyHeader, client: balancer, balancer: balancer, detail: detail)
            return
        }
        switch step {
        case .needMoreBytes:
            waiting.adopt(fd, decoder: decoder, listener: listener)
        case .invalid(let reason):
            close(fd)
            listener.refused(.badProxyHeader, client: balancer, balancer: balancer, detail: reason.description)
        case .header(let header, _):
            // LOCAL (a health check) and UNKNOWN name no client: the balancer itself is the peer.
            let client = header.client ?? balancer
            let now = accepted != 0 ? accepted : MonotonicClock.nanoseconds()
            if let refusal = self.current.refusal(for: client.address, transport: .tcp, now: now) {
                close(fd)
                listener.refused(refusal, client: client, balancer: balancer, header: header)
                return
            }
            let answered = self.answer(fd, accepted: accepted)
            self.finish(fd, answered: answered)
            listener.record(answered ? .answered : .sendFailed, client: client, balancer: balancer)
            if self.current.logsAnswers {
                self.context.logger.info(
                    "Got a connection from \(client)",
                    metadata: listener.metadata(header: header, balancer: balancer)
                )
            }
        }
    }

    /// Closes a connection: at once, unless it was answered and may linger for a client that sent
    /// something (``ServerConfiguration/lingeringClose``).
    @inline(__always)
    private func finish(_ fd: Int32, answered: Bool) {
        if answered, let closer = self.context.lingeringCloser {
            closer.close(fd)
        } else {
            Glibc.close(fd)
        }
    }

    /// Sends the answer on a freshly accepted socket; true if it was sent whole.
    @inline(__always)
    private mutating func answer(_ fd: Int32, accepted: UInt64) -> Bool {
        let length = self.current.writeAnswer(for: self.service, at: self.context.clock.now(), into: self.buffer)
        // A fresh socket's send buffer is empty, so the whole answer is queued at once; if the peer
        // already reset the connection, MSG_NOSIGNAL turns SIGPIPE into an error we ignore.
        let sent = send(fd, self.buffer.baseAddress, length, Int32(MSG_NOSIGNAL))
        if sent == length {
            self.context.statistics.countAnswers(1, service: self.service, transport: .tcp)
            if self.context.measuresLatency {
                let elapsed = Int(truncatingIfNeeded: MonotonicClock.nanoseconds() &- accepted)
                self.context.statistics.countSent(1, bytes: length, nanoseconds: elapsed, series: self.series)
            } else {
                self.context.statistics.countSent(1, bytes: length, series: self.series)
            }
            return true
        }
        self.context.statistics.countSendFailure()
        if self.current.logsAnswers {
            self.context.logger.debug("answer not sent: \(sent < 0 ? String(cString: strerror(errno)) : "short write")")
        }
        return false
    }

    private mutating func warnAboutResources(_ code: Int32) {
        guard self.backoff.shouldWarn() else { return }
        let fix =
            code == EMFILE || code == ENFILE
            ? "raise the file-descriptor limit (ulimit -n, or LimitNOFILE= in the systemd unit)"
            : "free memory or lower the load"
        self.context.logger.warning(
            "cannot accept connections on \(self.service)/tcp: \(String(cString: strerror(code))) (errno \(code)); pausing this thread's accepts briefly; \(fix)"
        )
    }
}
