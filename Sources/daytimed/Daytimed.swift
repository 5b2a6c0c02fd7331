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
        version: SwiftDaytime.version
    )

    // The settings: each option's flag is its property's name, and its help, default and checks
    // are in its ``SettingKey``.
    @Option(help: SettingKey.help("host")) var host: [String] = []

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

    /// For the Debian package's conffile (`scripts/package`): every setting, commented out at its
    /// default, with its help.
    @Flag(name: .customLong("print-config-template"), help: .hidden)
    var printConfigTemplate = false

    @Option(help: SettingKey.help("daytime-port")) var daytimePort: String?
    @Option(help: SettingKey.help("time-port")) var timePort: String?
    @Option(help: SettingKey.help("ntp-port")) var ntpPort: String?
    @Option(help: SettingKey.help("ntp-upstream")) var ntpUpstream: [String] = []
    @Option(help: SettingKey.help("ntp-local-stratum")) var ntpLocalStratum: String?
    @Flag(help: SettingKey.help("ntp-kod")) var ntpKod = false
    @Option(help: SettingKey.help("ntp-leak")) var ntpLeak: String?
    @Option(help: SettingKey.help("daytime-transports")) var daytimeTransports: String?
    @Option(help: SettingKey.help("time-transports")) var timeTransports: String?
    @Option(help: SettingKey.help("blocked-source-ports")) var blockedSourcePorts: String?
    @Option(help: SettingKey.help("format")) var format: String?
    @Option(help: SettingKey.help("nist-label")) var nistLabel: String?
    @Option(help: SettingKey.help("nist-advance")) var nistAdvance: String?
    @Option(help: SettingKey.help("leap-seconds-file")) var leapSecondsFile: String?
    @Option(help: SettingKey.help("clock-healthy-max-error")) var clockHealthyMaxError: String?
    @Option(help: SettingKey.help("clock-wrong-est-error")) var clockWrongEstError: String?
    @Option(help: SettingKey.help("when-unsynchronized")) var whenUnsynchronized: String?
    @Option(help: SettingKey.help("timezone")) var timezone: String?
    @Option(help: SettingKey.help("log-level")) var logLevel: String?
    @Option(help: SettingKey.help("allow")) var allow: [String] = []
    @Option(help: SettingKey.help("deny")) var deny: [String] = []
    @Option(help: SettingKey.help("rate-limit")) var rateLimit: String?
    @Option(help: SettingKey.help("rate-burst")) var rateBurst: String?
    @Option(help: SettingKey.help("rate-limit-table")) var rateLimitTable: String?
    @Option(help: SettingKey.help("rate-limit-ipv6-prefix")) var rateLimitIpv6Prefix: String?
    @Option(help: SettingKey.help("rate-limit-exempt")) var rateLimitExempt: [String] = []
    @Option(help: SettingKey.help("udp-max-rate")) var udpMaxRate: String?
    @Option(help: SettingKey.help("threads")) var threads: String?
    @Option(help: SettingKey.help("backlog")) var backlog: String?
    @Option(help: SettingKey.help("shutdown-timeout")) var shutdownTimeout: String?

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

    @Option(help: SettingKey.help("daytime-proxy-port")) var daytimeProxyPort: String?
    @Option(help: SettingKey.help("time-proxy-port")) var timeProxyPort: String?
    @Option(help: SettingKey.help("proxy-trusted")) var proxyTrusted: [String] = []
    @Option(help: SettingKey.help("proxy-header-timeout")) var proxyHeaderTimeout: String?
    @Option(help: SettingKey.help("proxy-max-pending")) var proxyMaxPending: String?
    @Flag(help: SettingKey.help("reuse-port")) var reusePort = false
    @Option(help: SettingKey.help("lingering-close")) var lingeringClose: String?
    @Option(help: SettingKey.help("access-log")) var accessLog: String?
    @Option(help: SettingKey.help("access-log-format")) var accessLogFormat: String?
    @Option(help: SettingKey.help("metrics-address")) var metricsAddress: String?

    func validate() throws {
        if self.group != nil && self.user == nil {
            throw ValidationError("--group needs --user: give the user to run as too")
        }
        if self.inetd != nil && self.user != nil {
            throw ValidationError("--user does not apply with --inetd: set the user in the inetd.conf entry")
        }
    }

    /// The settings given as flags, by key; flags not given are absent, so lower sources show
    /// through. Each setting's option is found by its property's name: the key in camel case.
    var flagValues: [String: [String]] {
        var values: [String: [String]] = [:]
        for child in Mirror(reflecting: self).children {
            guard let label = child.label, let key = SettingKey.named(Self.keyName(ofProperty: label)) else {
                continue
            }
            switch child.value {
            case let option as Option<String?>: values[key.name] = option.wrappedValue.map { [$0] }
            case let option as Option<[String]>:
                values[key.name] = option.wrappedValue.isEmpty ? nil : option.wrappedValue
            case let flag as Flag<Bool>: values[key.name] = flag.wrappedValue ? ["true"] : nil
            default: continue
            }
        }
        return values
    }

    /// `daytime-port` for the property `_daytimePort` (as its property wrapper is labelled).
    static func keyName(ofProperty label: String) -> String {
        var name = ""
        for character in label.drop(while: { $0 == "_" }) {
            if character.isUppercase { name += "-" }
            name += character.lowercased()
        }
        return name
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
            settings = try loader.load()
            configuration = try settings.serverConfiguration()
        } catch {
            // A bad flag is a usage error (64, like ArgumentParser's); a bad file or variable is a
            // configuration error (78, EX_CONFIG).
            throw Self.fail(error.description, code: error.origin == .flag ? .validationFailure : ExitCode(78))
        }
        if self.printConfigTemplate {
            print(SettingsReport.template, terminator: "")
            return
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
            let exporter = StatisticsExporter(statistics: service.statistics, timeStatus: { service.timeStatus() })
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
            running: RunningSettings(settings),
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
