import DaytimeCore

/// How a ``BenchResult`` is printed: a few lines for people, one JSON object for programs, and the
/// `RESULT` line of `shared/bench/loadgen.c` for scripts written against it.
public enum BenchReport {
    /// The percentiles reported, from the median to the last one in ten thousand.
    public static let percentiles: [(name: String, value: Double)] = [
        ("p50", 50), ("p90", 90), ("p99", 99), ("p99.9", 99.9), ("p99.99", 99.99),
    ]

    /// The report for people; its last line is loadgen's `RESULT tps=... p50_us=... p99_us=... errors=...`.
    public static func text(_ result: BenchResult) -> String {
        let configuration = result.configuration
        let tally = result.tally
        var lines: [String] = []
        let threads = configuration.threads == 1 ? "1 thread" : "\(configuration.threads) threads"
        let loop: String
        switch configuration.loop {
        case .closed: loop = "closed loop, \(configuration.concurrency) in flight"
        case .open(let rate): loop = "open loop at \(fixed(rate, 1))/s, at most \(configuration.concurrency) in flight"
        }
        lines.append(
            "\(configuration.target) \(configuration.transport) \(configuration.protocol), \(loop) on \(threads), "
                + "\(fixed(Double(result.elapsedNanoseconds) / 1e9, 2)) s"
        )
        lines.append("  answers     \(tally.answers) (\(fixed(result.answersPerSecond, 1))/s)")
        let kinds = BenchErrorKind.allCases.map { "\($0) \(tally.errors($0))" }.joined(separator: ", ")
        lines.append("  errors      \(tally.errorCount): \(kinds)")
        if tally.unsent > 0 {
            lines.append(
                "  behind      \(tally.unsent) scheduled transactions never started: every slot was busy; raise --concurrency"
            )
        }
        if tally.answers > 0 {
            let values = percentiles.map { "\($0.name) \(duration(result.latency(atPercentile: $0.value)))" }
            lines.append(
                "  latency     " + (values + ["max \(duration(tally.maximumLatency))"]).joined(separator: ", ")
            )
        } else {
            lines.append("  latency     no answers")
        }
        let cpu = Double(result.userCPUNanoseconds + result.systemCPUNanoseconds)
        lines.append(
            "  client CPU  \(fixed(cpu / 1e9, 3)) s (user \(fixed(Double(result.userCPUNanoseconds) / 1e9, 3)) s, "
                + "system \(fixed(Double(result.systemCPUNanoseconds) / 1e9, 3)) s), "
                + "\(duration(UInt64(result.clientCPUPerTransaction))) per transaction"
        )
        if configuration.spreadsSources {
            lines.append("  sources     127.0.0.2 to 127.0.0.251")
        }
        lines.append(resultLine(result))
        return lines.joined(separator: "\n")
    }

    /// loadgen's last line: `RESULT tps=24189 p50_us=35 p99_us=120 errors=0`.
    public static func resultLine(_ result: BenchResult) -> String {
        "RESULT tps=\(fixed(result.answersPerSecond, 0)) p50_us=\(result.latency(atPercentile: 50) / 1000) "
            + "p99_us=\(result.latency(atPercentile: 99) / 1000) errors=\(result.tally.errorCount)"
    }

    /// One JSON object on one line; latencies in microseconds, CPU time in seconds.
    public static func json(_ result: BenchResult) -> String {
        let configuration = result.configuration
        let tally = result.tally
        var rate = "null"
        if case .open(let perSecond) = configuration.loop { rate = fixed(perSecond, 3) }
        let errors = BenchErrorKind.allCases.map { ($0.description, String(tally.errors($0))) }
        var latency = percentiles.map { ($0.name, microseconds(result.latency(atPercentile: $0.value))) }
        latency.append(("max", microseconds(tally.maximumLatency)))
        return JSONText.object([
            ("target", JSONText.string(configuration.target.description)),
            ("transport", JSONText.string(configuration.transport.description)),
            ("protocol", JSONText.string(configuration.protocol.description)),
            ("loop", JSONText.string(configuration.loop == .closed ? "closed" : "open")),
            ("rate", rate),
            ("concurrency", String(configuration.concurrency)),
            ("threads", String(configuration.threads)),
            ("spread_source_addresses", String(configuration.spreadsSources)),
            ("elapsed_s", fixed(Double(result.elapsedNanoseconds) / 1e9, 6)),
            ("answers", String(tally.answers)),
            ("answers_per_second", fixed(result.answersPerSecond, 1)),
            ("error_count", String(tally.errorCount)),
            ("errors", JSONText.object(errors)),
            ("unsent", String(tally.unsent)),
            ("latency_us", JSONText.object(latency)),
            ("client_cpu_user_s", fixed(Double(result.userCPUNanoseconds) / 1e9, 6)),
            ("client_cpu_system_s", fixed(Double(result.systemCPUNanoseconds) / 1e9, 6)),
            ("client_cpu_us_per_transaction", fixed(result.clientCPUPerTransaction / 1000, 3)),
        ])
    }

    /// `value` with `digits` digits after the point; 0 for a rate over no time (not finite).
    static func fixed(_ value: Double, _ digits: Int) -> String {
        value.isFinite ? DecimalText.fixed(value, digits: digits) : "0"
    }

    /// Nanoseconds in the unit that reads best: `850 ns`, `35.2 µs`, `1.25 ms`, `2.000 s`.
    static func duration(_ nanoseconds: UInt64) -> String {
        let value = Double(nanoseconds)
        if nanoseconds < 1000 { return "\(nanoseconds) ns" }
        if nanoseconds < 1_000_000 { return fixed(value / 1e3, 1) + " µs" }
        if nanoseconds < 1_000_000_000 { return fixed(value / 1e6, 2) + " ms" }
        return fixed(value / 1e9, 3) + " s"
    }

    private static func microseconds(_ nanoseconds: UInt64) -> String {
        fixed(Double(nanoseconds) / 1e3, 3)
    }
}
