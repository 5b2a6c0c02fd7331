import Synchronization

/// A fixed number of counters, each a relaxed atomic, allocated once and never moved.
///
/// `Synchronization.Atomic` needs a stable address and cannot live in an `Array`; one buffer of
/// atomics gives every counter one, and indexing it costs neither reference counting nor a lock.
/// The hot paths use it for per-bucket and per-series counts.
final class AtomicCounters: @unchecked Sendable {
    // Unchecked: the buffer is written only through its atomics and freed only in deinit.
    private let counters: UnsafeMutablePointer<Atomic<Int>>
    /// The number of counters.
    let count: Int

    init(count: Int) {
        self.count = count
        self.counters = .allocate(capacity: count)
        for index in 0..<count {
            (self.counters + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        self.counters.deinitialize(count: self.count)
        self.counters.deallocate()
    }

    @inline(__always)
    func add(_ value: Int, at index: Int) {
        self.counters[index].add(value, ordering: .relaxed)
    }

    func load(_ index: Int) -> Int {
        self.counters[index].load(ordering: .relaxed)
    }
}
