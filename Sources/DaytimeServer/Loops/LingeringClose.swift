import CDaytimeLinux
import DaytimeCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Closes answered TCP connections the way nginx's `lingering_close` does, for clients that send
/// something before they read (``ServerConfiguration/lingeringClose``).
///
/// Closing a socket with unread input sends a reset instead of a FIN, and a client that sent a
/// request line gets its answer and then the reset, which many treat as a failure. So the
/// accepting thread hands the answered socket over here instead of closing it: ``close(_:)`` sends
/// the FIN at once (`shutdown(SHUT_WR)`: the answer is complete for the client), and one thread
/// with an epoll set reads and discards what the client sends until it closes its side, or until
/// the linger time has passed, and only then closes. At most ``capacity`` sockets linger; beyond
/// that, and once the service has stopped, a socket is closed at once.
///
/// Off by default: it costs an answered connection three more system calls (`shutdown`,
/// `epoll_ctl`, a `recv`) and a socket held a little longer, for a problem only clients that speak
/// first have.
final class LingeringCloser: Sendable {
    /// Sockets handed over and not yet taken by the thread; nil once it has stopped.
    private let incoming = Mutex<[Int32]?>([])
    private let lingering = Atomic<Int>(0)
    private let epoll: Int32
    private let linger: UInt64
    /// How long a socket lingers at most.
    let duration: Duration
    /// The most sockets lingering at once.
    let capacity: Int

    /// Sockets handed over and not yet closed.
    var count: Int {
        self.lingering.load(ordering: .relaxed)
    }

    /// - Throws: ``ServerError`` if the kernel gives no epoll instance (out of descriptors).
    init(linger: Duration, capacity: Int = 4096) throws(ServerError) {
        self.epoll = c_daytime_epoll_create()
        guard self.epoll >= 0 else {
            throw ServerError(
                code: .systemResource,
                description: "cannot create an epoll instance for \(setting: .lingeringClose): "
                    + "\(String(cString: strerror(errno))); raise the file-descriptor limit",
                systemError: errno
            )
        }
        let (seconds, attoseconds) = linger.components
        self.linger = UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
        self.duration = linger
        self.capacity = capacity
    }

    deinit {
        Glibc.close(self.epoll)
    }

    /// Takes over an answered socket: sends its FIN now, and closes it once the client has closed
    /// its side or the linger time has passed.
    func close(_ fd: Int32) {
        guard self.reserve() else {
            Glibc.close(fd)
            return
        }
        shutdown(fd, Int32(SHUT_WR))
        let taken = self.incoming.withLock { incoming -> Bool in
            guard incoming != nil else { return false }
            incoming!.append(fd)
            // Under the lock, so that a stopping thread cannot close the socket first. If the set
            // cannot take it, the deadline still closes it.
            _ = c_daytime_epoll_add_readable(self.epoll, fd, UInt32(bitPattern: fd))
            return true
        }
        if !taken {
            self.lingering.subtract(1, ordering: .relaxed)
            Glibc.close(fd)
        }
    }

    /// Takes a place for a socket that lingers elsewhere (a SwiftNIO channel of a PROXY port, which
    /// lingers on its own event loop); false when all ``capacity`` places are taken. Give it back
    /// with ``release()`` when the socket closes.
    func reserve() -> Bool {
        guard self.lingering.add(1, ordering: .relaxed).newValue <= self.capacity else {
            self.lingering.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back a place taken with ``reserve()``.
    func release() {
        self.lingering.subtract(1, ordering: .relaxed)
    }

    /// The lingering thread's loop, until `stopFlag` is set; then it closes what still lingers
    /// and every socket handed over later is closed at once.
    func run(until stopFlag: StopFlag) {
        // Each socket's deadline, in the order they came, so the earliest is first; a socket
        // closed early is marked in `live` and skipped when its deadline comes.
        var deadlines: [(fd: Int32, serial: UInt64, deadline: UInt64)] = []
        var first = 0
        var live: [Int32: UInt64] = [:]
        var serial: UInt64 = 0
        var tokens = [UInt32](repeating: 0, count: 256)
        let discard = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)
        defer { discard.deallocate() }

        func finish(_ fd: Int32) {
            live[fd] = nil
            self.lingering.subtract(1, ordering: .relaxed)
            Glibc.close(fd)
        }

        while !stopFlag.isSet {
            let now = MonotonicClock.nanoseconds()
            for fd in self.incoming.withLock({ $0!.isEmpty ? [] : $0!.dropAll() }) {
                serial &+= 1
                live[fd] = serial
                deadlines.append((fd, serial, now &+ self.linger))
            }
            while first < deadlines.count && deadlines[first].deadline <= now {
                let (fd, serial, _) = deadlines[first]
                first += 1
                if live[fd] == serial { finish(fd) }
            }
            if first > 1024 && first * 2 > deadlines.count {
                deadlines.removeFirst(first)
                first = 0
            }
            let ready = tokens.withUnsafeMutableBufferPointer {
                c_daytime_epoll_wait(self.epoll, $0.baseAddress, Int32($0.count), 50_000_000)
            }
            for i in 0..<max(0, Int(ready)) {
                let fd = Int32(bitPattern: tokens[i])
                // Not taken yet: the epoll set is level-triggered, so it is seen again.
                guard live[fd] != nil else { continue }
                while true {
                    let n = recv(fd, discard.baseAddress, discard.count, Int32(MSG_DONTWAIT))
                    if n > 0 { continue }
                    if n < 0 && (errno == EAGAIN || errno == EINTR) { break }
                    // The client closed its side (0), or reset: done.
                    finish(fd)
                    break
                }
            }
        }
        let left = self.incoming.withLock { incoming -> [Int32] in
            defer { incoming = nil }
            return incoming ?? []
        }
        for fd in left { live[fd] = 0 }
        for fd in live.keys { finish(fd) }
    }
}

extension Array {
    /// Empties the array and returns what it held, keeping its storage.
    fileprivate mutating func dropAll() -> [Element] {
        defer { self.removeAll(keepingCapacity: true) }
        return self
    }
}
