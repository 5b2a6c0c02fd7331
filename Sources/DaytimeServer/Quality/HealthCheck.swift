import DaytimeCore

/// One check behind the health endpoint: a name and a closure that says how things are now.
///
/// The endpoint runs every check on each request and reports each one; it is healthy when all are.
/// Add checks by composing more of these (clock health, say) where the endpoint is set up.
package struct HealthCheck: Sendable {
    /// The result of one run of a check.
    package struct Status: Sendable, Hashable {
        /// Whether this part of the server is fit to serve.
        package var healthy: Bool
        /// A short human-readable detail: what was seen.
        package var detail: String

        /// Creates a status.
        package init(healthy: Bool, detail: String) {
            self.healthy = healthy
            self.detail = detail
        }
    }

    /// A short identifier, used as a JSON key: `listeners`, `clock`.
    package let name: String
    /// Runs the check. Called on an event loop: it must be quick and must not block.
    package let check: @Sendable () -> Status

    /// Creates a check.
    package init(name: String, check: @escaping @Sendable () -> Status) {
        self.name = name
        self.check = check
    }
}

extension DaytimeService {
    /// Healthy while ``run()`` serves on every listening socket; unhealthy before it starts and
    /// after it stops.
    package var listenersHealthCheck: HealthCheck {
        HealthCheck(name: "listeners") { [self] in
            let count = self.listeners.count
            let sockets = "\(count) socket\(count == 1 ? "" : "s")"
            return self.isRunning
                ? HealthCheck.Status(healthy: true, detail: "serving on \(sockets)")
                : HealthCheck.Status(healthy: false, detail: "not serving (starting or stopped); \(sockets) bound")
        }
    }
}

extension DaytimeService {
    /// The clock's one state (``timeStatus()``): unhealthy while it is unsynchronized, whatever the
    /// service does about it; an unreadable state (a container without `adjtimex`) passes, as does
    /// an expired leap-second list, both shown in the detail.
    package var clockHealthCheck: HealthCheck {
        HealthCheck(name: "clock") { [self] in
            let status = self.timeStatus()
            var detail = status.clock.summary
            if status.clock.condition == .unsynchronized {
                detail += status.refusesAnswers ? "; Daytime and Time refuse" : "; answering anyway"
            }
            if let ntp = status.ntp {
                detail += "; SNTP leap indicator \(ntp.leap), stratum \(ntp.stratum)"
            }
            return HealthCheck.Status(
                healthy: status.clock.condition != .unsynchronized,
                detail: detail + "; leap-second list \(status.leapSeconds.rawValue)"
            )
        }
    }
}
