import ArgumentParser
import DaytimeClient
import DaytimeCore

/// `daytime bench HOST`: a closed-loop load generator over ``TimeClient``. Each of `--concurrency`
/// workers asks, waits for the whole answer, and asks again, until `--duration` has passed or
/// `--count` answers have come; then it prints the rate and the latency percentiles.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure a server: ask it again and again, and report answers per second and latency.",
        discussion: """
            Each worker connects, reads the whole answer (and decodes it, as a query does), and starts \
            over. Latency is from the start of a query to its end. The last line is machine-readable, \
            in the format of shared/bench/loadgen: RESULT tps=... p50_us=... p99_us=... errors=...

            Only load servers that you run or may load: this sends as many connections as the server answers.

            Exit status: 0 if at least one answer came; otherwise that of the most frequent failure, as \
            for a query.
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(help: "How many queries to keep in flight at once.")
    var concurrency: Int = 4

    @Option(help: "Seconds to run for.")
    var duration: Double = 5

    @Option(help: "Stop after this many answers, even before --duration has passed. (default: no limit)")
    var count: Int?

    func validate() throws {
        guard (1...1024).contains(self.concurrency) else {
            throw ValidationError("--concurrency \(self.concurrency) is out of range; give 1 to 1024.")
        }
        guard self.duration.isFinite, self.duration > 0, self.duration <= 3600 else {
            throw ValidationError("--duration \(self.duration) is out of range; give seconds above 0 and at most 3600.")
        }
        if let count, count < 1 {
            throw ValidationError("--count \(count) is out of range; give 1 or more, or leave it out.")
        }
    }

    func run() async throws {
        // Zone-less lines are decoded in UTC: a bench reports no offsets, so the zone does not matter.
        let query = self.server.query(assumedTimeZone: .utc)
        let client = TimeClient()
        let workers = self.concurrency
        let start = MonotonicClock.nanoseconds()
        let end = start + UInt64(self.duration * 1e9)
        let limit = self.count ?? .max
        let tally = await withTaskGroup(of: BenchTally.self) { group in
            for worker in 0..<workers {
                // Split --count among the workers; the first ones take the remainder.
                let share = limit == .max ? .max : limit / workers + (worker < limit % workers ? 1 : 0)
                group.addTask {
                    var tally = BenchTally()
                    while tally.attempts < share && MonotonicClock.nanoseconds() < end {
                        let t0 = MonotonicClock.nanoseconds()
                        do {
                            _ = try await client.query(query)
                            tally.latencies.append(MonotonicClock.nanoseconds() - t0)
                        } catch let error as TimeClientError {
                            tally.record(error)
                        } catch {
                            tally.record(TimeClientError(.networkError, "\(error)"))
                        }
                        tally.attempts += 1
                    }
                    return tally
                }
            }
            var total = BenchTally()
            for await tally in group {
                total.merge(tally)
            }
            return total
        }
        let elapsed = Double(MonotonicClock.nanoseconds() - start) / 1e9
        print(tally.report(query: query, workers: workers, elapsed: elapsed))
        if tally.latencies.isEmpty, let (code, error) = tally.mostFrequentError {
            printError("daytime: no answer; \(error.description)")
            throw ExitCode(DaytimeExitCode.for(code))
        }
    }
}

/// What the workers saw: one latency per answer (nanoseconds), and the failures by kind.
struct BenchTally: Sendable {
    var attempts = 0
    var latencies: [UInt64] = []
    var errors: [TimeClientError.Code: (count: Int, example: TimeClientError)] = [:]

    var errorCount: Int {
        self.errors.values.reduce(0) { $0 + $1.count }
    }

    var mostFrequentError: (TimeClientError.Code, TimeClientError)? {
        self.errors.max { $0.value.count < $1.value.count }.map { ($0.key, $0.value.example) }
    }

    mutating func record(_ error: TimeClientError) {
        self.errors[error.code, default: (0, error)].count += 1
    }

    mutating func merge(_ other: BenchTally) {
        self.attempts += other.attempts
        self.latencies += other.latencies
        for (code, entry) in other.errors {
            self.errors[code, default: (0, entry.example)].count += entry.count
        }
    }

    /// Three lines: what ran, the latency percentiles, and loadgen's RESULT line.
    func report(query: TimeQuery, workers: Int, elapsed: Double) -> String {
        let sorted = self.latencies.sorted()
        func percentile(_ p: Double) -> UInt64 {
            guard !sorted.isEmpty else { return 0 }
            return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.down)))]
        }
        func milliseconds(_ ns: UInt64) -> String {
            SampleOutput.decimal(Double(ns) / 1e6, digits: 3) + " ms"
        }
        let rate = elapsed > 0 ? Double(sorted.count) / elapsed : 0
        var errorText = "\(self.errorCount) errors"
        if !self.errors.isEmpty {
            let kinds = self.errors.sorted { $0.value.count > $1.value.count }.map { "\($0.key) \($0.value.count)" }
            errorText += " (" + kinds.joined(separator: ", ") + ")"
        }
        let endpoint =
            query.host.contains(":") ? "[\(query.host)]:\(query.effectivePort)" : "\(query.host):\(query.effectivePort)"
        return """
            \(endpoint) \(query.protocol), \(workers) at a time, \(SampleOutput.decimal(elapsed, digits: 1)) s: \
            \(sorted.count) answers (\(SampleOutput.decimal(rate, digits: 0))/s), \(errorText)
            latency p50 \(milliseconds(percentile(0.5))), p90 \(milliseconds(percentile(0.9))), \
            p99 \(milliseconds(percentile(0.99))), max \(milliseconds(sorted.last ?? 0))
            RESULT tps=\(SampleOutput.decimal(rate, digits: 0)) p50_us=\(percentile(0.5) / 1000) \
            p99_us=\(percentile(0.99) / 1000) errors=\(self.errorCount)
            """
    }
}
