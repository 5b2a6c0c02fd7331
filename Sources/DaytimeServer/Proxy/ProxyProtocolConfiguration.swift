import DaytimeCore
import DaytimeNetwork

/// Listeners that expect a PROXY protocol header (v1 or v2) from a load balancer before answering.
///
/// Off unless a port is given. They are separate ports, never the plain ones: the specification
/// forbids guessing whether a header is present, since any client could then forge its address. A
/// connection is answered only if it comes from a ``trusted`` range and starts with a complete,
/// valid header within ``headerTimeout``; the access list, rate limit and logs then see the client
/// the header names. Everything else is closed without an answer and counted by `RefusalReason`.
public struct ProxyProtocolConfiguration: Sendable {
    /// TCP port for Daytime behind a balancer, `0` for an ephemeral port, `nil` for none. Default nil.
    public var daytimePort: Int?
    /// TCP port for Time behind a balancer, `0` for an ephemeral port, `nil` for none. Default nil.
    public var timePort: Int?
    /// The balancers' addresses: only connections from these ranges may send a header. Required
    /// whenever a port is set; there is no default trust.
    public var trusted: [AddressRange]
    /// The longest a connection may take to send its whole header (not between bytes: a peer
    /// trickling one byte at a time gains nothing). Default 3 s, the specification's minimum to
    /// cover one TCP retransmission.
    public var headerTimeout: Duration
    /// Connections still waiting for their header, at most, over all PROXY listeners; one more is
    /// closed at once (`RefusalReason.proxyPendingLimit`). Each costs a socket and a few hundred
    /// bytes. Default 4,096.
    public var maximumPendingConnections: Int

    /// Creates a configuration; every parameter has the default described on its property.
    public init(
        daytimePort: Int? = nil,
        timePort: Int? = nil,
        trusted: [AddressRange] = [],
        headerTimeout: Duration = .seconds(3),
        maximumPendingConnections: Int = 4096
    ) {
        self.daytimePort = daytimePort
        self.timePort = timePort
        self.trusted = trusted
        self.headerTimeout = headerTimeout
        self.maximumPendingConnections = maximumPendingConnections
    }

    /// The PROXY port configured for `service`, or nil if it has none.
    public func port(for service: TimeProtocolKind) -> Int? {
        switch service {
        case .daytime: return self.daytimePort
        case .time: return self.timePort
        case .ntp: return nil
        }
    }

    /// Whether any PROXY listener is configured.
    public var isEnabled: Bool {
        self.daytimePort != nil || self.timePort != nil
    }

    /// The settings that differ from `other`: all need a restart (the listeners and their
    /// connections' handlers are made with them).
    func settingsChanged(in other: ProxyProtocolConfiguration) -> [ServerSetting] {
        var changed: [ServerSetting] = []
        if self.daytimePort != other.daytimePort { changed.append(.proxyDaytimePort) }
        if self.timePort != other.timePort { changed.append(.proxyTimePort) }
        if self.trusted != other.trusted { changed.append(.proxyTrusted) }
        if self.headerTimeout != other.headerTimeout { changed.append(.proxyHeaderTimeout) }
        if self.maximumPendingConnections != other.maximumPendingConnections {
            changed.append(.proxyMaximumPending)
        }
        return changed
    }

    func validate() throws(ServerError) {
        for service in TimeProtocolKind.allCases {
            if let port = self.port(for: service), !(0...65535).contains(port) {
                throw ServerError(
                    code: .invalidConfiguration,
                    description: "\(setting: .proxyPort(for: service)) \(port) is not a port: use 1-65535, 0 for any "
                        + "free port, or off"
                )
            }
        }
        guard self.isEnabled else { return }
        guard !self.trusted.isEmpty else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "a PROXY protocol port needs \(setting: .proxyTrusted): give the load balancers' "
                    + "addresses (such as \(setting: .proxyTrusted) 10.0.0.0/8); without it any client could forge "
                    + "its address"
            )
        }
        guard self.headerTimeout > .zero, self.headerTimeout <= .seconds(3600) else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .proxyHeaderTimeout) must be above 0 and at most 3600 seconds (default 3)"
            )
        }
        guard self.maximumPendingConnections >= 1 else {
            throw ServerError(
                code: .invalidConfiguration,
                description: "\(setting: .proxyMaximumPending) must be at least 1"
            )
        }
    }
}
