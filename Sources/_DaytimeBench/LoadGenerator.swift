import DaytimeCore
import DaytimeSystem
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs a bench: starts the load threads, reports progress while they run, and collects their counts.
public enum LoadGenerator {
    /// Runs `configuration` to its end and returns what it measured. Blocks the calling thread
    /// (run it on a thread of its own, not on Swift's cooperative pool), which wakes every 50 ms
    /// to check the load threads and calls `progress` every `progressInterval` nanoseconds.
    public static func run(
        _ configuration: BenchConfiguration,
        progressInterval: UInt64 = 1_000_000_000,
        progress: ((BenchProgress) -> Void)? = nil
    ) throws(BenchError) -> BenchResult {
        try configuration.validate()
        let threads = configuration.threads
        let mailboxes = (0..<threads).map { _ in WorkerMailbox() }
        let usageBefore = CPUUsage.now()
        let start = MonotonicClock.nanoseconds()
        let deadline = configuration.durationNanoseconds.map { start &+ $0 } ?? .max
        var started: [OSThread] = []
        for index in 0..<threads {
            let plan = Self.plan(configuration, index: index, start: start, deadline: deadline)
            let worker = BenchWorker(configuration: configuration, plan: plan, mailbox: mailboxes[index])
            do {
                started.append(try OSThread.start(name: "bench-\(index)") { worker.run() })
            } catch {
                // Stop the threads already running: they see the deadline pass at their next wake.
                for thread in started { thread.join() }
                throw BenchError(
                    .systemResource,
                    "cannot start load thread bench-\(index): \(error.reason); lower --threads"
                )
            }
        }
        var nextProgress = start &+ progressInterval
        while !mailboxes.allSatisfy({ $0.finished.load(ordering: .acquiring) }) {
            var pause = timespec(tv_sec: 0, tv_nsec: 50_000_000)
            nanosleep(&pause, nil)
            let now = MonotonicClock.nanoseconds()
            if let progress, now >= nextProgress {
                nextProgress = now &+ progressInterval
                var sofar = BenchTally()
                for mailbox in mailboxes { mailbox.tally.withLock { sofar.add($0) } }
                progress(BenchProgress(elapsedNanoseconds: now &- start, tally: sofar))
            }
        }
        for thread in started { thread.join() }
        let elapsed = MonotonicClock.nanoseconds() &- start
        let usage = CPUUsage.now().since(usageBefore)
        var total = BenchTally()
        for mailbox in mailboxes { mailbox.tally.withLock { total.add($0) } }
        return BenchResult(
            configuration: configuration,
            tally: total,
            elapsedNanoseconds: elapsed,
            userCPUNanoseconds: usage.user,
            systemCPUNanoseconds: usage.system
        )
    }

    /// Thread `index`'s share: slots and requests split as evenly as they go (the first threads
    /// take the remainders), the rate split evenly with the threads' schedules interleaved.
    static func plan(_ configuration: BenchConfiguration, index: Int, start: UInt64, deadline: UInt64) -> WorkerPlan {
        let threads = configuration.threads
        func share(_ total: Int) -> Int { total / threads + (index < total % threads ? 1 : 0) }
        var interval: Double?
        var firstStart = start
        if case .open(let rate) = configuration.loop {
            let perThread = Double(threads) * 1e9 / rate
            interval = perThread
            firstStart = start &+ UInt64(perThread * Double(index) / Double(threads))
        }
        return WorkerPlan(
            index: index,
            slots: share(configuration.concurrency),
            budget: configuration.requests.map(share) ?? .max,
            interval: interval,
            firstStart: firstStart,
            deadline: deadline
        )
    }
}

/// This process's CPU time so far (`getrusage(RUSAGE_SELF)`: every thread), in nanoseconds.
struct CPUUsage {
    var user: UInt64
    var system: UInt64

    static func now() -> CPUUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func nanoseconds(_ time: timeval) -> UInt64 {
            UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_usec) * 1000
        }
        return CPUUsage(user: nanoseconds(usage.ru_utime), system: nanoseconds(usage.ru_stime))
    }

    func since(_ earlier: CPUUsage) -> CPUUsage {
        CPUUsage(user: self.user &- earlier.user, system: self.system &- earlier.system)
    }
}
