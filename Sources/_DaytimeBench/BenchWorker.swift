import CDaytimeLinux
import DaytimeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One load thread's share of a run.
struct WorkerPlan: Sendable {
    /// Which thread this is (0 ...), for its share of the source addresses and schedule.
    var index: Int
    /// Transactions in flight at most on this thread.
    var slots: Int
    /// Transactions to start at most; `Int.max` for no limit.
    var budget: Int
    /// Open loop: nanoseconds between scheduled starts on this thread; nil for a closed loop.
    var interval: Double?
    /// Open loop: the first scheduled start, in monotonic nanoseconds.
    var firstStart: UInt64
    /// No transaction starts at or after this monotonic time; `UInt64.max` for none.
    var deadline: UInt64
}

/// Where a load thread leaves its counts for the thread that reports: merged in every
/// ``BenchWorker/publishInterval`` and at the end, so that a progress line can read them.
final class WorkerMailbox: Sendable {
    let tally = Mutex(BenchTally())
    let finished = Atomic<Bool>(false)
}

/// The load loop of one OS thread: plain non-blocking sockets and one epoll set, like
/// `shared/bench/loadgen.c`, so that the client costs less per transaction than the servers it
/// measures.
///
/// Per transaction, TCP: `socket`, `setsockopt(SO_LINGER 0)` (the close sends a reset, so the
/// client keeps no TIME_WAIT), `bind` when spreading source addresses, `connect`, `epoll_ctl`,
/// `read` until the end of the stream, `close`. UDP: each slot keeps one connected socket, and a
/// transaction is a `send` and a `recv` (a socket whose transaction timed out or failed is replaced,
/// so that a late answer is never taken for the next one's; or, like loadgen, one socket per
/// transaction with ``BenchConfiguration/udpSocketPerTransaction``). Nothing is allocated per transaction:
/// slots, answer buffers and the latency histogram are allocated once, when the thread starts.
final class BenchWorker {
    /// How often the thread merges its counts into its mailbox, at most (nanoseconds).
    static let publishInterval: UInt64 = 100_000_000

    private struct Slot {
        var fd: Int32 = -1
        /// When it should have started (open loop) or did start (closed loop): latency is from here.
        var intended: UInt64 = 0
        /// When it did start: the timeout is from here.
        var started: UInt64 = 0
        var received = 0
        var busy = false
    }

    private let configuration: BenchConfiguration
    private let plan: WorkerPlan
    private let mailbox: WorkerMailbox
    private let slots: UnsafeMutableBufferPointer<Slot>
    private let freeSlots: UnsafeMutableBufferPointer<Int>
    private var freeCount: Int
    private let answers: UnsafeMutableRawBufferPointer
    private let answerCapacity: Int
    private let tokens: UnsafeMutableBufferPointer<UInt32>
    private var pending = BenchTally()
    private var epoll: Int32 = -1
    private var issued = 0
    private var sourceCounter: UInt32
    private let scanInterval: UInt64

    init(configuration: BenchConfiguration, plan: WorkerPlan, mailbox: WorkerMailbox) {
        self.configuration = configuration
        self.plan = plan
        self.mailbox = mailbox
        self.slots = .allocate(capacity: plan.slots)
        self.slots.initialize(repeating: Slot())
        self.freeSlots = .allocate(capacity: plan.slots)
        for index in 0..<plan.slots {
            // Popped from the end: slot 0 first.
            self.freeSlots[index] = plan.slots - 1 - index
        }
        self.freeCount = plan.slots
        // One byte more than the longest answer accepted, to see that an answer is too long.
        self.answerCapacity = configuration.maximumAnswerLength + 1
        self.answers = .allocate(byteCount: plan.slots * self.answerCapacity, alignment: 8)
        self.tokens = .allocate(capacity: min(plan.slots, 512))
        self.sourceCounter = UInt32(truncatingIfNeeded: plan.index &* 61)
        self.scanInterval = max(1_000_000, min(100_000_000, configuration.timeoutNanoseconds / 4))
    }

    deinit {
        self.slots.deallocate()
        self.freeSlots.deallocate()
        self.answers.deallocate()
        self.tokens.deallocate()
    }

