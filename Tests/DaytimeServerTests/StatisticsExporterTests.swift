import DaytimeCore
import DaytimeServer
import Prometheus
import Testing

@testable import DaytimeMetrics

@Suite("StatisticsExporter, MetricsAddress and ProcessStartTime")
struct StatisticsExporterTests {
    @Test("reloads counted through ServerStatistics appear by outcome, and counters never go back")
    func reloads() throws {
        let statistics = ServerStatistics()
        let exporter = StatisticsExporter(statistics: statistics, processStartTime: 1_700_000_000.5)
        let first = try PrometheusText(exporter.emitToString())
        #expect(first.value("daytimed_reloads_total", ["outcome": "success"]) == 0)
        statistics.countReload(succeeded: true)
        statistics.countReload(succeeded: true)
        statistics.countReload(succeeded: false)
        let second = try PrometheusText(exporter.emitToString())
        #expect(second.value("daytimed_reloads_total", ["outcome": "success"]) == 2)
        #expect(second.value("daytimed_reloads_total", ["outcome": "failure"]) == 1)
        // A scrape with nothing new changes nothing (the exporter adds deltas, not totals).
        let third = try PrometheusText(exporter.emitToString())
        #expect(third.value("daytimed_reloads_total", ["outcome": "success"]) == 2)
        #expect(third.value("process_start_time_seconds") == 1_700_000_000.5)
    }

    @Test("every refusal reason has a series, named the Prometheus way")
    func refusalSeries() throws {
        let text = try PrometheusText(StatisticsExporter(statistics: ServerStatistics()).emitToString())
        for reason in [
            "rate_limit", "access_list", "udp_cap", "blocked_source_port", "invalid_source", "spoofed_loopback",
        ] {
            #expect(text.value("daytimed_refusals_total", ["reason": reason]) == 0, "\(reason)")
        }
        #expect(text.types["daytimed_refusals_total"] == "counter")
        #expect(text.types["daytimed_open_connections"] == "gauge")
    }

    @Test("a metric registered through the same registry is emitted alongside")
    func sharedRegistry() throws {
        let registry = PrometheusCollectorRegistry()
        let exporter = StatisticsExporter(statistics: ServerStatistics(), registry: registry)
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "other", unitName: "total", helpText: ""))
            .increment(by: Int64(5))
        #expect(try PrometheusText(exporter.emitToString()).value("other_total") == 5)
    }

    @Test(
        "latency bucket bounds are exact decimal seconds",
        arguments: [
            (1_000, "0.000001"), (2_500, "0.0000025"), (1_000_000_000, "1"), (12_500_000_000, "12.5"), (0, "0"),
        ]
    )
    func seconds(nanoseconds: Int, text: String) {
        #expect(StatisticsExporter.seconds(nanoseconds: nanoseconds) == text)
    }

    @Test("the latency histogram has every bucket, cumulative and ending in +Inf equal to the count")
    func histogramShape() throws {
        let text = try PrometheusText(StatisticsExporter(statistics: ServerStatistics()).emitToString())
        let labels = ["protocol": "time", "transport": "udp"]
        for bound in AnswerLatency.upperBounds.map({ StatisticsExporter.seconds(nanoseconds: $0) }) + ["+Inf"] {
            #expect(
                text.value("daytimed_answer_latency_seconds_bucket", labels.merging(["le": bound]) { $1 }) == 0,
                "\(bound)"
            )
        }
        #expect(text.value("daytimed_answer_latency_seconds_count", labels) == 0)
        #expect(text.value("daytimed_answer_latency_seconds_sum", labels) == 0)
    }

    @Test(
        "HOST:PORT forms are parsed; others are refused",
        arguments: [
            ("127.0.0.1:9813", MetricsAddress(host: "127.0.0.1", port: 9813)),
            ("[::1]:9813", MetricsAddress(host: "::1", port: 9813)),
            ("localhost:0", MetricsAddress(host: "localhost", port: 0)),
            ("9813", nil), ("::1:9813", nil), ("127.0.0.1:", nil), (":9813", nil), ("127.0.0.1:65536", nil),
            ("[::1]9813", nil), ("127.0.0.1:+80", nil),
        ]
    )
    func addresses(text: String, expected: MetricsAddress?) {
        #expect(MetricsAddress(text) == expected)
    }

    @Test("the start time is read after the last parenthesis of /proc/self/stat")
    func procStat() {
        let line = "4242 (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10"
        #expect(ProcessStartTime.startTicks(stat: line) == 987_654)
        #expect(ProcessStartTime.bootTime(stat: "cpu  1 2 3\nbtime 1700000000\nprocesses 5\n") == 1_700_000_000)
        let now = Double(SystemWallClock().now().seconds)
        let start = ProcessStartTime.secondsSinceEpoch()
        #expect(start <= now + 1 && start > now - 86_400 * 30)
    }
}
