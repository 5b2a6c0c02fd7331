import ArgumentParser
import DaytimeCore
import DaytimeMetrics
import DaytimeNetwork
import DaytimeServer
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#endif

/// `daytimed`: serves RFC 867 Daytime and RFC 868 Time over TCP until SIGTERM or SIGINT.
@main
struct Daytimed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daytimed",
        abstract: "Serve the time: RFC 867 Daytime and RFC 868 Time over TCP and UDP.",
        discussion: """
            Each connection gets the current time and is closed, and each datagram gets one datagram \
            back: one line of text on the daytime port, four bytes (seconds since 1900, big-endian) on \
            the time port. Datagrams from the source ports of auto-answering services, and from \
            addresses that cannot send, get no answer. SIGTERM or SIGINT stops the server gracefully: \
            it stops accepting, answers what is queued, and exits 0.
            """,
        version: "0.1.0"
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An address (or name) to listen on; repeat for several. Default: every IPv4 and IPv6 address.",
            valueName: "address"
        )
    )
    var host: [String] = []

    @Option(
        name: .customLong("config"),
        help: ArgumentHelp(
            "A configuration file, JSON (.json) or YAML (.yaml, .yml), whose keys are these flags' names. "
                + "Flags win over environment variables (DAYTIMED_ and the key), which win over the file. "
                + "Also DAYTIMED_CONFIG. SIGHUP reads it again.",
            valueName: "path"
        )
    )
    var config: String?

    @Flag(
        name: .customLong("check-config"),
        help: "Check the settings (flags, environment, file), print each with where it came from, and exit."
    )
    var checkConfig = false

    @Option(
        name: .customLong("daytime-port"),
        help: ArgumentHelp("Daytime port: a number, 0 for any free port, or off.", valueName: "port")
    )
    var daytimePort: String?

    @Option(
        name: .customLong("time-port"),
        help: ArgumentHelp("Time port: a number, 0 for any free port, or off.", valueName: "port")
    )
    var timePort: String?

    @Option(
        name: .customLong("daytime-transports"),
        help: ArgumentHelp("Transports for daytime: tcp, udp, or tcp,udp.", valueName: "list")
    )
    var daytimeTransports: String?

    @Option(
        name: .customLong("time-transports"),
        help: ArgumentHelp("Transports for time: tcp, udp, or tcp,udp.", valueName: "list")
    )
    var timeTransports: String?

    @Option(
        name: .customLong("blocked-source-ports"),
        help: ArgumentHelp(
            "UDP source ports that never get an answer, comma-separated: services that answer anything, "
                + "so answering them would start a packet loop. Port 0 is always blocked.",
            valueName: "ports"
        )
    )
    var blockedSourcePorts: String?

    @Option(
        help: ArgumentHelp(
            "Layout of the daytime line: \(DaytimeFormat.names.joined(separator: ", ")), or a pattern such as "
                + "'%F %T.%3N %z' (fields: docs/FORMATS.md).",
            valueName: "format"
        )
    )
    var format: String?

    @Option(
        name: .customLong("nist-label"),
        help: ArgumentHelp(
            "Label of the nist format in the place of UTC(NIST): we are not NIST. (default: \(NISTFormatOptions.defaultLabel))",
            valueName: "label"
        )
    )
    var nistLabel: String?

    @Option(
        name: .customLong("nist-advance"),
        help: ArgumentHelp(
            "Milliseconds the nist line is stamped ahead of the clock, for the network delay; stated in msADV. (default: 0)",
            valueName: "ms"
        )
    )
    var nistAdvance: String?

    @Option(
        name: .customLong("leap-seconds-file"),
        help: ArgumentHelp(
            "The tz database's leap-second list, for the nist line's L, or none. "
                + "(default: \(LeapSecondTable.defaultPath))",
            valueName: "path"
        )
    )
    var leapSecondsFile: String?

    @Option(
        name: .customLong("clock-healthy-max-error"),
        help: ArgumentHelp(
            "A synchronized clock whose kernel maximum error is at most this many milliseconds is healthy (H=0). (default: 1000)",
            valueName: "ms"
        )
    )
    var clockHealthyMaxError: String?

    @Option(
        name: .customLong("clock-wrong-est-error"),
        help: ArgumentHelp(
            "A clock whose kernel estimated error exceeds this many milliseconds is wrong (H=2). (default: 5000)",
            valueName: "ms"
        )
    )
    var clockWrongEstError: String?

    @Option(
        name: .customLong("timezone"),
        help: ArgumentHelp(
            "Zone of the daytime line: local, UTC, or an IANA name such as Europe/London.",
            valueName: "zone"
        )
    )
    var timeZone: String?

    @Option(
        name: .customLong("log-level"),
        help: ArgumentHelp(
            "Least severe message to log: trace, debug, info (a line per connection), notice, warning, error, critical.",
            valueName: "level"
        )
    )
    var logLevel: String?

    @Option(
        help: ArgumentHelp(
            "Answer only sources in this range (CIDR, such as 192.0.2.0/24 or 2001:db8::/32); repeat for several. "
                + "Default: every source not denied.",
            valueName: "range"
        )
    )
    var allow: [String] = []

    @Option(
        help: ArgumentHelp(
            "Never answer sources in this range (CIDR); repeat for several. Deny wins over --allow.",
            valueName: "range"
        )
    )
    var deny: [String] = []

    @Option(
        name: .customLong("rate-limit"),
        help: ArgumentHelp(
            "Answers a second per source (IPv6: per --rate-limit-ipv6-prefix), TCP and UDP together, or off. "
                + "Over it, datagrams are dropped and connections closed without an answer.",
            valueName: "rate"
        )
    )
    var rateLimit: String?

    @Option(name: .customLong("rate-burst"), help: "Answers a source may take in a row before --rate-limit applies.")
    var rateBurst: String?

    @Option(
        name: .customLong("rate-limit-table"),
        help: "Sources the rate limiter remembers at most (a fixed table: a flood of forged sources cannot grow it)."
    )
    var rateLimitTable: String?

    @Option(name: .customLong("rate-limit-ipv6-prefix"), help: "IPv6 sources are limited per prefix of this length.")
    var rateLimitIPv6Prefix: String?

    @Option(
        name: .customLong("rate-limit-exempt"),
        help: ArgumentHelp(
            "A range exempt from --rate-limit and --udp-max-rate (not from --allow/--deny); repeat for several. "
                + "Default: loopback (127.0.0.0/8, ::1). Give 'none' to exempt nobody.",
            valueName: "range"
        )
    )
    var rateLimitExempt: [String] = []

    @Option(
        name: .customLong("udp-max-rate"),
        help: ArgumentHelp(
            "UDP answers a second to all non-exempt sources together, or off: the most this server can be "
                + "made to reflect (26 bytes a line).",
            valueName: "rate"
        )
    )
    var udpMaxRate: String?

    @Option(help: "Accepting threads; the default is one per CPU this process may use.")
    var threads: String?

    @Option(help: "Queue length of each listening socket (capped by net.core.somaxconn). (default: 4096)")
    var backlog: String?

    @Option(
        name: .customLong("shutdown-timeout"),
        help: ArgumentHelp(
            "Seconds a graceful stop (SIGTERM, SIGINT) may take before what is left is cancelled. (default: 10)",
            valueName: "seconds"
        )
    )
    var shutdownTimeout: String?

    @Option(
        help: ArgumentHelp(
            "Run from inetd: answer the TCP connection (nowait) or the UDP datagrams (wait) on standard input "
                + "as this service, then exit.",
            valueName: "service"
        )
    )
    var inetd: InetdServiceOption?

    @Option(
        help: ArgumentHelp(
            "After binding, run as this user (name or uid), without supplementary groups; exit if that fails. "
                + "Needs root at start.",
            valueName: "user"
        )
    )
    var user: String?

    @Option(
        help: ArgumentHelp("With --user: the group to run as. Default: the user's primary group.", valueName: "group")
    )
    var group: String?

    @Option(
        name: .customLong("daytime-proxy-port"),
        help: ArgumentHelp(
            "Daytime port behind a load balancer: each connection must start with a PROXY protocol header "
                + "(v1 or v2) from --proxy-trusted. A number, 0 for any free port, or off. (default: off)",
            valueName: "port"
        )
    )
    var daytimeProxyPort: String?

    @Option(
        name: .customLong("time-proxy-port"),
        help: ArgumentHelp(
            "Time port behind a load balancer, as --daytime-proxy-port. (default: off)",
            valueName: "port"
        )
    )
    var timeProxyPort: String?

    @Option(
        name: .customLong("proxy-trusted"),
        help: ArgumentHelp(
            "A load balancer's range (CIDR) allowed to send PROXY headers; repeat for several. "
                + "Required with a proxy port: nothing is trusted by default.",
            valueName: "range"
        )
    )
    var proxyTrusted: [String] = []

    @Option(
        name: .customLong("proxy-header-timeout"),
        help: ArgumentHelp(
            "Seconds a connection to a proxy port has for its whole header before it is closed. (default: 3)",
            valueName: "seconds"
        )
    )
    var proxyHeaderTimeout: String?

    @Option(
        name: .customLong("proxy-max-pending"),
        help: ArgumentHelp(
            "Connections to proxy ports that may wait for their header at once; more are closed. (default: 4096)",
            valueName: "count"
        )
    )
    var proxyMaxPending: String?

    @Flag(
        name: .customLong("reuse-port"),
        help: "Set SO_REUSEPORT, so that several daytimed processes can serve the same ports on one host."
    )
    var reusePort = false

    func validate() throws {
        if self.group != nil && self.user == nil {
            throw ValidationError("--group needs --user: give the user to run as too")
        }
        if self.inetd != nil && self.user != nil {
            throw ValidationError("--user does not apply with --inetd: set the user in the inetd.conf entry")
        }
    }

    @Option(
        name: .customLong("access-log"),
        help: ArgumentHelp(
            "Write a line per answer or refusal to this file, or - for standard error. (default: off)",
            valueName: "path"
        )
    )
    var accessLog: String?

    @Option(
        name: .customLong("access-log-format"),
        help: ArgumentHelp("Layout of access-log lines: text or json. (default: text)", valueName: "format")
    )
    var accessLogFormat: String?

    @Option(
        name: .customLong("metrics-address"),
        help: ArgumentHelp(
            "Serve Prometheus metrics on http://HOST:PORT/metrics and health on /healthz, "
                + "such as 127.0.0.1:9813 or [::1]:9813. (default: off)",
            valueName: "host:port"
        )
    )
    var metricsAddress: String?

    /// The flags given, by setting key; flags not given are absent, so lower sources show through.
    var flagValues: [String: [String]] {
        let single: [(String, String?)] = [
            ("daytime-port", self.daytimePort), ("time-port", self.timePort),
            ("daytime-transports", self.daytimeTransports), ("time-transports", self.timeTransports),
            ("blocked-source-ports", self.blockedSourcePorts), ("format", self.format),
            ("timezone", self.timeZone), ("log-level", self.logLevel), ("rate-limit", self.rateLimit),
            ("rate-burst", self.rateBurst), ("rate-limit-table", self.rateLimitTable),
            ("rate-limit-ipv6-prefix", self.rateLimitIPv6Prefix), ("udp-max-rate", self.udpMaxRate),
            ("threads", self.threads), ("backlog", self.backlog), ("shutdown-timeout", self.shutdownTimeout),
            ("nist-label", self.nistLabel), ("nist-advance", self.nistAdvance),
            ("leap-seconds-file", self.leapSecondsFile), ("clock-healthy-max-error", self.clockHealthyMaxError),
            ("clock-wrong-est-error", self.clockWrongEstError),
            ("daytime-proxy-port", self.daytimeProxyPort), ("time-proxy-port", self.timeProxyPort),
            ("proxy-header-timeout", self.proxyHeaderTimeout), ("proxy-max-pending", self.proxyMaxPending),
            ("reuse-port", self.reusePort ? "true" : nil),
            ("access-log", self.accessLog), ("access-log-format", self.accessLogFormat),
            ("metrics-address", self.metricsAddress),
        ]
        let lists: [(String, [String])] = [
            ("host", self.host), ("allow", self.allow), ("deny", self.deny),
            ("rate-limit-exempt", self.rateLimitExempt), ("proxy-trusted", self.proxyTrusted),
        ]
        var values: [String: [String]] = [:]
        for (key, value) in single { if let value { values[key] = [value] } }
        for (key, list) in lists where !list.isEmpty { values[key] = list }
        return values
    }

    func run() async throws {
        // Under inetd, standard output and error are the client's socket: nothing but the answer
        // may go there, not even an error about the settings.
        let toSyslog = self.inetd != nil && Self.divertOutputFromClient()
        let environment = ProcessInfo.processInfo.environment
        let loader = SettingsLoader(
            flags: self.flagValues,
            environment: environment,
            configPath: self.config ?? environment[SettingsLoader.configPathVariable],
            configPathOrigin: self.config == nil ? .environment(SettingsLoader.configPathVariable) : .flag
        )
        let settings: DaemonSettings
        let configuration: ServerConfiguration
        do {
            settings = try await loader.load()
            configuration = try settings.serverConfiguration()
        } catch {
            // A bad flag is a usage error (64, like ArgumentParser's); a bad file or variable is a
            // configuration error (78, EX_CONFIG).
            throw Self.fail(error.description, code: error.origin == .flag ? .validationFailure : ExitCode(78))
        }
        if self.checkConfig {
            print(SettingsReport(settings).text, terminator: "")
            return
        }

        let level = LiveLogLevel(settings.logLevel)
        Self.bootstrapLogging(level: level, toSyslog: toSyslog)
        let logger = Logger(label: "daytimed")
        if let inetd = self.inetd {
            return try Self.serveInetd(inetd.kind, configuration: configuration, logger: logger)
        }
        // Trap SIGHUP before anything listens: its default action would end the process.
        let hangups = await UnixSignalsSequence(trapping: .sighup)

        let service: DaytimeService
        do {
            service = try Self.makeService(configuration: configuration, logger: logger)
        } catch {
            throw Self.fail(error.description(naming: SettingKey.flag))
        }
        // Bound before privileges are dropped, like the daytime sockets, and reported the same way.
        var metricsServer: MetricsServer?
        if let address = settings.metricsAddress {
            let exporter = StatisticsExporter(statistics: service.statistics)
            // Metrics any library reports through the swift-metrics facade go to the same endpoint.
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: exporter.registry))
            do {
                let endpoint = MetricsEndpoint(
                    exporter: exporter,
                    healthChecks: [service.listenersHealthCheck, service.clockHealthCheck]
                )
                metricsServer = try await MetricsServer.bind(address, endpoint: endpoint, logger: logger)
            } catch {
                throw Self.fail(error.description(naming: SettingKey.flag))
            }
        }
        try self.dropPrivilegesIfAsked(logger: logger)
        let reloader = HangupReloader(
            signals: hangups,
            loader: loader,
            service: service,
            logLevel: level,
            running: settings,
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: service),
            .init(service: reloader, successTerminationBehavior: .ignore),
        ]
        if let metricsServer { services.append(.init(service: metricsServer)) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        try await ServiceGroup(configuration: groupConfiguration).run()
    }

    /// Prints `daytimed: error: ...` on standard error and returns the failure exit code.
    static func fail(_ message: String, code: ExitCode = .failure) -> ExitCode {
        var standardError = StandardError()
        print("daytimed: error: \(message)", to: &standardError)
        SyslogLogHandler.logErrorIfOpen("error: \(message)")
        return code
    }
}

/// Standard error as a `TextOutputStream`.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        var bytes = Array(string.utf8)
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            bytes.removeFirst(written)
        }
    }
}
