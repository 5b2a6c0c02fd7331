import DaytimeCore
import DaytimeServer

/// What the HTTP endpoint serves: the metrics text and the health report, each made on request.
///
/// Closures, so the handler can be tested with any content, and so that the executable can compose
/// the health checks of whatever it runs.
package struct MetricsEndpoint: Sendable {
    /// The Prometheus text exposition (0.0.4) for `/metrics`.
    package let metrics: @Sendable () -> [UInt8]
    /// The report for `/healthz`.
    package let health: @Sendable () -> HealthReport

    /// An endpoint with any content.
    package init(metrics: @escaping @Sendable () -> [UInt8], health: @escaping @Sendable () -> HealthReport) {
        self.metrics = metrics
        self.health = health
    }

    /// Serves `exporter`'s metrics and runs `healthChecks` on each `/healthz`; uptime counts from now.
    package init(exporter: StatisticsExporter, healthChecks: [HealthCheck]) {
        let started = MonotonicClock.nanoseconds()
        self.metrics = {
            var buffer: [UInt8] = []
            exporter.emit(into: &buffer)
            return buffer
        }
        self.health = {
            HealthReport(
                running: healthChecks,
                uptimeSeconds: Double(MonotonicClock.nanoseconds() &- started) / 1e9
            )
        }
    }
}
