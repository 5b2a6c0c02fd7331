import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import Logging

/// One setting of `daytimed`: its key (the same word as the flag without `--`, as the file's key,
/// and as `DAYTIMED_` + the key in capitals with `_` for `-` in the environment), whether it takes
/// a list, and how its text becomes part of ``DaemonSettings``.
///
/// Every source is reduced to text before it is applied, so a value gets the same checks and the
/// same error message whether it came from a flag, a variable or a file (where `13` and `"13"` are
/// both a port).
struct SettingKey: Sendable {
    /// The key, such as `daytime-port`.
    let name: String
    /// Whether the setting takes several values (a repeated flag, a file's list, or commas).
    let isList: Bool
    /// Whether a running server can take a new value on reload (SIGHUP) or needs a restart.
    let reloadable: Bool
    /// The default, as text for people (`--check-config`, docs).
    let defaultText: String
    /// Applies the values (exactly one unless ``isList``); throws a message saying what is wrong.
    let apply: @Sendable (inout DaemonSettings, [String]) throws(SettingProblem) -> Void

    /// The environment variable that sets this key.
    var environmentName: String {
        "DAYTIMED_" + String(self.name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// Every key `daytimed` knows, in the order `--check-config` prints them.
    static let all: [SettingKey] = [
        SettingKey(name: "host", default: "every address (::, dual-stack)", isList: true, reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.hosts = values
        },
        SettingKey(name: "daytime-port", default: "13", reloadable: false) { settings, values throws(SettingProblem) in
            settings.daytimePort = try port(values[0])
        },
        SettingKey(name: "time-port", default: "37", reloadable: false) { settings, values throws(SettingProblem) in
            settings.timePort = try port(values[0])
        },
        SettingKey(name: "daytime-transports", default: "tcp,udp", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.daytimeTransports = try transports(values[0])
        },
        SettingKey(name: "time-transports", default: "tcp,udp", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.timeTransports = try transports(values[0])
        },
        SettingKey(
            name: "blocked-source-ports",
            default: ServerConfiguration.defaultBlockedSourcePorts.map(String.init).joined(separator: ","),
            isList: true
        ) { settings, values throws(SettingProblem) in
            settings.blockedSourcePorts = try values.map { text throws(SettingProblem) in
                guard let port = Int(text), (0...65535).contains(port) else {
                    throw SettingProblem("'\(text)' is not a port number (0-65535)")
                }
                return port
            }
        },
        SettingKey(name: "format", default: "ctime") { settings, values throws(SettingProblem) in
            do {
                settings.format = try DaytimeFormat.parse(values[0])
            } catch {
                throw SettingProblem("\(error)")
            }
        },
        SettingKey(name: "nist-label", default: NISTFormatOptions.defaultLabel) {
            settings,
            values throws(SettingProblem) in
            do {
                _ = try NISTFormatOptions(label: values[0])
            } catch {
                throw SettingProblem("\(error)")
            }
            settings.nistLabel = values[0]
        },
        SettingKey(name: "nist-advance", default: "0") { settings, values throws(SettingProblem) in
            guard let value = Double(values[0]), (try? NISTFormatOptions(advanceMilliseconds: value)) != nil else {
                throw SettingProblem("'\(values[0])' is not an advance: give milliseconds from 0 to 999.9, such as 50")
            }
            settings.nistAdvance = value
        },
        SettingKey(name: "leap-seconds-file", default: LeapSecondTable.defaultPath) {
            settings,
            values throws(SettingProblem) in
            guard !values[0].isEmpty else {
                throw SettingProblem("give the path of a leap-seconds.list, or none")
            }
            settings.leapSecondsFile = values[0].lowercased() == "none" ? nil : values[0]
        },
        SettingKey(name: "clock-healthy-max-error", default: "1000") {
            settings,
            values throws(SettingProblem) in
            settings.clockHealthyMaxError = try milliseconds(values[0])
        },
        SettingKey(name: "clock-wrong-est-error", default: "5000") {
            settings,
            values throws(SettingProblem) in
            settings.clockWrongEstError = try milliseconds(values[0])
        },
        SettingKey(name: "timezone", default: "local") { settings, values throws(SettingProblem) in
            settings.timeZoneName = values[0]
        },
        SettingKey(name: "log-level", default: "notice") { settings, values throws(SettingProblem) in
            guard let level = Logger.Level(rawValue: values[0].lowercased()) else {
                throw SettingProblem(
                    "unknown log level '\(values[0])': use trace, debug, info, notice, warning, error or critical"
                )
            }
            settings.logLevel = level
        },
        SettingKey(name: "allow", default: "everyone not denied", isList: true) {
            settings,
            values throws(SettingProblem) in
            settings.allow = try ranges(values)
        },
        SettingKey(name: "deny", default: "nobody", isList: true) { settings, values throws(SettingProblem) in
            settings.deny = try ranges(values)
        },
        SettingKey(name: "rate-limit", default: "4") { settings, values throws(SettingProblem) in
            settings.rateLimit = try rate(values[0])
        },
        SettingKey(name: "rate-burst", default: "16") { settings, values throws(SettingProblem) in
            settings.rateBurst = try integer(values[0], in: 1...1_000_000, what: "a burst (answers in a row)")
        },
        SettingKey(name: "rate-limit-table", default: "65536") { settings, values throws(SettingProblem) in
            settings.rateLimitTable = try integer(values[0], in: 1...16_777_216, what: "a table size")
        },
        SettingKey(name: "rate-limit-ipv6-prefix", default: "64") { settings, values throws(SettingProblem) in
            settings.rateLimitIPv6Prefix = try integer(
                values[0],
                in: 0...128,
                what: "an IPv6 prefix length (64 is one site's subnet)"
            )
        },
        SettingKey(name: "rate-limit-exempt", default: "127.0.0.0/8,::1", isList: true) {
            settings,
            values throws(SettingProblem) in
            settings.rateLimitExempt = values.map { $0.lowercased() } == ["none"] ? [] : try ranges(values)
        },
        SettingKey(name: "udp-max-rate", default: "20000") { settings, values throws(SettingProblem) in
            settings.udpMaxRate = try rate(values[0])
        },
        SettingKey(
            name: "threads",
            default: "one per CPU (\(ServerConfiguration.defaultThreadCount) here)",
            reloadable: false
        ) { settings, values throws(SettingProblem) in
            settings.threads = try integer(values[0], in: 1...1024, what: "a thread count")
        },
        SettingKey(name: "backlog", default: "4096", reloadable: false) { settings, values throws(SettingProblem) in
            settings.backlog = try integer(values[0], in: 1...1_048_576, what: "a queue length")
        },
        SettingKey(name: "shutdown-timeout", default: "10", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            guard let seconds = Double(values[0]), seconds.isFinite, seconds >= 0, seconds <= 86_400 else {
                throw SettingProblem("'\(values[0])' is not a time: give seconds from 0 to 86400, such as 10 or 2.5")
            }
            settings.shutdownTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
        },
        // Behind a load balancer (docs/SCALING.md).
        SettingKey(name: "daytime-proxy-port", default: "off", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.daytimeProxyPort = try port(values[0])
        },
        SettingKey(name: "time-proxy-port", default: "off", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.timeProxyPort = try port(values[0])
        },
        SettingKey(
            name: "proxy-trusted",
            default: "nobody (required with a proxy port)",
            isList: true,
            reloadable: false
        ) {
            settings,
            values throws(SettingProblem) in
            settings.proxyTrusted = try ranges(values)
        },
        SettingKey(name: "proxy-header-timeout", default: "3", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            guard let seconds = Double(values[0]), seconds.isFinite, seconds > 0, seconds <= 3600 else {
                throw SettingProblem(
                    "'\(values[0])' is not a time: give seconds above 0, at most 3600, such as 3 or 0.5"
                )
            }
            settings.proxyHeaderTimeout = .milliseconds(Int64((seconds * 1000).rounded()))
        },
        SettingKey(name: "proxy-max-pending", default: "4096", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            settings.proxyMaxPending = try integer(values[0], in: 1...1_048_576, what: "a connection count")
        },
        SettingKey(name: "reuse-port", default: "false", reloadable: false) { settings, values throws(SettingProblem) in
            switch values[0].lowercased() {
            case "true", "yes", "on", "1": settings.reusePort = true
            case "false", "no", "off", "0": settings.reusePort = false
            default: throw SettingProblem("'\(values[0])' is not true or false")
            }
        },
        SettingKey(name: "access-log", default: "off", reloadable: false) { settings, values throws(SettingProblem) in
            switch values[0] {
            case "": throw SettingProblem("give a file path, - for standard error, or off")
            case "off": settings.accessLog = nil
            default: settings.accessLog = values[0]
            }
        },
        SettingKey(name: "access-log-format", default: "text", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            guard let format = AccessLogConfiguration.Format(rawValue: values[0].lowercased()) else {
                throw SettingProblem("unknown access-log format '\(values[0])': use text or json")
            }
            settings.accessLogFormat = format
        },
        SettingKey(name: "metrics-address", default: "off", reloadable: false) {
            settings,
            values throws(SettingProblem) in
            if values[0].lowercased() == "off" {
                settings.metricsAddress = nil
                return
            }
            guard let address = MetricsAddress(values[0]) else {
                throw SettingProblem(
                    "'\(values[0])' is not HOST:PORT: give an address and a port, such as 127.0.0.1:9813 or [::1]:9813, or off"
                )
            }
            settings.metricsAddress = address
        },
    ]

    /// The flag that sets `setting`: how `daytimed` names the library's settings in the errors it
    /// prints and logs.
    static func flag(for setting: ServerSetting) -> String {
        let flags: [ServerSetting: String] = [
            .hosts: "host", .daytimePort: "daytime-port", .timePort: "time-port",
            .daytimeTransports: "daytime-transports", .timeTransports: "time-transports",
            .blockedSourcePorts: "blocked-source-ports", .format: "format", .timeZone: "timezone",
            .threads: "threads", .backlog: "backlog", .leapSecondsFile: "leap-seconds-file",
            .clockHealthyMaximumError: "clock-healthy-max-error", .clockWrongEstimatedError: "clock-wrong-est-error",
            .reusePort: "reuse-port", .accessLog: "access-log", .allow: "allow", .deny: "deny",
            .rateLimit: "rate-limit", .rateBurst: "rate-burst", .rateLimitTableSize: "rate-limit-table",
            .ipv6PrefixLength: "rate-limit-ipv6-prefix", .rateLimitExempt: "rate-limit-exempt",
            .udpAnswersPerSecond: "udp-max-rate", .proxyDaytimePort: "daytime-proxy-port",
            .proxyTimePort: "time-proxy-port", .proxyTrusted: "proxy-trusted",
            .proxyHeaderTimeout: "proxy-header-timeout", .proxyMaximumPending: "proxy-max-pending",
            .user: "user", .group: "group", .inetdService: "inetd", .metricsAddress: "metrics-address",
        ]
        // Not a setting of daytimed (such as sourcePolicy.ipv4PrefixLength): the library's name.
        return flags[setting].map { "--\($0)" } ?? setting.description
    }

    /// The key named `name`, if there is one.
    static func named(_ name: String) -> SettingKey? {
        self.all.first { $0.name == name }
    }

    private init(
        name: String,
        default defaultText: String,
        isList: Bool = false,
        reloadable: Bool = true,
        apply: @escaping @Sendable (inout DaemonSettings, [String]) throws(SettingProblem) -> Void
    ) {
        self.name = name
        self.defaultText = defaultText
        self.isList = isList
        self.reloadable = reloadable
        self.apply = apply
    }
}

/// What is wrong with a value, before it is known where the value came from.
struct SettingProblem: Error, Sendable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}

/// A port number, `0` for any free port, or `off` (nil).
private func port(_ text: String) throws(SettingProblem) -> Int? {
    if text.lowercased() == "off" { return nil }
    guard let number = Int(text), (0...65535).contains(number) else {
        throw SettingProblem("'\(text)' is not a port: use 1-65535, 0 for any free port, or off")
    }
    return number
}

private func transports(_ text: String) throws(SettingProblem) -> Transports {
    guard let transports = Transports(listing: text), !transports.isEmpty else {
        throw SettingProblem("'\(text)' is not a list of transports: use tcp, udp or tcp,udp")
    }
    return transports
}

private func ranges(_ texts: [String]) throws(SettingProblem) -> [AddressRange] {
    var ranges: [AddressRange] = []
    for text in texts {
        do {
            ranges.append(try AddressRange(text))
        } catch {
            throw SettingProblem("\(error)")
        }
    }
    return ranges
}

/// A positive time in milliseconds, such as `1000` or `2.5`.
private func milliseconds(_ text: String) throws(SettingProblem) -> Duration {
    guard let value = Double(text), value.isFinite, value > 0, value <= 86_400_000 else {
        throw SettingProblem("'\(text)' is not a time: give milliseconds above 0, such as 1000")
    }
    return .microseconds(Int64((value * 1000).rounded()))
}

private func rate(_ text: String) throws(SettingProblem) -> Double? {
    if text.lowercased() == "off" { return nil }
    guard let value = Double(text), value > 0, value.isFinite else {
        throw SettingProblem("'\(text)' is not a rate: give answers a second above 0 (such as 4 or 0.5), or off")
    }
    return value
}

private func integer(_ text: String, in range: ClosedRange<Int>, what: String) throws(SettingProblem) -> Int {
    guard let value = Int(text), range.contains(value) else {
        throw SettingProblem("'\(text)' is not \(what) from \(range.lowerBound) to \(range.upperBound)")
    }
    return value
}
