/// The counts of a run so far, for a progress line.
public struct BenchProgress: Sendable {
    /// Nanoseconds since the run started.
    public var elapsedNanoseconds: UInt64
    /// What the load threads had counted at their last report (they report every 100 ms).
    public var tally: BenchTally
}

/// What a whole run measured.
public struct BenchResult: Sendable {
    /// What ran.
    public var configuration: BenchConfiguration
    /// Every transaction's outcome, and the answers' latencies.
    public var tally: BenchTally
    /// From the start of the run to the end of its last load thread.
    public var elapsedNanoseconds: UInt64
    /// CPU time this process spent in user space during the run (every thread).
    public var userCPUNanoseconds: UInt64
    /// CPU time the kernel spent for this process during the run (every thread).
    public var systemCPUNanoseconds: UInt64

    /// Good answers per second.
    public var answersPerSecond: Double {
        self.elapsedNanoseconds == 0 ? 0 : Double(self.tally.answers) * 1e9 / Double(self.elapsedNanoseconds)
    }

    /// The client's own CPU time per transaction (user and system), in nanoseconds: what the load
    /// generator costs, to compare with what the server costs.
    public var clientCPUPerTransaction: Double {
        let transactions = self.tally.transactions
        return transactions == 0
            ? 0 : Double(self.userCPUNanoseconds + self.systemCPUNanoseconds) / Double(transactions)
    }

    /// The latency at `percentile` (0 to 100) in nanoseconds; 0 if no answer came.
    public func latency(atPercentile percentile: Double) -> UInt64 {
        self.tally.latency(atPercentile: percentile)
    }
}
