import DaytimeCore
import Synchronization

/// A kernel clock whose state a test sets, before or while the service runs: the service reads it
/// as it reads `adjtimex`, and this machine's clock is never touched.
final class TestKernelClock: KernelClockReading {
    private let state: Mutex<KernelClockState?>

    init(_ state: KernelClockState?) {
        self.state = Mutex(state)
    }

    func set(_ new: KernelClockState?) {
        self.state.withLock { $0 = new }
    }

    func read() -> KernelClockState? {
        self.state.withLock { $0 }
    }
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
