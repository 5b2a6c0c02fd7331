import ArgumentParser
import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import Logging

/// One setting of `daytimed`: its key (the flag without `--`, the file's key, and `DAYTIMED_` + the
/// key in capitals with `_` for `-` in the environment), the field of ``DaemonSettings`` it sets,
/// how its text is read, its default and its help text.
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
    private(set) var reloadable = true
    /// The default, as text for people (`--check-config`, `--help`, docs).
    private(set) var defaultText: String
    /// The library settings this key sets, so that a library error about one names this key.
    let librarySettings: [ServerSetting]
    /// What `--help` says about it.
    private(set) var help = ArgumentHelp("")
    /// Checks the values (exactly one unless ``isList``) and stores them in the settings.
    let apply: @Sendable (inout DaemonSettings, [String]) throws(SettingProblem) -> Void

    /// A key that reads its values with `parser` into the field at `path`; its default is
    /// `DaemonSettings()`'s value there, as `parser` shows it.
    init<Value>(
        _ name: String,
        _ path: any WritableKeyPath<DaemonSettings, Value> & Sendable,
        _ parser: ValueParser<Value>,
        sets librarySettings: ServerSetting...
    ) {
        self.name = name
        self.isList = parser.isList
        self.librarySettings = librarySettings
        self.defaultText = parser.show(DaemonSettings.defaults[keyPath: path])
        self.apply = { settings, values throws(SettingProblem) in
            settings[keyPath: path] = try parser.parse(values)
        }
    }

    /// The same key, that only a restart can change.
    var restartOnly: SettingKey {
        var key = self
        key.reloadable = false
        return key
    }

    /// The same key, whose default is said in words (where the value alone says little: empty
    /// lists, the number of CPUs).
    func showing(default text: String) -> SettingKey {
        var key = self
        key.defaultText = text
        return key
    }

    /// The same key with its help text, ending with `(default: …)` if `showingDefault`.
    func help(_ text: String, value: String? = nil, showingDefault: Bool = false) -> SettingKey {
        var key = self
        key.help = ArgumentHelp(showingDefault ? "\(text) (default: \(self.defaultText))" : text, valueName: value)
        return key
    }

    /// The environment variable that sets this key.
    var environmentName: String {
        "DAYTIMED_" + String(self.name.uppercased().map { $0 == "-" ? "_" : $0 })
    }

    /// The key named `name`, if there is one.
    static func named(_ name: String) -> SettingKey? {
        self.all.first { $0.name == name }
    }

    /// The flag that sets `setting`: how `daytimed` names the library's settings in the errors it
    /// prints and logs.
    static func flag(for setting: ServerSetting) -> String {
        if let key = self.all.first(where: { $0.librarySettings.contains(setting) }) { return "--\(key.name)" }
        switch setting {
        case .user: return "--user"
        case .group: return "--group"
        case .inetdService: return "--inetd"
        // Not a setting of daytimed (such as sourcePolicy.ipv4PrefixLength): the library's name.
        default: return setting.description
        }
    }

    /// The help of the key `name`, for its `@Option` in ``Daytimed``.
    static func help(_ name: String) -> ArgumentHelp {
        guard let key = self.named(name) else { fatalError("daytimed has no setting '\(name)'") }
        return key.help
    }

    /// Every key `daytimed` knows, in the order `--check-config` prints them. A new setting is one
    /// entry here, and an `@Option` in ``Daytimed`` whose property is the key in camel case.
    static let all: [SettingKey] = [
        SettingKey("host", \.server.hosts, .texts, sets: .hosts)
            .showing(default: "every address (::, dual-stack)")
            .restartOnly
            .help(
                "An address (or name) to listen on; repeat for several. Default: every IPv4 and IPv6 address.",
                value: "address"
            ),
        SettingKey("daytime-port", \.server.daytimePort, .port, sets: .port(for: .daytime))
            .restartOnly
            .help("Daytime port: a number, 0 for any free port, or off.", value: "port"),
        SettingKey("time-port", \.server.timePort, .port, sets: .port(for: .time))
            .restartOnly
            .help("Time port: a number, 0 for any free port, or off.", value: "port"),
        SettingKey("ntp-port", \.server.ntpPort, .port, sets: .ntpPort)
            .restartOnly
            .help("SNTP port (UDP): a number, 0 for any free port, or off.", value: "port", showingDefault: true),
        SettingKey("ntp-upstream", \.server.ntp.upstreams, .ntpUpstreams, sets: .ntpUpstreams)
            .showing(default: "none")
            .help(
                "An NTP server that disciplines this clock (a local chronyd or ntpd), polled for what NTP answers "
                    + "say: HOST, HOST:PORT or [IPv6]:PORT; repeat for several.",
                value: "host:port"
            ),
        SettingKey("ntp-local-stratum", \.server.ntp.localStratum, .stratum, sets: .ntpLocalStratum)
            .help(
                "Serve the local clock at this stratum (1-15) when no upstream is synchronized, as chrony's "
                    + "local stratum; off to answer unsynchronized instead.",
                value: "stratum",
                showingDefault: true
            ),
        SettingKey("ntp-kod", \.server.ntp.kissOfDeath, .bool, sets: .ntpKissOfDeath)
            .help("Answer NTP clients over the rate limit with a Kiss-o'-Death RATE instead of nothing."),
        SettingKey("ntp-leak", \.server.ntp.leak, .integer(in: 0...1_000_000, what: "a leak"), sets: .ntpLeak)
            .help(
                "Over the rate limit, still answer one NTP request in this many (0: none), so that a flood "
                    + "forged with a victim's address cannot cut the victim off.",
                value: "n",
                showingDefault: true
            ),
        SettingKey("daytime-transports", \.server.daytimeTransports, .transports, sets: .transports(for: .daytime))
            .restartOnly
            .help("Transports for daytime: tcp, udp, or tcp,udp.", value: "list"),
        SettingKey("time-transports", \.server.timeTransports, .transports, sets: .transports(for: .time))
            .restartOnly
            .help("Transports for time: tcp, udp, or tcp,udp.", value: "list"),
        SettingKey("blocked-source-ports", \.server.blockedSourcePorts, .portNumbers, sets: .blockedSourcePorts)
            .help(
                "UDP source ports that never get an answer, comma-separated: services that answer anything, "
                    + "so answering them would start a packet loop. Port 0 is always blocked.",
                value: "ports"
            ),
        SettingKey("format", \.server.format, .format, sets: .format)
            .help(
                "Layout of the daytime line: \(DaytimeFormat.names.joined(separator: ", ")), or a pattern such as "
                    + "'%F %T.%3N %z' (fields: docs/FORMATS.md).",
                value: "format"
            ),
        SettingKey("nist-label", \.nistLabel, .nistLabel)
            .help(
                "Label of the nist format in the place of UTC(NIST): we are not NIST.",
                value: "label",
                showingDefault: true
            ),
        SettingKey("nist-advance", \.nistAdvance, .nistAdvance)
            .help(
                "Milliseconds the nist line is stamped ahead of the clock, for the network delay; stated in msADV.",
                value: "ms",
                showingDefault: true
            ),
        SettingKey("leap-seconds-file", \.server.leapSecondsFile, .pathOrNone, sets: .leapSecondsFile)
            .help(
                "The tz database's leap-second list, for the nist line's L, or none.",
                value: "path",
                showingDefault: true
            ),
        SettingKey(
            "clock-healthy-max-error",
            \.server.clockHealth.healthyMaximumError,
            .milliseconds,
            sets: .clockHealthyMaximumError
        )
        .help(
            "A synchronized clock whose maximum error (the kernel's, or the SNTP upstream's root distance) is at most "
                + "this many milliseconds is healthy (H=0).",
            value: "ms",
            showingDefault: true
        ),
        SettingKey(
            "clock-wrong-est-error",
            \.server.clockHealth.wrongEstimatedError,
            .milliseconds,
            sets: .clockWrongEstimatedError
        )
        .help(
            "A clock whose estimated error exceeds this many milliseconds is wrong (H=2): unsynchronized.",
            value: "ms",
            showingDefault: true
        ),
        SettingKey(
            "when-unsynchronized",
            \.server.refusesWhenUnsynchronized,
            .whenUnsynchronized,
            sets: .refusesWhenUnsynchronized
        )
        .help(
            "While the clock is unsynchronized, answer Daytime and Time anyway, or refuse: close TCP without a "
                + "byte and give UDP nothing (SNTP says unsynchronized either way).",
            value: "answer|refuse",
            showingDefault: true
        ),
        SettingKey("timezone", \.timeZoneName, .text, sets: .timeZone)
            .help("Zone of the daytime line: local, UTC, or an IANA name such as Europe/London.", value: "zone"),
        SettingKey("log-level", \.logLevel, .logLevel)
            .help(
                "Least severe message to log: trace, debug, info (a line per connection), notice, warning, error, "
                    + "critical.",
                value: "level"
            ),
        SettingKey("allow", \.server.sourcePolicy.allow, .ranges, sets: .allow)
            .showing(default: "everyone not denied")
            .help(
                "Answer only sources in this range (CIDR, such as 192.0.2.0/24 or 2001:db8::/32); repeat for several. "
                    + "Default: every source not denied.",
                value: "range"
            ),
        SettingKey("deny", \.server.sourcePolicy.deny, .ranges, sets: .deny)
            .showing(default: "nobody")
            .help(
                "Never answer sources in this range (CIDR); repeat for several. Deny wins over --allow.",
                value: "range"
            ),
        // Before rate-burst: the burst goes with a rate.
        SettingKey("rate-limit", \.rateLimit, .rate, sets: .rateLimit)
            .help(
                "Answers a second per source (IPv6: per --rate-limit-ipv6-prefix), TCP and UDP together, or off. "
                    + "Over it, datagrams are dropped and connections closed without an answer.",
                value: "rate"
            ),
        SettingKey(
            "rate-burst",
            \.rateBurst,
            .integer(in: 1...1_000_000, what: "a burst (answers in a row)"),
            sets: .rateBurst
        )
        .help("Answers a source may take in a row before --rate-limit applies."),
        SettingKey(
            "rate-limit-table",
            \.server.sourcePolicy.rateLimitTableSize,
            .integer(in: 1...16_777_216, what: "a table size"),
            sets: .rateLimitTableSize
        )
        .help("Sources the rate limiter remembers at most (a fixed table: a flood of forged sources cannot grow it)."),
        SettingKey(
            "rate-limit-ipv6-prefix",
            \.server.sourcePolicy.ipv6PrefixLength,
            .integer(in: 0...128, what: "an IPv6 prefix length (64 is one site's subnet)"),
            sets: .ipv6PrefixLength
        )
        .help("IPv6 sources are limited per prefix of this length."),
        SettingKey("rate-limit-exempt", \.server.sourcePolicy.exempt, .rangesOrNone, sets: .rateLimitExempt)
            .help(
                "A range exempt from --rate-limit and --udp-max-rate (not from --allow/--deny); repeat for several. "
                    + "Default: loopback (127.0.0.0/8, ::1). Give 'none' to exempt nobody.",
                value: "range"
            ),
        SettingKey("udp-max-rate", \.server.sourcePolicy.udpAnswersPerSecond, .rate, sets: .udpAnswersPerSecond)
            .help(
                "UDP answers a second to all non-exempt sources together, or off: the most this server can be "
                    + "made to reflect (26 bytes a line).",
                value: "rate"
            ),
        SettingKey("threads", \.server.threads, .integer(in: 1...1024, what: "a thread count"), sets: .threads)
            .showing(default: "one per CPU (\(ServerConfiguration.defaultThreadCount) here)")
            .restartOnly
            .help("Accepting threads; the default is one per CPU this process may use."),
        SettingKey("backlog", \.server.backlog, .integer(in: 1...1_048_576, what: "a queue length"), sets: .backlog)
            .restartOnly
            .help("Queue length of each listening socket (capped by net.core.somaxconn).", showingDefault: true),
        SettingKey("shutdown-timeout", \.shutdownTimeout, .seconds(in: 0...86_400, example: "10 or 2.5"))
            .restartOnly
            .help(
                "Seconds a graceful stop (SIGTERM, SIGINT) may take before what is left is cancelled.",
                value: "seconds",
                showingDefault: true
            ),
        // Behind a load balancer (docs/SCALING.md).
        SettingKey("daytime-proxy-port", \.server.proxyProtocol.daytimePort, .port, sets: .proxyPort(for: .daytime))
            .restartOnly
            .help(
                "Daytime port behind a load balancer: each connection must start with a PROXY protocol header "
                    + "(v1 or v2) from --proxy-trusted. A number, 0 for any free port, or off.",
                value: "port",
                showingDefault: true
            ),
        SettingKey("time-proxy-port", \.server.proxyProtocol.timePort, .port, sets: .proxyPort(for: .time))
            .restartOnly
            .help("Time port behind a load balancer, as --daytime-proxy-port.", value: "port", showingDefault: true),
        SettingKey("proxy-trusted", \.server.proxyProtocol.trusted, .ranges, sets: .proxyTrusted)
            .showing(default: "nobody (required with a proxy port)")
            .restartOnly
            .help(
                "A load balancer's range (CIDR) allowed to send PROXY headers; repeat for several. "
                    + "Required with a proxy port: nothing is trusted by default.",
                value: "range"
            ),
        SettingKey(
            "proxy-header-timeout",
            \.server.proxyProtocol.headerTimeout,
            .seconds(in: 0...3600, example: "3 or 0.5", aboveZero: true),
            sets: .proxyHeaderTimeout
        )
        .restartOnly
        .help(
            "Seconds a connection to a proxy port has for its whole header before it is closed.",
            value: "seconds",
            showingDefault: true
        ),
        SettingKey(
            "proxy-max-pending",
            \.server.proxyProtocol.maximumPendingConnections,
            .integer(in: 1...1_048_576, what: "a connection count"),
            sets: .proxyMaximumPending
        )
        .restartOnly
        .help(
            "Connections to proxy ports that may wait for their header at once; more are closed.",
            value: "count",
            showingDefault: true
        ),
        SettingKey("reuse-port", \.server.reusePort, .bool, sets: .reusePort)
            .restartOnly
            .help("Set SO_REUSEPORT, so that several daytimed processes can serve the same ports on one host."),
        SettingKey(
            "lingering-close",
            \.server.lingeringClose,
            ValueParser<Duration>.seconds(in: 0...3600, example: "2 or 0.5", aboveZero: true).or("off"),
            sets: .lingeringClose
        )
        .restartOnly
        .help(
            "Seconds an answered TCP connection may stay open for a client that sent something before "
                + "reading (the FIN goes out with the answer; the close waits for the client's), so that "
                + "the close is no reset; or off.",
            value: "seconds",
            showingDefault: true
        ),
        SettingKey("access-log", \.accessLog, .pathOrOff, sets: .accessLog)
            .restartOnly
            .help(
                "Write a line per answer or refusal to this file, or - for standard error.",
                value: "path",
                showingDefault: true
            ),
        SettingKey("access-log-format", \.accessLogFormat, .accessLogFormat)
            .restartOnly
            .help("Layout of access-log lines: text or json.", value: "format", showingDefault: true),
        SettingKey("metrics-address", \.metricsAddress, .metricsAddress, sets: .metricsAddress)
            .restartOnly
            .help(
                "Serve Prometheus metrics on http://HOST:PORT/metrics and health on /healthz, "
                    + "such as 127.0.0.1:9813 or [::1]:9813.",
                value: "host:port",
                showingDefault: true
            ),
    ]
}

/// What is wrong with a value, before it is known where the value came from.
struct SettingProblem: Error, Sendable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
