import DaytimeCore

/// One check behind the health endpoint: a name and a closure that says how things are now.
///
/// The endpoint runs every check on each request and reports each one; it is healthy when all are.
/// Add checks by composing more of these (clock health, say) where the endpoint is set up.
public struct HealthCheck: Sendable {
    /// The result of one run of a check.
    public struct Status: Sendable, Hashable {
        /// Whether this part of the server is fit to serve.
        public var healthy: Bool
        /// A short human-readable detail: what was seen.
        public var detail: String

        /// Creates a status.
        public init(healthy: Bool, detail: String) {
            self.healthy = healthy
            self.detail = detail
        }
    }

    /// A short identifier, used as a JSON key: `listeners`, `clock`.
    public let name: String
    /// Runs the check. Called on an event loop: it must be quick and must not block.
    public let check: @Sendable () -> Status

    /// Creates a check.
    public init(name: String, check: @escaping @Sendable () -> Status) {
        self.name = name
        self.check = check
    }
}

extension DaytimeService {
    /// Healthy while ``run()`` serves on every listening socket; unhealthy before it starts and
    /// after it stops.
    public var listenersHealthCheck: HealthCheck {
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
    /// The kernel clock's health (``timeStatus()``): unhealthy only when the clock is known to be
    /// wrong, since a degraded or unreadable clock (a container without `adjtimex`) still serves.
    public var clockHealthCheck: HealthCheck {
        HealthCheck(name: "clock") { [self] in
            let status = self.timeStatus()
            return HealthCheck.Status(
                healthy: status.health != .wrong,
                detail: "\(status.health.name); leap-second list \(status.leapSeconds.state.rawValue)"
            )
        }
    }
}

extension DaytimeService {
    /// Whether NTP answers can be used: unhealthy while they say unsynchronized (leap indicator 3),
    /// since clients then ignore them. Healthy when the service does not serve NTP.
    public var ntpHealthCheck: HealthCheck {
        HealthCheck(name: "ntp") { [self] in
            guard let status = self.ntpStatus() else {
                return HealthCheck.Status(healthy: true, detail: "not served")
            }
            let clock = status.clock
            switch status.state {
            case .synchronized(let referenceID):
                let distance = clock.rootDelay / 2 + clock.rootDispersion
                return HealthCheck.Status(
                    healthy: true,
                    detail:
                        "synchronized to \(NTPPacket.describe(referenceID: referenceID)), stratum \(clock.stratum), "
                        + "root distance \(Int((distance * 1e6).rounded())) µs"
                )
            case .local:
                return HealthCheck.Status(healthy: true, detail: "serving the local clock at stratum \(clock.stratum)")
            case .unsynchronized:
                let upstreams = status.upstreams.isEmpty ? "no upstream" : status.upstreams.joined(separator: ", ")
                return HealthCheck.Status(
                    healthy: false,
                    detail: "unsynchronized (\(upstreams) answering, no local stratum): answers carry leap indicator 3"
                )
            }
        }
    }
}
