import DaytimeCore
import Synchronization

/// A kernel clock whose state a test sets, before or while the service runs: the service reads it
/// as it reads `adjtimex`, and this machine's clock is never touched.
final class TestKernelClock: KernelClockReading {
    private let state: Mutex<KernelClockState?>
    private let readCount = Atomic<Int>(0)

    init(_ state: KernelClockState?) {
        self.state = Mutex(state)
    }

    func set(_ new: KernelClockState?) {
        self.state.withLock { $0 = new }
    }

    func read() -> KernelClockState? {
        let state = self.state.withLock { $0 }
        // Counted after the read, so a test that sees the count knows what that read returned.
        self.readCount.add(1, ordering: .relaxed)
        return state
    }

    /// How many times the service has read the state: its clock checks so far.
    var reads: Int { self.readCount.load(ordering: .relaxed) }
}

/// A kernel an NTP daemon keeps synchronized: 30 ms maximum error, 2 ms estimated.
let synchronizedKernel = KernelClockState(
    isSynchronized: true,
    maximumErrorMicroseconds: 30_000,
    estimatedErrorMicroseconds: 2_000
)

/// A kernel no NTP daemon disciplines: unsynchronized, errors at their 16 s ceiling.
let unsynchronizedKernel = KernelClockState(
    isSynchronized: false,
    maximumErrorMicroseconds: 16_000_000,
    estimatedErrorMicroseconds: 16_000_000
)
