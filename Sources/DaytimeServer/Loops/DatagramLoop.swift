import CDaytimeLinux
import DaytimeCore
import DaytimeNetwork
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// The UDP hot path: one thread's loop of receive, check, render, send on one socket.
///
/// RFC 867 and 868 over UDP: any datagram in, one datagram out, the request's content ignored.
/// When the queue is deep, a batch of up to ``batchSize`` datagrams costs two system calls in all:
/// `recvmmsg` blocks for the first datagram and takes whatever else is queued (`MSG_WAITFORONE`),
/// and `sendmmsg` sends every answer at once. When it is shallow, the loop takes one datagram per
/// `recvfrom` and answers with `sendto` (`recvmsg`/`sendmsg` on a wildcard socket, for the packet
/// information), which is cheaper there; ``DatagramReceiveMode`` decides. Each answer is written
/// into a slot of a buffer allocated once, so nothing here allocates per datagram. Every datagram
/// passes the ``DatagramSourceCheck`` and the ``SourcePolicy`` first: answering a forged source is
/// how a time server becomes a reflector or half of a packet loop.
///
/// Like ``AcceptLoop``, it blocks with a receive timeout so that an idle thread notices a stop,
/// and it is a non-copyable struct confined to its thread. If the configuration asks for latency,
/// an answer's runs from the receive's return to the send's: one clock read per receive and one
/// per send.
struct DatagramLoop: ~Copyable {
    /// Datagrams taken per `recvmmsg`.
    static let batchSize = 32
    /// Room for one answer: the longest daytime line with margin.
    private static let slotSize = DaytimeLineRenderer.capacity
    /// Bytes of each request kept: the content is ignored, so one byte is room enough; the kernel
    /// truncates the rest (and says so in `msg_flags`, which nobody needs to read).
    private static let requestBytes = 1

    private let descriptor: Int32
    private let service: TimeProtocolKind
    private let context: LoopContext
    private var current: LoopSettings
    private let series: Int
    private var backoff: Backoff

    private let requests: UnsafeMutableBufferPointer<c_daytime_mmsghdr>
    private let requestVectors: UnsafeMutableBufferPointer<iovec>
    private let peers: UnsafeMutableBufferPointer<sockaddr_storage>
    private let requestBytes: UnsafeMutableRawBufferPointer
    private let answers: UnsafeMutableBufferPointer<c_daytime_mmsghdr>
    private let answerVectors: UnsafeMutableBufferPointer<iovec>
    private let answerBytes: UnsafeMutableRawBufferPointer
    /// Per slot, room for the destination address the kernel reports (wildcard sockets only) and
    /// for the matching source address of the answer; zero-sized otherwise.
    private let controlSpace: Int
    private let requestControl: UnsafeMutableRawBufferPointer
    private let answerControl: UnsafeMutableRawBufferPointer

    init(socket: ListeningSocket, context: LoopContext) {
        self.descriptor = socket.descriptor
        self.service = socket.service
        self.context = context
        self.current = LoopSettings(
            context.settings,
            quality: context.quality,
            boundAddress: IPAddress(socket.host),
            logger: context.logger
        )
        self.series = ServerStatistics.series(socket.service, .udp)
        self.backoff = Backoff(context.backoff)

        let n = Self.batchSize
        self.requests = .allocate(capacity: n)
        self.requestVectors = .allocate(capacity: n)
        self.peers = .allocate(capacity: n)
        self.requestBytes = .allocate(byteCount: n * Self.requestBytes, alignment: 8)
        self.answers = .allocate(capacity: n)
        self.answerVectors = .allocate(capacity: n)
        self.answerBytes = .allocate(byteCount: n * Self.slotSize, alignment: 8)
        self.controlSpace = socket.receivesPacketInfo ? Int(c_daytime_packet_info_space()) : 0
        self.requestControl = .allocate(byteCount: max(1, n * self.controlSpace), alignment: 8)
        self.answerControl = .allocate(byteCount: max(1, n * self.controlSpace), alignment: 8)
        for i in 0..<n {
            self.requestVectors[i] = iovec(
                iov_base: self.requestBytes.baseAddress! + i * Self.requestBytes,
                iov_len: Self.requestBytes
            )
            self.answerVectors[i] = iovec(iov_base: self.answerBytes.baseAddress! + i * Self.slotSize, iov_len: 0)
            self.requests[i].msg_hdr = msghdr(
                msg_name: UnsafeMutableRawPointer(self.peers.baseAddress! + i),
                msg_namelen: socklen_t(MemoryLayout<sockaddr_storage>.size),
                msg_iov: self.requestVectors.baseAddress! + i,
                msg_iovlen: 1,
                msg_control: self.controlSpace == 0 ? nil : self.requestControl.baseAddress! + i * self.controlSpace,
                msg_controllen: self.controlSpace,
                msg_flags: 0
            )
            self.requests[i].msg_len = 0
        }
    }

