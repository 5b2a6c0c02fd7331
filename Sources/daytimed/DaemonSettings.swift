import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Everything `daytimed` is told, from flags, environment and file together: the library's
/// ``ServerConfiguration`` (whose defaults are the defaults) and the daemon's own settings.
/// ``SettingKey`` applies a value from the highest source that gives one.
struct DaemonSettings: Sendable {
    /// The settings, as a value with every default: what ``SettingKey`` shows as defaults.
    static let defaults = DaemonSettings()

    /// What the service is given; ``serverConfiguration()`` fills in the zone from ``timeZoneName``
    /// and the nist format's options from ``nistLabel`` and ``nistAdvance``.
    var server = ServerConfiguration()
    var nistLabel = NISTFormatOptions.defaultLabel
    /// The library's default advance: none, the clock as read.
    var nistAdvance: Double = 0
    var timeZoneName = "local"
    var logLevel: Logger.Level = .notice
    /// How long a graceful stop may take before the remaining work is cancelled.
    var shutdownTimeout: Duration = .seconds(10)
    /// The access log's path (`-` for standard error), nil for none.
    var accessLog: String?
    var accessLogFormat = AccessLogConfiguration(destination: .standardError).format
    /// Where the metrics endpoint listens, nil for nowhere.
    var metricsAddress: MetricsAddress?

    /// The per-source rate, or nil for no limit; its burst is ``rateBurst``.
    var rateLimit: Double? {
        get { self.server.sourcePolicy.rateLimit?.rate }
        set {
            let burst = self.server.sourcePolicy.rateLimit?.burst ?? Self.defaults.rateBurst
            self.server.sourcePolicy.rateLimit = newValue.map { ($0, burst) }
        }
    }

    /// Answers in a row before the rate limit applies (kept only while there is a limit).
    var rateBurst: Int {
        get { self.server.sourcePolicy.rateLimit?.burst ?? 1 }
        set { self.server.sourcePolicy.rateLimit?.burst = newValue }
    }

    /// Where each setting that is not a default came from, by key: for `--check-config` and for
    /// error messages.
    var origins: [String: SettingOrigin] = [:]
    /// The text each such setting was given as, by key.
    var texts: [String: String] = [:]

    /// The local zone; a `TZ` that names a zone the database lacks (or a bad rule) is an error
    /// rather than glibc's silent UTC, so a server never serves the wrong zone unnoticed.
    private static func localZone() throws(TimeZoneError) -> TimeZoneRules {
        guard let value = getenv("TZ"), value.pointee != 0 else { return .local() }
        return try TimeZoneRules(environmentValue: String(cString: value))
    }

    /// The server's configuration. Throws a ``SettingError`` for what only shows when the settings
    /// are combined: an unknown time zone, both services off.
    func serverConfiguration() throws(SettingError) -> ServerConfiguration {
        let zone: TimeZoneRules
        do {
            zone =
                self.timeZoneName.lowercased() == "local"
                ? try Self.localZone() : try TimeZoneRules(identifier: self.timeZoneName)
        } catch {
            let local = self.timeZoneName.lowercased() == "local" ? getenv("TZ").map { String(cString: $0) } : nil
            throw SettingError(
                key: "timezone",
                origin: self.origins["timezone"],
                problem: local.map { "local is TZ=\($0) here, and \(error); fix or unset TZ" } ?? "\(error)"
            )
        }
        let proxy = self.server.proxyProtocol
        if proxy.isEnabled && proxy.trusted.isEmpty {
            throw SettingError(
                key: "proxy-trusted",
                // Named after the setting that asked for a proxy port: a flag there is a usage error.
                origin: self.origins["daytime-proxy-port"] ?? self.origins["time-proxy-port"],
                problem: "a proxy port needs the load balancers' addresses (such as --proxy-trusted 10.0.0.0/8): "
                    + "without them any client could forge its address"
            )
        }
        guard
            self.server.daytimePort != nil || self.server.timePort != nil || self.server.ntpPort != nil
                || proxy.isEnabled
        else {
            throw SettingError(
                key: "daytime-port",
                origin: self.origins["daytime-port"] ?? self.origins["time-port"],
                problem: "daytime-port, time-port and ntp-port are all off: nothing would be served"
            )
        }
        var configuration = self.server
        configuration.timeZone = zone
        if case .nist = configuration.format {
            do {
                configuration.format = .nist(
                    try NISTFormatOptions(label: self.nistLabel, advanceMilliseconds: self.nistAdvance)
                )
            } catch {
                throw SettingError(key: "nist-label", origin: self.origins["nist-label"], problem: error.message)
            }
        }
        configuration.accessLog = self.accessLog.map {
            AccessLogConfiguration(argument: $0, format: self.accessLogFormat)
        }
        // Only /metrics reads the latency histogram; without it, timing answers is wasted work.
        configuration.measuresLatency = self.metricsAddress != nil
        return configuration
    }
}

/// Where a setting's value came from, highest precedence first.
enum SettingOrigin: Sendable, Hashable, CustomStringConvertible {
    /// A command-line flag.
    case flag
    /// An environment variable, by name.
    case environment(String)
    /// The configuration file, by path.
    case file(String)

    var description: String {
        switch self {
        case .flag: return "command line"
        case .environment(let name): return "environment variable \(name)"
        case .file(let path): return "config file \(path)"
        }
    }
}

/// A setting that cannot be used: where it came from, which key, and what is wrong with it.
struct SettingError: Error, CustomStringConvertible, Sendable {
    /// The key, spelled as in the file (and as the flag without its dashes).
    var key: String
    /// Where the value came from; nil for a problem with no single source.
    var origin: SettingOrigin?
    /// What is wrong and how to fix it.
    var problem: String

    var description: String {
        switch self.origin {
        case .flag: return "--\(self.key): \(self.problem)"
        case .environment(let name): return "environment variable \(name): \(self.problem)"
        case .file(let path) where self.key.isEmpty: return "config file \(path): \(self.problem)"
        case .file(let path): return "config file \(path): key '\(self.key)': \(self.problem)"
        case nil: return "\(self.key): \(self.problem)"
        }
    }
}
