import DaytimeCore

/// One setting of a time server: a field of ``ServerConfiguration`` (or of the configurations it
/// holds), or what ``PrivilegeDrop``, ``InetdMode`` or a metrics endpoint was given.
///
/// Errors say which setting they are about (``ServerError/setting``), and their messages name it
/// through a ``SettingMessage``, so that a program can show it in its own terms, such as the
/// command-line flag that sets it. The library's own name is the field's path, such as
/// `daytimePort` or `sourcePolicy.rateLimit`.
public struct ServerSetting: Hashable, Sendable, CustomStringConvertible {
    private let path: String

    private init(_ path: String) {
        self.path = path
    }

    /// The field's path in ``ServerConfiguration``, such as `proxyProtocol.trusted`.
    public var description: String { self.path }

    /// ``ServerConfiguration/hosts``.
    public static let hosts = ServerSetting("hosts")
    /// ``ServerConfiguration/daytimePort``.
    public static let daytimePort = ServerSetting("daytimePort")
    /// ``ServerConfiguration/timePort``.
    public static let timePort = ServerSetting("timePort")
    /// ``ServerConfiguration/ntpPort``.
    public static let ntpPort = ServerSetting("ntpPort")
    /// ``NTPServerConfiguration/upstreams``.
    public static let ntpUpstreams = ServerSetting("ntp.upstreams")
    /// ``NTPServerConfiguration/localStratum``.
    public static let ntpLocalStratum = ServerSetting("ntp.localStratum")
    /// ``NTPServerConfiguration/kissOfDeath``.
    public static let ntpKissOfDeath = ServerSetting("ntp.kissOfDeath")
    /// ``NTPServerConfiguration/leak``.
    public static let ntpLeak = ServerSetting("ntp.leak")
    /// ``NTPServerConfiguration/pollInterval``, ``NTPServerConfiguration/upstreamTimeout`` and
    /// ``NTPServerConfiguration/lostAfterPolls``.
    public static let ntpPolling = ServerSetting("ntp.pollInterval")
    /// ``ServerConfiguration/daytimeTransports``.
    public static let daytimeTransports = ServerSetting("daytimeTransports")
    /// ``ServerConfiguration/timeTransports``.
    public static let timeTransports = ServerSetting("timeTransports")
    /// ``ServerConfiguration/blockedSourcePorts``.
    public static let blockedSourcePorts = ServerSetting("blockedSourcePorts")
    /// ``ServerConfiguration/format``.
    public static let format = ServerSetting("format")
    /// ``ServerConfiguration/timeZone``.
    public static let timeZone = ServerSetting("timeZone")
    /// ``ServerConfiguration/threads``.
    public static let threads = ServerSetting("threads")
    /// ``ServerConfiguration/backlog``.
    public static let backlog = ServerSetting("backlog")
    /// ``ServerConfiguration/acceptBackoff``.
    public static let acceptBackoff = ServerSetting("acceptBackoff")
    /// ``ServerConfiguration/leapSecondsFile``.
    public static let leapSecondsFile = ServerSetting("leapSecondsFile")
    /// ``ServerConfiguration/clockHealth``'s healthy maximum error.
    public static let clockHealthyMaximumError = ServerSetting("clockHealth.healthyMaximumError")
    /// ``ServerConfiguration/clockHealth``'s wrong estimated error.
    public static let clockWrongEstimatedError = ServerSetting("clockHealth.wrongEstimatedError")
    /// ``ServerConfiguration/refusesWhenUnsynchronized``.
    public static let refusesWhenUnsynchronized = ServerSetting("refusesWhenUnsynchronized")
    /// ``ServerConfiguration/reusePort``.
    public static let reusePort = ServerSetting("reusePort")
    /// ``ServerConfiguration/lingeringClose``.
    public static let lingeringClose = ServerSetting("lingeringClose")
    /// ``ServerConfiguration/accessLog``.
    public static let accessLog = ServerSetting("accessLog")
    /// `SourcePolicyConfiguration.allow`.
    public static let allow = ServerSetting("sourcePolicy.allow")
    /// `SourcePolicyConfiguration.deny`.
    public static let deny = ServerSetting("sourcePolicy.deny")
    /// The rate of `SourcePolicyConfiguration.rateLimit`.
    public static let rateLimit = ServerSetting("sourcePolicy.rateLimit")
    /// The burst of `SourcePolicyConfiguration.rateLimit`.
    public static let rateBurst = ServerSetting("sourcePolicy.rateLimit.burst")
    /// `SourcePolicyConfiguration.rateLimitTableSize`.
    public static let rateLimitTableSize = ServerSetting("sourcePolicy.rateLimitTableSize")
    /// `SourcePolicyConfiguration.ipv4PrefixLength`.
    public static let ipv4PrefixLength = ServerSetting("sourcePolicy.ipv4PrefixLength")
    /// `SourcePolicyConfiguration.ipv6PrefixLength`.
    public static let ipv6PrefixLength = ServerSetting("sourcePolicy.ipv6PrefixLength")
    /// `SourcePolicyConfiguration.exempt`.
    public static let rateLimitExempt = ServerSetting("sourcePolicy.exempt")
    /// `SourcePolicyConfiguration.udpAnswersPerSecond`.
    public static let udpAnswersPerSecond = ServerSetting("sourcePolicy.udpAnswersPerSecond")
    /// ``ProxyProtocolConfiguration/daytimePort``.
    public static let proxyDaytimePort = ServerSetting("proxyProtocol.daytimePort")
    /// ``ProxyProtocolConfiguration/timePort``.
    public static let proxyTimePort = ServerSetting("proxyProtocol.timePort")
    /// ``ProxyProtocolConfiguration/trusted``.
    public static let proxyTrusted = ServerSetting("proxyProtocol.trusted")
    /// ``ProxyProtocolConfiguration/headerTimeout``.
    public static let proxyHeaderTimeout = ServerSetting("proxyProtocol.headerTimeout")
    /// ``ProxyProtocolConfiguration/maximumPendingConnections``.
    public static let proxyMaximumPending = ServerSetting("proxyProtocol.maximumPendingConnections")
    /// ``PrivilegeDrop/user``.
    public static let user = ServerSetting("user")
    /// ``PrivilegeDrop/group``.
    public static let group = ServerSetting("group")
    /// The service ``InetdMode`` answers as.
    public static let inetdService = ServerSetting("inetdService")
    /// The address a metrics endpoint listens on.
    public static let metricsAddress = ServerSetting("metricsAddress")

