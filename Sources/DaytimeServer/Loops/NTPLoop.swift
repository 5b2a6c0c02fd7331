import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork

#if canImport(Glibc)
import Glibc
#endif

/// The SNTP hot path: one thread's loop of receive, check, answer, send on one UDP socket.
///
/// Each request is read with `recvmsg`, which brings the kernel's receive timestamp
/// (`SO_TIMESTAMPNS`: taken when the datagram arrived, not when the loop got to it) and, on a
/// wildcard socket, the address the client asked, which the answer leaves from. Then, cheapest and
/// most certain first: the address guards of ``DatagramSourceCheck`` (without the blocked source
/// ports: NTP clients may send from port 123, and only client requests are answered, so two NTP
/// servers cannot loop), the request's own check (``NTPResponder/dropReason(request:length:)``:
/// mode 3, version 1 to 4, 48 bytes at least), then the ``SourcePolicy``. A source over its rate
/// limit still gets one answer in ``NTPServerConfiguration/leak`` (so that a flood forged with a
/// victim's address cannot cut the victim off), and otherwise a Kiss-o'-Death if the configuration
/// asks for one, or nothing.
///
/// The answer is 48 bytes whatever the request's size, so the server never sends more than it
/// got. Its transmit timestamp is read just before `sendmsg`. Nothing here allocates per request.
/// Like the other loops it blocks with a receive timeout to notice a stop, and is a non-copyable
/// struct confined to its thread.
struct NTPLoop: ~Copyable {
    private let descriptor: Int32
    private let context: LoopContext
    private var current: LoopSettings
    private let clockBox: GenerationBox<NTPResponder>
    private var clockGeneration: Int
    private var responder: NTPResponder
    private let series: Int
    private var backoff: Backoff
    /// xorshift64 state, for choosing which requests over the limit leak through.
    private var random: UInt64

    private let request: UnsafeMutableRawBufferPointer
    private let answer: UnsafeMutableRawBufferPointer
    private let peer: UnsafeMutablePointer<sockaddr_storage>
    private let requestVector: UnsafeMutablePointer<iovec>
    private let answerVector: UnsafeMutablePointer<iovec>
    private let header: UnsafeMutablePointer<msghdr>
    private let answerHeader: UnsafeMutablePointer<msghdr>
    private let requestControl: UnsafeMutableRawBufferPointer
    private let answerControl: UnsafeMutableRawBufferPointer
    private let packetInfoSpace: Int

    init(socket: ListeningSocket, context: LoopContext, clock: GenerationBox<NTPResponder>) {
        self.descriptor = socket.descriptor
        self.context = context
        self.current = LoopSettings(
            context.settings,
            quality: nil,
            boundAddress: IPAddress(socket.host),
            blocksSourcePorts: false,
            logger: context.logger
        )
        self.clockBox = clock
        let (responder, generation) = clock.current()
        self.responder = responder
        self.clockGeneration = generation
        self.series = ServerStatistics.series(.ntp, .udp)
        self.backoff = Backoff(context.backoff)
        self.random = MonotonicClock.nanoseconds() | 1

        self.request = .allocate(byteCount: NTPPacket.size, alignment: 8)
        self.answer = .allocate(byteCount: NTPPacket.size, alignment: 8)
        self.peer = .allocate(capacity: 1)
        self.requestVector = .allocate(capacity: 1)
        self.answerVector = .allocate(capacity: 1)
        self.header = .allocate(capacity: 1)
        self.answerHeader = .allocate(capacity: 1)
        self.packetInfoSpace = socket.receivesPacketInfo ? Int(c_daytime_packet_info_space()) : 0
        let controlSpace = Int(c_daytime_receive_timestamp_space()) + self.packetInfoSpace
        self.requestControl = .allocate(byteCount: controlSpace, alignment: 8)
        self.answerControl = .allocate(byteCount: max(1, self.packetInfoSpace), alignment: 8)
        self.requestVector.initialize(to: iovec(iov_base: self.request.baseAddress, iov_len: NTPPacket.size))
        self.answerVector.initialize(to: iovec(iov_base: self.answer.baseAddress, iov_len: NTPPacket.size))
        self.peer.initialize(to: sockaddr_storage())
        self.header.initialize(to: msghdr())
        self.answerHeader.initialize(to: msghdr())
    }

    deinit {
        self.request.deallocate()
        self.answer.deallocate()
        self.peer.deallocate()
        self.requestVector.deallocate()
        self.answerVector.deallocate()
        self.header.deallocate()
        self.answerHeader.deallocate()
        self.requestControl.deallocate()
        self.answerControl.deallocate()
    }

    /// Serves until the stop flag is set; then answers what is queued (bounded) and returns.
    mutating func run() {
        var drained = 0
        while true {
            self.header.pointee = msghdr(
                msg_name: UnsafeMutableRawPointer(self.peer),
                msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                msg_iov: self.requestVector,
                msg_iovlen: 1,
                msg_control: self.requestControl.baseAddress,
                msg_controllen: self.requestControl.count,
                msg_flags: 0
            )
            // MSG_TRUNC: the length of the whole datagram, though only the header is kept.
            let length = recvmsg(self.descriptor, self.header, Int32(MSG_TRUNC))
            if length < 0 {
                if self.backoff.afterFailedReceive(errno, on: .ntp, context: self.context) { return }
                continue
            }
            let receivedAt = self.context.measuresLatency ? MonotonicClock.nanoseconds() : 0
            self.current.refresh(from: self.context.settings, logger: self.context.logger)
            if self.clockBox.generation != self.clockGeneration {
                (self.responder, self.clockGeneration) = self.clockBox.current()
            }
            self.handle(length: length, receivedAt: receivedAt)
            if self.context.stopFlag.isSet {
                drained += 1
                if drained >= self.context.drainLimit { return }
            }
        }
    }