    /// Runs until the deadline, or until the budget is spent and every transaction has ended.
    func run() {
        defer {
            for index in 0..<self.plan.slots where self.slots[index].fd >= 0 {
                close(self.slots[index].fd)
            }
            if self.epoll >= 0 { close(self.epoll) }
            self.publish()
            self.mailbox.finished.store(true, ordering: .releasing)
        }
        self.epoll = c_daytime_epoll_create()
        guard self.epoll >= 0 else {
            self.pending.recordError(.other)
            return
        }
        var nextStart = self.plan.firstStart
        var scheduled = 0
        var lastScan = MonotonicClock.nanoseconds()
        var lastPublish = lastScan
        while true {
            var now = MonotonicClock.nanoseconds()
            if now >= self.plan.deadline {
                if let interval = self.plan.interval, nextStart < self.plan.deadline, self.issued < self.plan.budget {
                    // Scheduled before the end but never sent: every slot was busy.
                    let behind = Int(Double(self.plan.deadline - nextStart) / interval) + 1
                    self.pending.recordUnsent(min(behind, self.plan.budget - self.issued))
                }
                return
            }
            // Start what is due. At most one pass over the slots, so that a socket error that
            // returns a slot at once cannot keep this loop from waiting.
            var started = 0
            if let interval = self.plan.interval {
                while nextStart <= now, self.issued < self.plan.budget, self.freeCount > 0, started < self.plan.slots {
                    self.start(intended: nextStart, now: now)
                    scheduled += 1
                    nextStart = self.plan.firstStart + UInt64(Double(scheduled) * interval)
                    started += 1
                }
            } else {
                while self.issued < self.plan.budget, self.freeCount > 0, started < self.plan.slots {
                    self.start(intended: now, now: now)
                    started += 1
                }
            }
            if self.issued >= self.plan.budget && self.freeCount == self.plan.slots {
                return
            }
            // Wait for answers, the next scheduled start, the next timeout scan or the deadline.
            var wake = min(self.plan.deadline, lastScan + self.scanInterval)
            if self.plan.interval != nil, self.freeCount > 0, self.issued < self.plan.budget {
                wake = min(wake, nextStart)
            }
            let timeout = wake > now ? Int64(wake - now) : 0
            let ready = c_daytime_epoll_wait(self.epoll, self.tokens.baseAddress, Int32(self.tokens.count), timeout)
            if ready > 0 {
                for k in 0..<Int(ready) {
                    self.readable(Int(self.tokens[k]))
                }
            }
            now = MonotonicClock.nanoseconds()
            if now &- lastScan >= self.scanInterval {
                lastScan = now
                self.expire(now: now)
            }
            if now &- lastPublish >= Self.publishInterval {
                lastPublish = now
                self.publish()
            }
        }
    }

    private func publish() {
        self.mailbox.tally.withLock { $0.add(self.pending) }
        self.pending.reset()
    }

    // MARK: - Starting

    private func start(intended: UInt64, now: UInt64) {
        self.freeCount -= 1
        let index = self.freeSlots[self.freeCount]
        self.issued += 1
        self.slots[index].intended = intended
        self.slots[index].started = now
        self.slots[index].received = 0
        self.slots[index].busy = true
        let failure = self.configuration.transport == .tcp ? self.connect(index) : self.send(index)
        if let failure {
            self.finish(index, failure)
        }
    }

