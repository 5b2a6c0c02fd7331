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