    /// The port setting of `service`.
    public static func port(for service: TimeProtocolKind) -> ServerSetting {
        switch service {
        case .daytime: return .daytimePort
        case .time: return .timePort
        case .ntp: return .ntpPort
        }
    }

    /// The transports setting of `service` (NTP's port alone: it is served over UDP only).
    public static func transports(for service: TimeProtocolKind) -> ServerSetting {
        switch service {
        case .daytime: return .daytimeTransports
        case .time: return .timeTransports
        case .ntp: return .ntpPort
        }
    }

    /// The PROXY protocol port setting of `service` (NTP's port: it has no PROXY port).
    public static func proxyPort(for service: TimeProtocolKind) -> ServerSetting {
        switch service {
        case .daytime: return .proxyDaytimePort
        case .time: return .proxyTimePort
        case .ntp: return .ntpPort
        }
    }

    /// Every setting, for programs that check they can name each one.
    package static let all: [ServerSetting] = [
        .hosts, .daytimePort, .timePort, .ntpPort, .ntpUpstreams, .ntpLocalStratum, .ntpKissOfDeath, .ntpLeak,
        .ntpPolling, .daytimeTransports, .timeTransports, .blockedSourcePorts, .format,
        .timeZone, .threads, .backlog, .acceptBackoff, .leapSecondsFile, .clockHealthyMaximumError,
        .clockWrongEstimatedError, .refusesWhenUnsynchronized, .reusePort, .lingeringClose, .accessLog, .allow, .deny,
        .rateLimit, .rateBurst,
        .rateLimitTableSize, .ipv4PrefixLength, .ipv6PrefixLength, .rateLimitExempt, .udpAnswersPerSecond,
        .proxyDaytimePort, .proxyTimePort, .proxyTrusted, .proxyHeaderTimeout, .proxyMaximumPending, .user, .group,
        .inetdService, .metricsAddress,
    ]
}