    /// A non-blocking socket of `type` for the target's family, kept as slot `index`'s; nil if none.
    private func openSocket(_ index: Int, type: __socket_type) -> Int32? {
        let family = self.configuration.target.isIPv6 ? AF_INET6 : AF_INET
        let fd = socket(family, Int32(type.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.slots[index].fd = fd
        return fd
    }

    /// Opens a non-blocking TCP connection for slot `index`; nil, or why it failed at once.
    private func connect(_ index: Int) -> BenchErrorKind? {
        let target = self.configuration.target
        guard let fd = self.openSocket(index, type: SOCK_STREAM) else { return .other }
        var noLinger = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &noLinger, socklen_t(MemoryLayout<linger>.size))
        if self.configuration.spreadsSources {
            var source = sockaddr_in()
            source.sin_family = sa_family_t(AF_INET)
            source.sin_addr.s_addr = (0x7F00_0000 | (2 + self.sourceCounter % 250)).bigEndian
            self.sourceCounter &+= 1
            let bound = withUnsafePointer(to: &source) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { return .other }
        }
        let status = target.withSocketAddress { Glibc.connect(fd, $0, $1) }
        if status != 0 && errno != EINPROGRESS {
            return Self.kind(errno)
        }
        guard c_daytime_epoll_add_readable(self.epoll, fd, UInt32(index)) == 0 else { return .other }
        return nil
    }

    /// Sends one datagram from slot `index`'s socket, opening it first if it has none.
    private func send(_ index: Int) -> BenchErrorKind? {
        if self.slots[index].fd < 0 {
            let target = self.configuration.target
            guard let fd = self.openSocket(index, type: SOCK_DGRAM) else { return .other }
            guard target.withSocketAddress({ Glibc.connect(fd, $0, $1) }) == 0 else { return Self.kind(errno) }
            guard c_daytime_epoll_add_readable(self.epoll, fd, UInt32(index)) == 0 else { return .other }
        }
        // Any datagram is a request (RFC 867, RFC 868); one newline, as loadgen and rdate send.
        var request: UInt8 = 0x0A
        guard Glibc.send(self.slots[index].fd, &request, 1, Int32(MSG_NOSIGNAL)) == 1 else { return Self.kind(errno) }
        return nil
    }

    // MARK: - Ending

    private func readable(_ index: Int) {
        guard index < self.plan.slots, self.slots[index].busy else { return }
        let fd = self.slots[index].fd
        let answer = self.answers.baseAddress! + index * self.answerCapacity
        if self.configuration.transport == .udp {
            let n = recv(fd, answer, self.answerCapacity, 0)
            if n >= 0 {
                let bytes = UnsafeRawBufferPointer(start: answer, count: n)
                self.finish(index, n > self.configuration.maximumAnswerLength ? .malformed : self.verdict(bytes))
            } else if errno != EAGAIN && errno != EINTR {
                self.finish(index, Self.kind(errno))
            }
            return
        }
        while true {
            let received = self.slots[index].received
            let n = read(fd, answer + received, self.answerCapacity - received)
            if n > 0 {
                self.slots[index].received += n
                if self.slots[index].received > self.configuration.maximumAnswerLength {
                    self.finish(index, .malformed)
                    return
                }
            } else if n == 0 {
                self.finish(index, self.verdict(UnsafeRawBufferPointer(start: answer, count: received)))
                return
            } else if errno == EINTR {
                continue
            } else {
                if errno != EAGAIN { self.finish(index, Self.kind(errno)) }
                return
            }
        }
    }

    private func verdict(_ answer: UnsafeRawBufferPointer) -> BenchErrorKind? {
        AnswerCheck.verdict(answer, protocol: self.configuration.protocol)
    }

    /// Ends every transaction that has run longer than the timeout.
    private func expire(now: UInt64) {
        let timeout = self.configuration.timeoutNanoseconds
        for index in 0..<self.plan.slots where self.slots[index].busy && now &- self.slots[index].started >= timeout {
            self.finish(index, .timeout)
        }
    }

    /// Counts the transaction of slot `index` (nil: a good answer) and frees the slot. TCP sockets
    /// are closed; a UDP socket is kept for the next transaction unless this one failed.
    private func finish(_ index: Int, _ failure: BenchErrorKind?) {
        if let failure {
            self.pending.recordError(failure)
        } else {
            self.pending.recordAnswer(latency: MonotonicClock.nanoseconds() &- self.slots[index].intended)
        }
        let fd = self.slots[index].fd
        if fd >= 0
            && (self.configuration.transport == .tcp || failure != nil || self.configuration.udpSocketPerTransaction)
        {
            close(fd)
            self.slots[index].fd = -1
        }
        self.slots[index].busy = false
        self.freeSlots[self.freeCount] = index
        self.freeCount += 1
    }

    /// The kind of a socket error.
    static func kind(_ error: Int32) -> BenchErrorKind {
        switch error {
        case ECONNREFUSED: return .refused
        case ECONNRESET, EPIPE, ECONNABORTED: return .reset
        case ETIMEDOUT: return .timeout
        default: return .other
        }
    }
}
