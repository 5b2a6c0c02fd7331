import DaytimeCore
import DaytimeServer

/// The answer of `/healthz`: each ``HealthCheck``'s status and the process's uptime.
///
/// ```json
/// {"status":"ok","uptime_seconds":12.5,"checks":{"listeners":{"status":"ok","detail":"serving on 4 sockets"}}}
/// ```
/// Served with 200 when every check is healthy, 503 otherwise, so that a load balancer or a
/// `curl --fail` needs to read only the status code.
package struct HealthReport: Sendable, Hashable {
    /// One check's result.
    package struct Entry: Sendable, Hashable {
        /// The check's name.
        package var name: String
        /// What it found.
        package var status: HealthCheck.Status
    }

    /// Every check's result, in the order the checks were given.
    package var entries: [Entry]
    /// Seconds since the endpoint was set up.
    package var uptimeSeconds: Double

    /// Whether every check is healthy (true when there are none).
    package var healthy: Bool {
        self.entries.allSatisfy(\.status.healthy)
    }

    /// Runs `checks` now.
    package init(running checks: [HealthCheck], uptimeSeconds: Double) {
        self.entries = checks.map { Entry(name: $0.name, status: $0.check()) }
        self.uptimeSeconds = uptimeSeconds
    }

    /// The report as one line of JSON.
    package var json: String {
        let checks = self.entries.map { entry in
            (
                entry.name,
                JSONText.object([
                    ("status", JSONText.string(entry.status.healthy ? "ok" : "fail")),
                    ("detail", JSONText.string(entry.status.detail)),
                ])
            )
        }
        let uptime = (self.uptimeSeconds * 1000).rounded(.down) / 1000
        return JSONText.object([
            ("status", JSONText.string(self.healthy ? "ok" : "fail")),
            ("uptime_seconds", "\(uptime)"),
            ("checks", JSONText.object(checks)),
        ])
    }
}