    /// Checks the datagram just received and answers it if it may be answered.
    @inline(__always)
    private mutating func handle(length: Int, receivedAt: UInt64) {
        var (refusal, source) = self.current.sourceCheck.refusal(for: self.peer)
        if refusal == nil {
            if let drop = NTPResponder.dropReason(request: UnsafeRawBufferPointer(self.request), length: length) {
                self.context.statistics.countNTPDrop(drop)
                return
            }
            if let source {
                refusal = self.current.policy.refusal(
                    for: source,
                    transport: .udp,
                    now: receivedAt != 0 ? receivedAt : MonotonicClock.nanoseconds()
                )
            }
        }
        if let refusal {
            if refusal == .rateLimit && self.leaks() {
                self.context.statistics.countNTPLeak()
            } else {
                self.refuse(refusal)
                return
            }
        }
        self.responder.writeAnswer(
            to: UnsafeRawBufferPointer(self.request),
            receivedAt: NTPTimestamp(self.receiveTime()),
            into: self.answer
        )
        NTPResponder.finish(self.answer, transmit: NTPTimestamp(self.context.clock.now()))
        self.send(outcome: .answered, receivedAt: receivedAt)
    }

    /// Whether this request over the limit is the one in `leak` that is answered anyway.
    @inline(__always)
    private mutating func leaks() -> Bool {
        let leak = self.current.ntpLeak
        guard leak > 0 else { return false }
        self.random ^= self.random << 13
        self.random ^= self.random >> 7
        self.random ^= self.random << 17
        return self.random % UInt64(leak) == 0
    }

    /// Counts and logs a refusal; over the rate limit, sends a Kiss-o'-Death if asked to.
    private mutating func refuse(_ refusal: RefusalReason) {
        self.context.statistics.countRefusal(refusal)
        if refusal == .rateLimit && self.current.ntpKissOfDeath {
            NTPResponder.writeRateKiss(to: UnsafeRawBufferPointer(self.request), into: self.answer)
            self.context.statistics.countNTPKissOfDeath()
            self.send(outcome: .refused(refusal), receivedAt: 0)
        } else {
            self.context.accessLog?.record(.refused(refusal), service: .ntp, transport: .udp, socketAddress: self.peer)
        }
        if self.current.logsAnswers {
            self.context.logger.info(
                "Refused a datagram from \(SocketAddressText.describe(self.peer))",
                metadata: ["protocol": "ntp", "transport": "udp", "reason": "\(refusal)"]
            )
        }
    }

    /// When the request arrived, by the kernel's timestamp (by the clock now if there is none).
    @inline(__always)
    private func receiveTime() -> Instant {
        var seconds: Int64 = 0
        var nanoseconds: Int32 = 0
        if c_daytime_receive_timestamp(
            self.header.pointee.msg_control,
            UInt(self.header.pointee.msg_controllen),
            &seconds,
            &nanoseconds
        ) == 1 {
            return self.context.clock.reading(atSystemTime: Instant(seconds: seconds, nanoseconds: nanoseconds))
        }
        return self.context.clock.now()
    }

    /// Sends the 48 bytes in `answer` to the peer, from the address it asked on a wildcard socket.
    private mutating func send(outcome: AccessLog.Outcome, receivedAt: UInt64) {
        var controlLength = 0
        if self.packetInfoSpace > 0 {
            controlLength = Int(
                c_daytime_reply_packet_info(
                    self.header.pointee.msg_control,
                    UInt(self.header.pointee.msg_controllen),
                    self.answerControl.baseAddress
                )
            )
        }
        self.answerHeader.pointee = msghdr(
            msg_name: UnsafeMutableRawPointer(self.peer),
            msg_namelen: self.header.pointee.msg_namelen,
            msg_iov: self.answerVector,
            msg_iovlen: 1,
            msg_control: controlLength == 0 ? nil : self.answerControl.baseAddress,
            msg_controllen: controlLength,
            msg_flags: 0
        )
        var sent: Int
        repeat {
            sent = sendmsg(self.descriptor, self.answerHeader, Int32(MSG_NOSIGNAL))
        } while sent < 0 && errno == EINTR
        guard sent == NTPPacket.size else {
            self.context.statistics.countSendFailure()
            self.context.accessLog?.record(.sendFailed, service: .ntp, transport: .udp, socketAddress: self.peer)
            return
        }
        self.context.accessLog?.record(outcome, service: .ntp, transport: .udp, socketAddress: self.peer)
        guard outcome == .answered else { return }
        self.context.statistics.countAnswers(1, service: .ntp, transport: .udp)
        if self.context.measuresLatency {
            let elapsed = Int(truncatingIfNeeded: MonotonicClock.nanoseconds() &- receivedAt)
            self.context.statistics.countSent(1, bytes: NTPPacket.size, nanoseconds: elapsed, series: self.series)
        } else {
            self.context.statistics.countSent(1, bytes: NTPPacket.size, series: self.series)
        }
        if self.current.logsAnswers {
            self.context.logger.info(
                "Got a datagram from \(SocketAddressText.describe(self.peer))",
                metadata: ["protocol": "ntp", "transport": "udp"]
            )
        }
    }
}