    deinit {
        self.requests.deallocate()
        self.requestVectors.deallocate()
        self.peers.deallocate()
        self.requestBytes.deallocate()
        self.answers.deallocate()
        self.answerVectors.deallocate()
        self.answerBytes.deallocate()
        self.requestControl.deallocate()
        self.answerControl.deallocate()
    }

    /// Serves until the stop flag is set; then answers what is queued (bounded) and returns.
    mutating func run() {
        var drained = 0
        var mode = DatagramReceiveMode()
        while true {
            let received = mode.batching ? self.receiveBatch() : self.receiveOne()
            if received < 0 {
                if self.backoff.afterFailedReceive(errno, on: self.service, context: self.context) { return }
                continue
            }
            // 0 when answers are not timed; the rate limiter then reads the clock itself, if it must.
            let receivedAt = self.context.measuresLatency ? MonotonicClock.nanoseconds() : 0
            self.current.refresh(from: self.context.settings, logger: self.context.logger)
            let answered = self.prepareAnswers(count: received, now: receivedAt)
            if mode.batching {
                self.send(count: answered, receivedAt: receivedAt)
            } else if answered == 1 {
                self.sendOne(receivedAt: receivedAt)
            }
            self.resetRequests(count: received)
            mode.record(received: received)
            if self.context.stopFlag.isSet {
                drained += received
                if drained >= self.context.drainLimit { return }
            }
        }
    }

    /// Up to ``batchSize`` datagrams in one `recvmmsg`, blocking for the first only.
    private func receiveBatch() -> Int {
        Int(
            c_daytime_recvmmsg(
                self.descriptor,
                self.requests.baseAddress,
                UInt32(Self.batchSize),
                Int32(C_DAYTIME_MSG_WAITFORONE)
            )
        )
    }

    /// One datagram into slot 0, with `recvfrom` where no control message is wanted (the address
    /// header alone is then all the kernel copies), else `recvmsg`. Returns 1, or -1 with `errno`.
    private func receiveOne() -> Int {
        let result: Int
        if self.controlSpace == 0 {
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            result = self.peers.baseAddress!.withMemoryRebound(to: sockaddr.self, capacity: 1) { peer in
                recvfrom(self.descriptor, self.requestBytes.baseAddress, Self.requestBytes, 0, peer, &length)
            }
            self.requests[0].msg_hdr.msg_namelen = length
        } else {
            result = recvmsg(self.descriptor, &self.requests[0].msg_hdr, 0)
        }
        return result < 0 ? -1 : 1
    }

    /// The kernel shortens `msg_namelen` to the address it wrote; restore it for the slots used,
    /// and only those: under light load a batch is one datagram, and rewriting 32 headers per
    /// datagram would cost more than the datagram.
    @inline(__always)
    private func resetRequests(count: Int) {
        for i in 0..<count {
            self.requests[i].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            self.requests[i].msg_hdr.msg_controllen = self.controlSpace
        }
    }

