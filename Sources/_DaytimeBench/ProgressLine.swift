/// The live line `daytime bench` redraws on a terminal once a second: answers per second over the
/// last interval, errors so far, and the 99th percentile of latency so far.
///
/// Shown only where a person watches: when standard error is a terminal that can move the cursor
/// (`TERM` is not `dumb`). In a pipe, a file or CI logs it would only add noise, so it is left out
/// and the final report is all there is, as `wrk` and `h2load` do.
public struct ProgressLine: Sendable {
    private var lastElapsed: UInt64 = 0
    private var lastTransactions = 0

    /// A line for a run that is just starting.
    public init() {}

    /// Whether to show the line, given whether standard error is a terminal and the value of `TERM`.
    public static func isWanted(standardErrorIsTerminal: Bool, term: String?) -> Bool {
        standardErrorIsTerminal && term != "dumb"
    }

    /// The text of the line for `progress` (no line ending): `  3 s  24512/s  0 errors  p99 120.5 µs`.
    public mutating func text(_ progress: BenchProgress) -> String {
        let tally = progress.tally
        let interval = progress.elapsedNanoseconds &- self.lastElapsed
        let rate = interval == 0 ? 0 : Double(tally.transactions - self.lastTransactions) * 1e9 / Double(interval)
        self.lastElapsed = progress.elapsedNanoseconds
        self.lastTransactions = tally.transactions
        let p99 = tally.answers == 0 ? "-" : BenchReport.duration(tally.latency(atPercentile: 99))
        return "\(BenchReport.fixed(Double(progress.elapsedNanoseconds) / 1e9, 0)) s  "
            + "\(BenchReport.fixed(rate, 0)) transactions/s  \(tally.answers) answers  "
            + "\(tally.errorCount) errors  p99 \(p99)"
    }

    /// What redraws the line in place: carriage return, then erase the line (ANSI EL2).
    public static let redraw = "\r\u{1B}[2K"
}
