import DaytimeCore
import DaytimeNetwork
import DaytimeServer
import Prometheus
import Synchronization

/// Turns a ``ServerStatistics`` into Prometheus text, through swift-prometheus, at scrape time.
///
/// The hot paths count in relaxed atomics (``ServerStatistics``) and never touch a metrics
/// library: a swift-prometheus `Counter` takes a lock per increment. At each scrape the exporter
/// reads a snapshot, moves each registry counter by what its atomic gained since the previous
/// scrape (so counters stay monotonic and any other metric registered in the same registry, from
/// the swift-metrics facade say, is emitted alongside), sets the gauges, and emits the registry.
///
/// The latency histogram is the one family written here rather than by the registry:
/// swift-prometheus's `Histogram` can only `record` one value at a time, and replaying millions of
/// pre-bucketed answers into it at each scrape would cost time in proportion to the traffic. Its
/// lines follow the same text format (version 0.0.4), from the atomic buckets, in time
/// proportional to the number of buckets.
package final class StatisticsExporter: Sendable {
    /// The registry the server's metrics are in; register more metrics here to have them scraped too.
    package let registry: PrometheusCollectorRegistry
    private let statistics: ServerStatistics
    private let exported = Mutex(ServerStatistics.Snapshot?.none)
    private let answers: [String: Counter]
    private let bytes: [String: Counter]
    private let refusals: [RefusalReason: Counter]
    private let sendFailures: Counter
    private let reloadsSucceeded: Counter
    private let reloadsFailed: Counter
    private let accessLogDropped: Counter
    private let openConnections: Gauge
    private let ntpDropped: [NTPDropReason: Counter]
    private let ntpLeaked: Counter
    private let ntpKissesOfDeath: Counter
    private let clock: ClockGauges?
    private let ntp: NTPGauges?

    /// The clock's one state, as gauges, read at each scrape.
    private struct ClockGauges: Sendable {
        let status: @Sendable () -> TimeStatus?
        let synchronized: Gauge
        let health: Gauge
        let estimatedError: Gauge
    }

    /// What NTP answers say about the clock, as gauges.
    private struct NTPGauges: Sendable {
        let stratum: Gauge
        let rootDelay: Gauge
        let rootDispersion: Gauge
        let failedPolls: Gauge
    }

    /// The name of the latency histogram family.
    static let latencyName = "daytimed_answer_latency_seconds"

    /// Registers the server's metrics in `registry`.
    ///
    /// - Parameters:
    ///   - statistics: the counters to export (``DaytimeService/statistics``).
    ///   - registry: where to register them; a new one by default.
    ///   - processStartTime: seconds since the epoch when the process started; read from
    ///     `/proc/self/stat` by default.
    ///   - timeStatus: the clock's state (``DaytimeService/timeStatus()``), exported as gauges when
    ///     it is not nil at registration, with NTP's when NTP is served.
    package init(
        statistics: ServerStatistics,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        processStartTime: Double = ProcessStartTime.secondsSinceEpoch(),
        timeStatus: @escaping @Sendable () -> TimeStatus? = { nil }
    ) {
        self.statistics = statistics
        self.registry = registry
        var answers: [String: Counter] = [:]
        var bytes: [String: Counter] = [:]
        for (service, transport) in ServerStatistics.servedSeries {
            do {
                let labels = [("protocol", service.description), ("transport", transport.rawValue)]
                answers["\(service)/\(transport)"] = registry.makeCounter(
                    descriptor: Self.daytimed("answers", "total", "Connections and datagrams answered."),
                    labels: labels
                )
                bytes["\(service)/\(transport)"] = registry.makeCounter(
                    descriptor: Self.daytimed("sent_bytes", "total", "Bytes of answers sent."),
                    labels: labels
                )
            }
        }
        self.answers = answers
        self.bytes = bytes
        self.refusals = Dictionary(
            uniqueKeysWithValues: RefusalReason.allCases.map { reason in
                (
                    reason,
                    registry.makeCounter(
                        descriptor: Self.daytimed(
                            "refusals",
                            "total",
                            "Connections and datagrams refused an answer, by reason."
                        ),
                        labels: [("reason", Self.label(reason))]
                    )
                )
            }
        )
        self.sendFailures = registry.makeCounter(
            descriptor: Self.daytimed(
                "send_failures",
                "total",
                "Answers written but refused by the kernel (the peer had gone, or a firewall)."
            )
        )
        let reloads = Self.daytimed("reloads", "total", "Configuration reloads, by outcome.")
        self.reloadsSucceeded = registry.makeCounter(descriptor: reloads, labels: [("outcome", "success")])
        self.reloadsFailed = registry.makeCounter(descriptor: reloads, labels: [("outcome", "failure")])
        self.accessLogDropped = registry.makeCounter(
            descriptor: Self.daytimed(
                "access_log_dropped_lines",
                "total",
                "Access-log lines dropped because the writer could not keep up."
            )
        )
        self.openConnections = registry.makeGauge(
            descriptor: Self.daytimed("open_connections", "", "TCP connections accepted and not yet closed.")
        )
        let dropped = Self.daytimed("ntp_dropped", "total", "NTP datagrams dropped as not client requests, by reason.")
        self.ntpDropped = Dictionary(
            uniqueKeysWithValues: NTPDropReason.allCases.map { reason in
                (reason, registry.makeCounter(descriptor: dropped, labels: [("reason", Self.label(reason.rawValue))]))
            }
        )
        self.ntpLeaked = registry.makeCounter(
            descriptor: Self.daytimed("ntp_leaked", "total", "NTP requests over the rate limit answered anyway.")
        )
        self.ntpKissesOfDeath = registry.makeCounter(
            descriptor: Self.daytimed("ntp_kiss_of_death", "total", "Kiss-o'-Death RATE answers sent.")
        )
        let status = timeStatus()
        self.clock = status.map { _ in
            ClockGauges(
                status: timeStatus,
                synchronized: registry.makeGauge(
                    descriptor: Self.daytimed(
                        "clock_synchronized",
                        "",
                        "1 while the clock is synchronized, 0 while unsynchronized or unknown: NIST's H, SNTP's leap indicator and the refusals follow it."
                    )
                ),
                health: registry.makeGauge(
                    descriptor: Self.daytimed(
                        "clock_nist_health",
                        "",
                        "The health digit H that NIST lines carry (0 to 3)."
                    )
                ),
                estimatedError: registry.makeGauge(
                    descriptor: Self.daytimed(
                        "clock_estimated_error",
                        "seconds",
                        "The clock's estimated error, from its source; NaN when unknown."
                    )
                )
            )
        }
        self.ntp = status?.ntp.map { _ in
            NTPGauges(
                stratum: registry.makeGauge(
                    descriptor: Self.daytimed("ntp_stratum", "", "The stratum NTP answers carry.")
                ),
                rootDelay: registry.makeGauge(
                    descriptor: Self.daytimed("ntp_root_delay", "seconds", "The root delay NTP answers carry.")
                ),
                rootDispersion: registry.makeGauge(
                    descriptor: Self.daytimed(
                        "ntp_root_dispersion",
                        "seconds",
                        "The root dispersion NTP answers carry."
                    )
                ),
                failedPolls: registry.makeGauge(
                    descriptor: Self.daytimed(
                        "ntp_upstream_failed_polls",
                        "",
                        "Polls of an NTP upstream that got no usable answer, since the start."
                    )
                )
            )
        }
        registry.makeGauge(
            descriptor: MetricNameDescriptor(
                namespace: "process",
                metricName: "start_time",
                unitName: "seconds",
                helpText: "Start time of the process since unix epoch in seconds."
            )
        ).set(processStartTime)
    }

    /// `daytimed_NAME_UNIT` with its help text.
    private static func daytimed(_ name: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "daytimed", metricName: name, unitName: unit, helpText: help)
    }

    /// The Prometheus label value of a refusal reason: `rate_limit`, `access_list`, ...
    static func label(_ reason: RefusalReason) -> String {
        Self.label(reason.rawValue)
    }

    /// A reason's raw value as a Prometheus label value: dashes become underscores.
    static func label(_ rawValue: String) -> String {
        String(rawValue.map { $0 == "-" ? "_" : $0 })
    }

    /// Everything, in the Prometheus text exposition format 0.0.4.
    package func emit(into buffer: inout [UInt8]) {
        let snapshot = self.statistics.snapshot()
        self.exported.withLock { previous in
            func advance(_ counter: Counter, _ now: Int, _ before: Int?) {
                let delta = now - (before ?? 0)
                if delta > 0 { counter.increment(by: Int64(delta)) }
            }
            for (key, counter) in self.answers {
                advance(counter, snapshot.answered[key] ?? 0, previous?.answered[key])
            }
            for (key, counter) in self.bytes {
                advance(counter, snapshot.bytesSent[key] ?? 0, previous?.bytesSent[key])
            }
            for (reason, counter) in self.refusals {
                advance(counter, snapshot.refused[reason] ?? 0, previous?.refused[reason])
            }
            advance(self.sendFailures, snapshot.sendFailures, previous?.sendFailures)
            advance(self.reloadsSucceeded, snapshot.reloadsSucceeded, previous?.reloadsSucceeded)
            advance(self.reloadsFailed, snapshot.reloadsFailed, previous?.reloadsFailed)
            advance(self.accessLogDropped, snapshot.accessLogLinesDropped, previous?.accessLogLinesDropped)
            for (reason, counter) in self.ntpDropped {
                advance(counter, snapshot.ntpDropped[reason] ?? 0, previous?.ntpDropped[reason])
            }
            advance(self.ntpLeaked, snapshot.ntpLeaked, previous?.ntpLeaked)
            advance(self.ntpKissesOfDeath, snapshot.ntpKissesOfDeath, previous?.ntpKissesOfDeath)
            previous = snapshot
        }
        self.openConnections.set(Double(snapshot.openConnections))
        if let clock = self.clock, let status = clock.status() {
            clock.synchronized.set(status.clock.condition == .synchronized ? 1.0 : 0.0)
            clock.health.set(Double(status.clock.healthDigit))
            let error = status.clock.estimatedError.map {
                Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18
            }
            clock.estimatedError.set(error ?? .nan)
            if let ntp = self.ntp, let served = status.ntp {
                ntp.stratum.set(Double(served.stratum))
                ntp.rootDelay.set(served.rootDelay)
                ntp.rootDispersion.set(served.rootDispersion)
                ntp.failedPolls.set(Double(status.ntpFailedPolls))
            }
        }
        self.registry.emit(into: &buffer)
        Self.emitLatency(snapshot, into: &buffer)
    }

    /// ``emit(into:)`` as a string.
    package func emitToString() -> String {
        var buffer: [UInt8] = []
        self.emit(into: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    private static func emitLatency(_ snapshot: ServerStatistics.Snapshot, into buffer: inout [UInt8]) {
        var text = """
            # HELP \(Self.latencyName) Time from accept (TCP) or receive (UDP) to the answer's send returning.
            # TYPE \(Self.latencyName) histogram

            """
        for (service, transport) in ServerStatistics.servedSeries {
            do {
                let key = "\(service)/\(transport)"
                let labels = "protocol=\"\(service)\",transport=\"\(transport)\""
                let counts = snapshot.latencyBuckets[key] ?? []
                var cumulative = 0
                for (index, count) in counts.enumerated() {
                    cumulative += count
                    let bound =
                        index < AnswerLatency.upperBounds.count
                        ? Self.seconds(nanoseconds: AnswerLatency.upperBounds[index]) : "+Inf"
                    text += "\(Self.latencyName)_bucket{\(labels),le=\"\(bound)\"} \(cumulative)\n"
                }
                let sum = Self.seconds(nanoseconds: snapshot.latencySumNanoseconds[key] ?? 0)
                text += "\(Self.latencyName)_sum{\(labels)} \(sum)\n"
                text += "\(Self.latencyName)_count{\(labels)} \(cumulative)\n"
            }
        }
        buffer.append(contentsOf: text.utf8)
    }

    /// Exact decimal seconds for a whole number of nanoseconds: `0.0000025`, `1`, `12.5`.
    static func seconds(nanoseconds: Int) -> String {
        let whole = nanoseconds / 1_000_000_000
        var fraction = nanoseconds % 1_000_000_000
        guard fraction > 0 else { return "\(whole)" }
        var digits = 9
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