    /// Checks each received datagram's source and writes an answer for each one that passes, packed
    /// at the front of `answers`. Returns the number of answers.
    private mutating func prepareAnswers(count: Int, now receivedAt: UInt64) -> Int {
        var answered = 0
        let now = self.context.clock.now()
        var monotonicNow = receivedAt
        for i in 0..<count {
            let peer = self.peers.baseAddress! + i
            var (refusal, source) = self.current.sourceCheck.refusal(for: peer)
            if refusal == nil, let source {
                refusal = self.current.refusal(
                    for: source,
                    transport: .udp,
                    now: {
                        if monotonicNow == 0 { monotonicNow = MonotonicClock.nanoseconds() }
                        return monotonicNow
                    }()
                )
            }
            if let refusal {
                self.context.statistics.countRefusal(refusal)
                self.record(.refused(refusal), peer: peer)
                if self.current.logsAnswers {
                    self.context.logger.info(
                        "Refused a datagram from \(SocketAddressText.describe(peer))",
                        metadata: ["protocol": "\(self.service)", "transport": "udp", "reason": "\(refusal)"]
                    )
                }
                continue
            }
            let slot = UnsafeMutableRawBufferPointer(
                start: self.answerBytes.baseAddress! + answered * Self.slotSize,
                count: Self.slotSize
            )
            let length = self.current.writeAnswer(for: self.service, at: now, into: slot)
            self.answerVectors[answered].iov_len = length
            var control: UnsafeMutableRawPointer? = nil
            var controlLength = 0
            if self.controlSpace > 0 {
                control = self.answerControl.baseAddress! + answered * self.controlSpace
                controlLength = Int(
                    c_daytime_reply_packet_info(
                        self.requests[i].msg_hdr.msg_control,
                        UInt(self.requests[i].msg_hdr.msg_controllen),
                        control
                    )
                )
                if controlLength == 0 { control = nil }
            }
            self.answers[answered].msg_hdr = msghdr(
                msg_name: UnsafeMutableRawPointer(peer),
                msg_namelen: self.requests[i].msg_hdr.msg_namelen,
                msg_iov: self.answerVectors.baseAddress! + answered,
                msg_iovlen: 1,
                msg_control: control,
                msg_controllen: controlLength,
                msg_flags: 0
            )
            if self.current.logsAnswers {
                self.context.logger.info(
                    "Got a datagram from \(SocketAddressText.describe(peer))",
                    metadata: ["protocol": "\(self.service)", "transport": "udp"]
                )
            }
            answered += 1
        }
        return answered
    }

    /// Sends the first `count` answers; one that fails (an unreachable peer) is skipped, not retried.
    private mutating func send(count: Int, receivedAt: UInt64) {
        var start = 0
        while start < count {
            let sent = c_daytime_sendmmsg(
                self.descriptor,
                self.answers.baseAddress! + start,
                UInt32(count - start),
                Int32(MSG_NOSIGNAL)
            )
            if sent > 0 {
                var bytes = 0
                for k in start..<start + Int(sent) {
                    bytes += self.answerVectors[k].iov_len
                    self.record(.answered, peer: self.answers[k].msg_hdr.msg_name!)
                }
                self.context.statistics.countAnswers(Int(sent), service: self.service, transport: .udp)
                self.countSent(Int(sent), bytes: bytes, receivedAt: receivedAt)
                start += Int(sent)
            } else if sent < 0 && errno == EINTR {
                continue
            } else {
                // The answer at `start` could not be sent (ENETUNREACH, EPERM from a firewall...).
                self.context.statistics.countSendFailure()
                self.record(.sendFailed, peer: self.answers[start].msg_hdr.msg_name!)
                start += 1
            }
        }
    }

    /// Sends the one answer in slot 0, as ``send(count:receivedAt:)`` does for a batch.
    private mutating func sendOne(receivedAt: UInt64) {
        let header = self.answers[0].msg_hdr
        let length = self.answerVectors[0].iov_len
        var sent: Int
        repeat {
            if header.msg_control == nil {
                sent = sendto(
                    self.descriptor,
                    self.answerVectors[0].iov_base,
                    length,
                    Int32(MSG_NOSIGNAL),
                    header.msg_name!.assumingMemoryBound(to: sockaddr.self),
                    header.msg_namelen
                )
            } else {
                sent = sendmsg(self.descriptor, &self.answers[0].msg_hdr, Int32(MSG_NOSIGNAL))
            }
        } while sent < 0 && errno == EINTR
        if sent < 0 {
            self.context.statistics.countSendFailure()
            self.record(.sendFailed, peer: header.msg_name!)
            return
        }
        self.record(.answered, peer: header.msg_name!)
        self.context.statistics.countAnswers(1, service: self.service, transport: .udp)
        self.countSent(1, bytes: length, receivedAt: receivedAt)
    }

    /// Records `outcome` for `peer` in the access log, if there is one.
    @inline(__always)
    private func record(_ outcome: AccessLog.Outcome, peer: UnsafeRawPointer) {
        self.context.accessLog?.record(outcome, service: self.service, transport: .udp, socketAddress: peer)
    }

    /// Counts answers sent, timed from `receivedAt` if the configuration asks for latency.
    @inline(__always)
    private func countSent(_ count: Int, bytes: Int, receivedAt: UInt64) {
        if self.context.measuresLatency {
            let elapsed = Int(truncatingIfNeeded: MonotonicClock.nanoseconds() &- receivedAt)
            self.context.statistics.countSent(count, bytes: bytes, nanoseconds: elapsed, series: self.series)
        } else {
            self.context.statistics.countSent(count, bytes: bytes, series: self.series)
        }
    }
}
