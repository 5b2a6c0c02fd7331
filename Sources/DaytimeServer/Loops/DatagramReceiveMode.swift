/// Whether a ``DatagramLoop``'s next receive takes a batch (`recvmmsg`) or one datagram.
///
/// `recvmmsg` and `sendmmsg` pay off only when the socket's queue is deep. For the one or two
/// datagrams a batch finds under ordinary load, copying the `mmsghdr` arrays in and out, and the
/// failed receive that ends every `MSG_WAITFORONE` batch, cost more than the system calls they save
/// (profiled in docs/PERFORMANCE.md, "UDP"). So a shallow batch switches the loop to one datagram
/// per call for ``singlesPerProbe`` datagrams, after which one batch probes the queue's depth
/// again: a flood is batched within a few dozen datagrams of its start, and the probes cost a
/// lightly loaded server one `recvmmsg` in 65 receives.
struct DatagramReceiveMode: Sendable {
    /// A batch of at most this many datagrams counts as shallow.
    static let shallowBatch = 2
    /// Datagrams received one at a time between two probes.
    static let singlesPerProbe = 64

    /// True if the next receive is a batch.
    private(set) var batching = true
    private var singlesLeft = 0

    /// Creates the mode a loop starts in: batching, so that a queue filled before the start (a
    /// restart under load) is drained in batches.
    init() {}

    /// Records that the last receive returned `received` datagrams (at least 1).
    mutating func record(received: Int) {
        if self.batching {
            if received <= Self.shallowBatch {
                self.batching = false
                self.singlesLeft = Self.singlesPerProbe
            }
        } else {
            self.singlesLeft -= 1
            if self.singlesLeft <= 0 { self.batching = true }
        }
    }
}
